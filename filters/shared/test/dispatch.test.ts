import { existsSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { soak } from "../../../bench/soak.js";
import { Proxy, type PluginOptions } from "../../../host-sim/src/index.js";

const BUILD = join(import.meta.dirname, "../../../build");
const TAGGING = join(BUILD, "shared-test/dispatch.wasm"); // roots "alpha" and "beta" (dispatch.fixture.ts)
const NOOP = join(BUILD, "noop.wasm"); // one root, "noop"
for (const f of [TAGGING, NOOP]) if (!existsSync(f)) throw new Error(`${f} is missing: run npm run build first`);

const GET = { ":method": "GET", ":path": "/", ":authority": "svc" };

async function start(proxy: Proxy, opts: Partial<PluginOptions> & { name: string }) {
  return proxy.addPlugin({ wasm: TAGGING, rootId: opts.name, vmId: "tagging", config: "", ...opts });
}

describe("dispatch layer", () => {
  it("serves two root ids from one module in one VM instance, each with its own root context", async () => {
    const proxy = new Proxy({ workers: 2 });
    const alpha = await start(proxy, { name: "alpha", config: "a" });
    const beta = await start(proxy, { name: "beta", config: "b" });
    expect([alpha.ok, beta.ok]).toEqual([true, true]);
    expect(beta.workers).toEqual(alpha.workers);
    expect(alpha.workers[0].roots.size).toBe(2);
    expect(alpha.logs("info")).toContain('alpha: configured with "a"');
    expect(beta.logs("info")).toContain('beta: configured with "b"');
    for (const worker of [0, 1]) {
      const r = proxy.request({ headers: GET, worker });
      expect(r.requestHeaders!.filter(([k]) => k === "x-root").map(([, v]) => v)).toEqual(["alpha", "beta"]);
    }
  });

  it("refuses a root id it does not serve, with one critical line naming the ones it does", async () => {
    const proxy = new Proxy();
    const gamma = await start(proxy, { name: "gamma" });
    expect(gamma.ok).toBe(false);
    expect(gamma.logs("critical")).toEqual(['sluice: unknown root_id "gamma"; this module serves: alpha, beta']);
  });

  it("maps an empty root id to the only root a module registers, and refuses it when there are several", async () => {
    const proxy = new Proxy();
    expect((await proxy.addPlugin({ name: "noop", wasm: NOOP, rootId: "" })).ok).toBe(true);
    const ambiguous = await start(proxy, { name: "tagging", rootId: "" });
    expect(ambiguous.ok).toBe(false);
    expect(ambiguous.logs("critical")).toEqual(['sluice: unknown root_id ""; this module serves: alpha, beta']);
  });

  it("fails the plugin start when the root rejects its configuration", async () => {
    const plugin = await start(new Proxy(), { name: "alpha", config: "reject" });
    expect(plugin.ok).toBe(false);
    expect(plugin.error).toBe("Unable to create Wasm HTTP filter alpha: proxy_on_configure returned false");
  });

  it("logs an abort's message at critical through proxy_log, without file names, and traps", async () => {
    const proxy = new Proxy();
    const alpha = await start(proxy, { name: "alpha", config: "abort" });
    expect(() => proxy.request({ headers: GET })).not.toThrow();
    expect(alpha.logs("critical")).toEqual(["sluice: abort: stream asked to abort"]);
    expect(alpha.failures.length).toBe(1);
  });

  it("handles root on_done and on_delete at plugin removal without trapping, and the VM keeps serving", async () => {
    const proxy = new Proxy();
    const alpha = await start(proxy, { name: "alpha" });
    const beta = await start(proxy, { name: "beta" });
    alpha.shutdown();
    expect(alpha.logs("info").slice(-2)).toEqual(["alpha: done", "alpha: deleted"]);
    const vm = beta.workers[0];
    expect(vm.failed).toBe(false);
    expect(vm.roots.size).toBe(1);
    beta.shutdown();
    expect(beta.logs("info").slice(-2)).toEqual(["beta: done", "beta: deleted"]);
    expect(vm.failed).toBe(false);
  });

  it("answers callbacks for contexts it does not know with the neutral result", async () => {
    const proxy = new Proxy();
    const alpha = await start(proxy, { name: "alpha" });
    const vm = alpha.workers[0];
    const root = vm.roots.get(alpha)!;
    for (const callback of ["proxy_on_request_headers", "proxy_on_response_headers"]) {
      expect(vm.call(root, callback, [4242, 1, 0])).toBe(0);
    }
    expect(vm.call(root, "proxy_on_done", [4242])).toBe(1);
    vm.call(root, "proxy_on_log", [4242]);
    vm.call(root, "proxy_on_delete", [4242]);
    vm.call(root, "proxy_on_tick", [4242]);
    expect(vm.failed).toBe(false);
  });

  it.each([
    ["info", []],
    ["debug", ["alpha: stream 2"]],
  ])("logs per-stream debug lines through proxy_log only when the host level is %s", async (logLevel, expected) => {
    const proxy = new Proxy({ logLevel: logLevel as "info" | "debug" });
    const alpha = await start(proxy, { name: "alpha" });
    proxy.request({ headers: GET });
    expect(alpha.logs("debug")).toEqual(expected);
  });

  it("makes no host call on a stream the filter does nothing with", async () => {
    const proxy = new Proxy();
    await proxy.addPlugin({ name: "noop", wasm: NOOP, rootId: "noop" });
    expect(proxy.request({ headers: GET }).hostCalls).toBe(0);
  });

  it("starts a reused stream context over: every stream sees its own first request", async () => {
    const proxy = new Proxy();
    await start(proxy, { name: "alpha" });
    for (let i = 0; i < 3; i++) {
      const r = proxy.request({ headers: { ...GET, "x-token": `t${i}` } });
      expect(r.responseHeaders).toEqual(expect.arrayContaining([["x-token-echo", `t${i}`], ["x-requests-seen", "1"]]));
    }
  });

  it("keeps 5,000 streams open at once apart, answered in reverse order", async () => {
    const proxy = new Proxy();
    await start(proxy, { name: "alpha" });
    const streams = Array.from({ length: 5_000 }, (_, i) => {
      const s = proxy.newStream();
      s.sendRequestHeaders({ ...GET, "x-token": `t${i}` }, { endOfStream: true });
      return s;
    });
    for (let i = streams.length - 1; i >= 0; i--) {
      const s = streams[i].sendResponseHeaders({ ":status": "200" }, { endOfStream: true });
      expect(s.result.responseHeaders).toEqual(expect.arrayContaining([["x-token-echo", `t${i}`], ["x-requests-seen", "1"]]));
      s.complete();
    }
    expect(proxy.request({ headers: { ...GET, "x-token": "after" } }).responseHeaders)
      .toEqual(expect.arrayContaining([["x-token-echo", "after"]]));
  });

  it("keeps linear memory flat over 100,000 streams that allocate", async () => {
    const proxy = new Proxy({ workers: 2 });
    await start(proxy, { name: "alpha" });
    const result = soak(proxy, () => ({ headers: GET }), { warmup: 5_000, streams: 100_000 });
    expect(result.growthPages).toBe(0);
  });
});
