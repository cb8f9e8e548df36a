import { describe, expect, it } from "vitest";
import { Proxy } from "../src/index.js";
import { guest, RET, RET2 } from "./helpers/guest.js";
import { callbacks, results, start, worker } from "./helpers/host.js";

describe("metrics", () => {
  it("numbers metric ids per type stepping by 4 and rejects type 3 (case 30)", async () => {
    const g = guest();
    const n = g.str("hits");
    const def = (t: number, at: number) => `(drop (call $proxy_define_metric (i32.const ${t}) ${n} (i32.const ${at})))`;
    g.on("proxy_on_configure", 2, `${def(0, 100)} ${def(0, 104)} ${def(1, 108)} ${def(2, 112)} ${def(3, 116)} (i32.const 1)`);
    const { proxy } = await start(g);
    const m = worker(proxy).memory;
    expect([100, 104, 108, 112].map((a) => m.readU32(a))).toEqual([4, 8, 5, 6]);
    expect(results(worker(proxy).trace, "proxy_define_metric")).toEqual([0, 0, 0, 0, 2]);
  });

  it("applies Envoy's increment/record/get rules (case 31)", async () => {
    const g = guest();
    const [c, ga, h] = [g.str("c"), g.str("g"), g.str("h")];
    g.on(
      "proxy_on_configure",
      2,
      `(drop (call $proxy_define_metric (i32.const 0) ${c} (i32.const 100)))
       (drop (call $proxy_define_metric (i32.const 1) ${ga} (i32.const 100)))
       (drop (call $proxy_define_metric (i32.const 2) ${h} (i32.const 100)))
       (drop (call $proxy_increment_metric (i32.const 4) (i64.const 0)))
       (drop (call $proxy_increment_metric (i32.const 4) (i64.const -1)))
       (drop (call $proxy_increment_metric (i32.const 5) (i64.const -3)))
       (drop (call $proxy_record_metric (i32.const 4) (i64.const 5)))
       (drop (call $proxy_record_metric (i32.const 6) (i64.const 42)))
       (drop (call $proxy_get_metric (i32.const 6) (i32.const 120)))
       (drop (call $proxy_get_metric (i32.const 400) (i32.const 120)))
       (drop (call $proxy_increment_metric (i32.const 6) (i64.const 1)))
       (drop (call $proxy_increment_metric (i32.const 404) (i64.const 1)))
       (drop (call $proxy_get_metric (i32.const 4) (i32.const 120)))
       (i32.const 1)`,
    );
    const { proxy } = await start(g);
    const vm = worker(proxy);
    expect(results(vm.trace, "proxy_increment_metric")).toEqual([2, 2, 0, 2, 1]);
    expect(results(vm.trace, "proxy_record_metric")).toEqual([0, 0]);
    expect(results(vm.trace, "proxy_get_metric")).toEqual([2, 1, 0]);
    // canary and worker share the stats: counter 5 + 5, gauge -3 - 3, histogram two samples
    expect(proxy.metric("c")).toBe(10);
    expect(proxy.metric("g")).toBe(-6);
    expect(proxy.metric("h")).toEqual([42, 42]);
    expect(vm.memory.readU64(120)).toBe(10n);
  });

  it("stores names as wasmcustom.<name> and reads them by the short name (case 32)", async () => {
    const g = guest();
    g.on("proxy_on_configure", 2, `(drop (call $proxy_define_metric (i32.const 0) ${g.str("ratelimit.denied")} (i32.const 100))) (i32.const 1)`);
    const { proxy } = await start(g);
    expect([...proxy.metricStore.stats.values()].map((s) => s.name)).toEqual(["wasmcustom.ratelimit.denied"]);
    expect(proxy.metric("ratelimit.denied")).toBe(0);
    expect(proxy.metric("nope")).toBeUndefined();
    expect(proxy.metrics()).toEqual({ "ratelimit.denied": 0 });
  });

  it("shares counter values across worker VMs", async () => {
    const g = guest();
    g.add(`(global $id (mut i32) (i32.const 0))`)
      .on("proxy_on_configure", 2, `(drop (call $proxy_define_metric (i32.const 0) ${g.str("reqs")} (i32.const 100))) (global.set $id (i32.load (i32.const 100))) (i32.const 1)`)
      .on("proxy_on_request_headers", 3, `(drop (call $proxy_increment_metric (global.get $id) (i64.const 1))) (i32.const 0)`);
    const proxy = new Proxy({ workers: 2 });
    await proxy.addPlugin({ name: "p", wasm: await g.build() });
    for (let i = 0; i < 5; i++) proxy.request({ headers: {} });
    expect(proxy.metric("reqs")).toBe(5);
  });
});

describe("ticks and time", () => {
  const ticker = () => {
    const g = guest();
    g.on("proxy_on_configure", 2, `(drop (call $proxy_set_tick_period_milliseconds (i32.const 100))) (i32.const 1)`).on("proxy_on_tick", 1, "", false);
    return g;
  };
  const ticks = (proxy: Proxy) => proxy.vms().flatMap((v) => v.trace.filter((e) => e.name === "proxy_on_tick").map(() => v.name));

  it("ticks every period and restarts the countdown when the period is set again (case 33)", async () => {
    const g = ticker().on("proxy_on_request_headers", 3, `(drop (call $proxy_set_tick_period_milliseconds (i32.const 100))) (i32.const 0)`);
    const { proxy } = await start(g);
    proxy.advance(100);
    proxy.advance(50);
    expect(ticks(proxy)).toHaveLength(1);
    proxy.request({ headers: {} }); // t=150: re-armed from a stream context
    proxy.advance(99);
    expect(ticks(proxy)).toHaveLength(1);
    proxy.advance(1);
    expect(ticks(proxy)).toHaveLength(2);
  });

  it("stops ticking with period 0", async () => {
    const g = ticker();
    g.on("proxy_on_request_headers", 3, `(drop (call $proxy_set_tick_period_milliseconds (i32.const 0))) (i32.const 0)`);
    const { proxy } = await start(g);
    proxy.advance(100);
    proxy.request({ headers: {} });
    proxy.advance(1000);
    expect(ticks(proxy)).toHaveLength(1);
  });

  it("ticks each worker VM (not the killed canary), in due order", async () => {
    const proxy = new Proxy({ workers: 2, trace: true });
    const p = await proxy.addPlugin({ name: "t", wasm: await ticker().build() });
    proxy.advance(250);
    expect(ticks(proxy)).toEqual([p.workers[0].name, p.workers[0].name, p.workers[1].name, p.workers[1].name].sort());
    const order = proxy.vms().flatMap((v) => v.trace.filter((e) => e.name === "proxy_on_tick").map(() => v.name));
    expect(order).toHaveLength(4);
  });

  it("reports the virtual clock in nanoseconds", async () => {
    const g = guest().on("proxy_on_request_headers", 3, `(drop (call $proxy_get_current_time_nanoseconds (i32.const ${RET}))) (i32.const 0)`);
    const { proxy } = await start(g, {}, { startTimeMs: 1_000 });
    proxy.advance(234);
    proxy.request({ headers: {} });
    expect(worker(proxy).memory.readU64(RET)).toBe(1_234_000_000n);
    expect(proxy.now()).toBe(1_234);
  });
});

describe("logging and WASI", () => {
  it("rejects log level 6, reports the configured level and drops lower levels (case 34)", async () => {
    const g = guest();
    const msg = g.str("m");
    g.on(
      "proxy_on_request_headers",
      3,
      `(drop (call $proxy_log (i32.const 6) ${msg})) (drop (call $proxy_log (i32.const 1) ${msg})) (drop (call $proxy_log (i32.const 3) ${msg}))
       (drop (call $proxy_get_log_level (i32.const ${RET}))) (i32.const 0)`,
    );
    const { proxy, plugin } = await start(g, {}, { logLevel: "warn" });
    const r = proxy.request({ headers: {} });
    expect(results(r.trace, "proxy_log")).toEqual([2, 0, 0]);
    expect(worker(proxy).memory.readU32(RET)).toBe(3);
    expect(plugin.logs()).toEqual(["m"]);
    expect(r.logs.map((l) => l.line)).toEqual(["wasm log probe probe probe: m"]);
  });

  it("logs fd_write to stdout at info and stderr at error, stripping one newline (case 34)", async () => {
    const g = guest({
      imports: [
        `(import "wasi_snapshot_preview1" "fd_write" (func $fd_write (param i32 i32 i32 i32) (result i32)))`,
        `(import "wasi_snapshot_preview1" "random_get" (func $random_get (param i32 i32) (result i32)))`,
        `(import "wasi_snapshot_preview1" "clock_time_get" (func $clock_time_get (param i32 i64 i32) (result i32)))`,
        `(import "wasi_unstable" "proc_exit" (func $proc_exit (param i32)))`,
      ],
    });
    g.str("hi\n\n"); // at 1024
    g.add(`(global $codes (mut i32) (i32.const 200))`)
      .add(`(func $rec (param i32) (i32.store (global.get $codes) (local.get 0)) (global.set $codes (i32.add (global.get $codes) (i32.const 4))))`)
      .on(
        "proxy_on_configure",
        2,
        `(i32.store (i32.const 100) (i32.const 1024)) (i32.store (i32.const 104) (i32.const 4))
         (call $rec (call $fd_write (i32.const 1) (i32.const 100) (i32.const 1) (i32.const 108)))
         (call $rec (call $fd_write (i32.const 2) (i32.const 100) (i32.const 1) (i32.const 108)))
         (call $rec (call $fd_write (i32.const 3) (i32.const 100) (i32.const 1) (i32.const 108)))
         (call $rec (call $random_get (i32.const 300) (i32.const 65537)))
         (call $rec (call $random_get (i32.const 300) (i32.const 16)))
         (call $rec (call $clock_time_get (i32.const 2) (i64.const 0) (i32.const 300)))
         (call $rec (call $clock_time_get (i32.const 0) (i64.const 0) (i32.const 300)))
         (call $proc_exit (i32.const 1))
         (i32.const 1)`,
      );
    const { plugin, proxy } = await start(g);
    expect(plugin.ok).toBe(true);
    const m = worker(proxy).memory;
    expect([200, 204, 208, 212, 216, 220, 224].map((a) => m.readU32(a))).toEqual([0, 0, 8, 28, 0, 58, 0]);
    expect(m.readU64(300)).toBe(BigInt(proxy.now()) * 1_000_000n);
    expect(plugin.logEntries.filter((e) => e.vm === worker(proxy).name).map((e) => [e.level, e.message])).toEqual([
      ["info", "hi\n"],
      ["error", "hi\n"],
      ["error", "wasi_unstable proc_exit"],
    ]);
  });

  it("serves the plugin env through environ_get", async () => {
    const g = guest({
      imports: [
        `(import "wasi_snapshot_preview1" "environ_sizes_get" (func $sizes (param i32 i32) (result i32)))`,
        `(import "wasi_snapshot_preview1" "environ_get" (func $get (param i32 i32) (result i32)))`,
      ],
    });
    g.on("proxy_on_configure", 2, `(drop (call $sizes (i32.const ${RET}) (i32.const ${RET2}))) (drop (call $get (i32.const 100) (i32.const 2000))) (i32.const 1)`);
    const { proxy } = await start(g, { env: { A: "1", BB: "22" } });
    const m = worker(proxy).memory;
    expect([m.readU32(RET), m.readU32(RET2)]).toEqual([2, 10]);
    expect(Buffer.from(m.read(2000, 10)).toString("latin1")).toBe("A=1\0BB=22\0");
  });

  it("marks the callbacks a filter makes during a stream as that stream's logs", async () => {
    const g = guest();
    g.on("proxy_on_request_headers", 3, `(drop (call $proxy_log (i32.const 2) ${g.str("in stream")})) (i32.const 0)`);
    const { proxy, plugin } = await start(g);
    const r = proxy.request({ headers: {} });
    expect(r.logs.map((l) => l.message)).toEqual(["in stream"]);
    expect(plugin.logs({ min: "info" })).toEqual(["in stream"]);
    expect(callbacks(r.trace)).toContain("proxy_on_request_headers(2,0,1)");
  });
});
