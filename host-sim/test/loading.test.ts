import { describe, expect, it } from "vitest";
import { Proxy } from "../src/index.js";
import { guest } from "./helpers/guest.js";
import { callbacks, start } from "./helpers/host.js";

const configureOk = (g: ReturnType<typeof guest>) => g.on("proxy_on_configure", 2, "(i32.const 1)");

describe("loading", () => {
  it("rejects a module importing env.proxy_clear_route_cache (case 1)", async () => {
    const g = guest({ imports: [`(import "env" "proxy_clear_route_cache" (func (result i32)))`] });
    const { plugin } = await start(g);
    expect(plugin.ok).toBe(false);
    expect(plugin.error).toBe("Unable to create Wasm HTTP filter probe: Failed to load Wasm module due to a missing import: env.proxy_clear_route_cache");
  });

  it("rejects env.abort and any global import", async () => {
    const abort = await start(guest({ imports: [`(import "env" "abort" (func (param i32 i32 i32 i32)))`] }));
    expect(abort.plugin.error).toContain("missing import: env.abort");
    const glob = await start(guest({ imports: [`(import "env" "g" (global i32))`] }));
    expect(glob.plugin.error).toContain("missing import: env.g");
  });

  it("rejects an import with the wrong signature", async () => {
    const { plugin } = await start(guest({ proxyImports: false, imports: [`(import "env" "proxy_log" (func (param i32 i32) (result i32)))`] }));
    expect(plugin.error).toContain("Failed to load Wasm module due to an import type mismatch");
  });

  it("accepts the whole provided import set", async () => {
    const wasi = ["fd_write", "proc_exit", "clock_time_get", "random_get", "environ_get"];
    const imports = [
      `(import "env" "pthread_equal" (func (param i32 i32) (result i32)))`,
      `(import "env" "emscripten_notify_memory_growth" (func (param i32)))`,
      `(import "wasi_unstable" "proc_exit" (func (param i32)))`,
      `(import "wasi_snapshot_preview1" "fd_write" (func (param i32 i32 i32 i32) (result i32)))`,
      `(import "wasi_snapshot_preview1" "clock_time_get" (func (param i32 i64 i32) (result i32)))`,
    ];
    expect(wasi.length).toBe(5);
    const { plugin } = await start(configureOk(guest({ imports })));
    expect(plugin.error).toBeUndefined();
    expect(plugin.ok).toBe(true);
  });

  it("rejects a module without an ABI version export (case 2)", async () => {
    const { plugin } = await start(guest({ abi: false }));
    expect(plugin.error).toContain("Missing or unknown Proxy-Wasm ABI version");
  });

  it("rejects a module without malloc (case 3)", async () => {
    const { plugin } = await start(guest({ malloc: "none" }));
    expect(plugin.error).toContain("Wasm module is missing malloc function.");
  });

  it("uses malloc, not proxy_on_memory_allocate, when both are exported (case 3)", async () => {
    const g = guest()
      .add(`(func (export "proxy_on_memory_allocate") (param i32) (result i32) unreachable)`)
      .on("proxy_on_configure", 2, `(drop (call $proxy_get_buffer_bytes (i32.const 7) (i32.const 0) (i32.const 100) (i32.const 64) (i32.const 68))) (i32.const 1)`);
    const { plugin, proxy } = await start(g, { config: "cfg" });
    expect(plugin.ok).toBe(true);
    expect(proxy.vms("probe").find((v) => v.role === "worker")!.mallocCount).toBe(1);
  });

  it("falls back to proxy_on_memory_allocate without malloc", async () => {
    const g = guest({ malloc: "none" })
      .add(`(func (export "proxy_on_memory_allocate") (param i32) (result i32) (i32.const 4096))`)
      .on("proxy_on_configure", 2, `(drop (call $proxy_get_buffer_bytes (i32.const 7) (i32.const 0) (i32.const 100) (i32.const 64) (i32.const 68))) (i32.const 1)`);
    const { plugin, proxy } = await start(g, { config: "cfg" });
    expect(plugin.ok).toBe(true);
    expect(proxy.vms("probe").find((v) => v.role === "worker")!.mallocCount).toBe(1);
  });

  it("fails on an export with the wrong signature (case 4)", async () => {
    const g = guest().on("proxy_on_request_headers", 2, "(i32.const 0)");
    const { plugin } = await start(g);
    expect(plugin.ok).toBe(false);
    expect(plugin.error).toContain("Bad function signature for: proxy_on_request_headers");
  });

  it("starts in Envoy order: _start, context create, vm_start, configure; first request creates context 2 (case 5)", async () => {
    const g = guest()
      .on("proxy_on_context_create", 2, "", false)
      .on("proxy_on_vm_start", 2, "(i32.const 1)")
      .on("proxy_on_configure", 2, "(i32.const 1)")
      .on("proxy_on_request_headers", 3, "(i32.const 0)");
    const { proxy } = await start(g, { vmConfig: "vmcfg", config: "abc" });
    const w = proxy.vms("probe").find((v) => v.role === "worker")!;
    expect(callbacks(w.trace)).toEqual(["_start()", "proxy_on_context_create(1,0)", "proxy_on_vm_start(1,5)", "proxy_on_configure(1,3)"]);
    const r = proxy.request({ headers: { ":path": "/", "x-a": "1" } });
    expect(callbacks(r.trace).slice(0, 2)).toEqual(["proxy_on_context_create(2,1)", "proxy_on_request_headers(2,2,1)"]);
  });

  it("runs _start in the base VM, the canary and every worker; the canary is then killed", async () => {
    const g = guest().on("proxy_on_configure", 2, "(i32.const 1)");
    const proxy = new Proxy({ workers: 2 });
    await proxy.addPlugin({ name: "p", wasm: await g.build() });
    expect(proxy.vms("p").map((v) => [v.role, v.alive])).toEqual([
      ["base", true],
      ["canary", false],
      ["worker", true],
      ["worker", true],
    ]);
  });

  it("calls _initialize then main(0,0) instead of _start when _initialize is exported", async () => {
    const g = guest()
      .add(`(func (export "_initialize"))`)
      .add(`(func (export "main") (param i32 i32) (result i32) (i32.const 0))`);
    const { proxy } = await start(g);
    const w = proxy.vms("probe").find((v) => v.role === "worker")!;
    expect(callbacks(w.trace).slice(0, 2)).toEqual(["_initialize()", "main(0,0)"]);
  });

  it("traps restricted_callback when _start calls a non-allowed host function (case 6)", async () => {
    const g = guest({ start: `(drop (call $proxy_get_property (i32.const 0) (i32.const 0) (i32.const 64) (i32.const 68)))` });
    const { plugin } = await start(g);
    expect(plugin.ok).toBe(false);
    expect(plugin.error).toBe("Unable to create Wasm HTTP filter probe: Function: _start failed: restricted_callback");
  });

  it("allows proxy_log and WASI calls in _start", async () => {
    const g = guest({ start: `(drop (call $proxy_log (i32.const 2) (i32.const 1024) (i32.const 2)))` });
    g.str("hi");
    const { plugin } = await start(g);
    expect(plugin.ok).toBe(true);
    expect(plugin.logs("info")).toContain("hi");
  });

  it("fails the plugin when proxy_on_configure returns false, keeping its logs (case 7)", async () => {
    const g = guest();
    const msg = g.str("bad config");
    g.on("proxy_on_configure", 2, `(drop (call $proxy_log (i32.const 5) ${msg})) (i32.const 0)`);
    const { plugin, proxy } = await start(g);
    expect(plugin.ok).toBe(false);
    expect(plugin.error).toBe("Unable to create Wasm HTTP filter probe: proxy_on_configure returned false");
    expect(plugin.logs("critical")).toEqual(["bad config"]);
    expect(proxy.chain).toEqual([]);
  });

  it("fails the plugin when proxy_on_vm_start returns false", async () => {
    const { plugin } = await start(guest().on("proxy_on_vm_start", 2, "(i32.const 0)"));
    expect(plugin.error).toContain("proxy_on_vm_start returned false");
  });

  it("reports a trap in proxy_on_configure as Function: ... failed", async () => {
    const { plugin } = await start(guest().on("proxy_on_configure", 2, "unreachable"));
    expect(plugin.error).toBe("Unable to create Wasm HTTP filter probe: Function: proxy_on_configure failed: Uncaught RuntimeError: unreachable");
  });

  it("traps restricted_callback when malloc calls a host function", async () => {
    const g = guest({ malloc: "none" })
      .add(`(func (export "malloc") (param i32) (result i32) (drop (call $proxy_get_property (i32.const 0) (i32.const 0) (i32.const 64) (i32.const 68))) (i32.const 4096))`)
      .on("proxy_on_configure", 2, `(drop (call $proxy_get_buffer_bytes (i32.const 7) (i32.const 0) (i32.const 100) (i32.const 64) (i32.const 68))) (i32.const 1)`);
    const { plugin } = await start(g, { config: "x" });
    expect(plugin.error).toContain("Function: malloc failed: restricted_callback");
  });
});
