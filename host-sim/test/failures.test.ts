import { describe, expect, it } from "vitest";
import { Proxy, type FailurePolicy } from "../src/index.js";
import { guest, RET, RET2 } from "./helpers/guest.js";
import { callbacks, results, start, worker } from "./helpers/host.js";

/** Traps in on_request_headers when the request has exactly 2 headers. */
async function trappingProxy(failurePolicy?: FailurePolicy) {
  const g = guest()
    .on("proxy_on_configure", 2, "(i32.const 1)")
    .on("proxy_on_request_headers", 3, "(if (i32.eq (local.get 1) (i32.const 2)) (then unreachable)) (i32.const 0)");
  return start(g, failurePolicy ? { failurePolicy } : {});
}
const TRAP = { ":path": "/", boom: "1" };
const OK = { ":path": "/" };

describe("traps and failure policies (case 41)", () => {
  it("fails the VM and answers the stream 503 wasm_fail_stream by default (FAIL_RELOAD)", async () => {
    const { proxy, plugin } = await trappingProxy();
    const r = proxy.request({ headers: TRAP });
    expect(r.decision).toBe("local_response");
    expect(r.localResponse).toMatchObject({ status: 503, details: "wasm_fail_stream", body: "" });
    expect(plugin.failures.map((f) => f.message)).toEqual(["Function: proxy_on_request_headers failed: Uncaught RuntimeError: unreachable"]);
    expect(worker(proxy).failed).toBe(true);
  });

  it("uses gRPC UNAVAILABLE for a failed gRPC request", async () => {
    const { proxy } = await trappingProxy("FAIL_CLOSED");
    const r = proxy.request({ headers: { ":path": "/s/M", "content-type": "application/grpc" } });
    expect(r.localResponse?.grpcStatus).toBe(14);
    expect(r.responseHeaders).toContainEqual(["grpc-status", "14"]);
  });

  it("reloads a fresh VM for the next stream on FAIL_RELOAD", async () => {
    const { proxy, plugin } = await trappingProxy("FAIL_RELOAD");
    const failed = worker(proxy);
    proxy.request({ headers: TRAP });
    const r = proxy.request({ headers: OK });
    expect(r.decision).toBe("continue");
    expect(plugin.workers[0]).not.toBe(failed);
    expect(callbacks(plugin.workers[0].trace).slice(0, 2)).toEqual(["_start()", "proxy_on_configure(1,0)"]);
  });

  it("answers every later stream on that VM with 503 on FAIL_CLOSED", async () => {
    const { proxy } = await trappingProxy("FAIL_CLOSED");
    proxy.request({ headers: TRAP });
    const r = proxy.request({ headers: OK });
    expect(r.localResponse).toMatchObject({ status: 503, details: "wasm_fail_stream" });
  });

  it("lets the failing stream and later ones through on FAIL_OPEN", async () => {
    const { proxy } = await trappingProxy("FAIL_OPEN");
    const r1 = proxy.request({ headers: TRAP });
    expect(r1.decision).toBe("continue");
    expect(r1.requestHeaders).toEqual([[":path", "/"], ["boom", "1"]]);
    const r2 = proxy.request({ headers: OK });
    expect(r2.decision).toBe("continue");
    expect(r2.hostCalls).toBe(0);
  });

  it("skips every callback of a failed VM, including on_log", async () => {
    const g = guest()
      .on("proxy_on_request_headers", 3, "unreachable")
      .on("proxy_on_log", 1, "", false);
    const { proxy } = await start(g, { failurePolicy: "FAIL_CLOSED" });
    const r = proxy.request({ headers: OK });
    expect(callbacks(r.trace)).toEqual(["proxy_on_request_headers(2,1,1)"]);
  });

  it("fails the VM when a tick traps; the next stream is reloaded", async () => {
    const g = guest()
      .on("proxy_on_configure", 2, "(drop (call $proxy_set_tick_period_milliseconds (i32.const 10))) (i32.const 1)")
      .on("proxy_on_tick", 1, "unreachable", false);
    const proxy = new Proxy();
    const p = await proxy.addPlugin({ name: "t", wasm: await g.build() });
    proxy.advance(10);
    expect(p.workers[0].failMessage).toBe("Function: proxy_on_tick failed: Uncaught RuntimeError: unreachable");
    proxy.request({ headers: OK });
    expect(p.workers[0].failed).toBe(false);
  });
});

describe("guest allocation failures", () => {
  it("returns InvalidMemoryAccess when malloc returns 0 and keeps the VM alive (case 42)", async () => {
    const g = guest({ malloc: "zero" }).on(
      "proxy_on_request_headers",
      3,
      `(drop (call $proxy_get_header_map_pairs (i32.const 0) (i32.const ${RET}) (i32.const ${RET2}))) (i32.const 0)`,
    );
    const { proxy } = await start(g);
    const r = proxy.request({ headers: { a: "1" } });
    expect(results(r.trace, "proxy_get_header_map_pairs")).toEqual([6]);
    expect(worker(proxy).failed).toBe(false);
    expect(r.decision).toBe("continue");
  });

  it("returns InvalidMemoryAccess for a return pointer outside memory after allocating", async () => {
    const g = guest().on("proxy_on_request_headers", 3, `(drop (call $proxy_get_header_map_pairs (i32.const 0) (i32.const 9999999) (i32.const ${RET2}))) (i32.const 0)`);
    const { proxy } = await start(g);
    const before = worker(proxy).mallocCount;
    const r = proxy.request({ headers: { a: "1" } });
    expect(results(r.trace, "proxy_get_header_map_pairs")).toEqual([6]);
    expect(worker(proxy).mallocCount - before).toBe(1);
  });

  it("reports memory pages per VM", async () => {
    const { proxy } = await start(guest());
    expect(worker(proxy).memoryPages).toBe(2);
  });
});

describe("effective context and proxy_done", () => {
  it("returns BadArgument for an unknown context id and resets it after the call", async () => {
    const g = guest().on(
      "proxy_on_request_headers",
      3,
      `(drop (call $proxy_set_effective_context (i32.const 99))) (drop (call $proxy_set_effective_context (i32.const 1))) (i32.const 0)`,
    );
    const { proxy } = await start(g);
    const r = proxy.request({ headers: {} });
    expect(results(r.trace, "proxy_set_effective_context")).toEqual([2, 0]);
  });

  it("returns NotFound from proxy_done when the root is not pending done; on_delete follows proxy_done otherwise", async () => {
    const g = guest()
      .on("proxy_on_request_headers", 3, "(drop (call $proxy_done)) (i32.const 0)")
      .on("proxy_on_done", 1, "(i32.const 0)")
      .on("proxy_on_tick", 1, "(drop (call $proxy_done))", false)
      .on("proxy_on_configure", 2, "(drop (call $proxy_set_tick_period_milliseconds (i32.const 5))) (i32.const 1)")
      .on("proxy_on_delete", 1, "", false);
    const { proxy, plugin } = await start(g);
    expect(results(proxy.request({ headers: {} }).trace, "proxy_done")).toEqual([1]);
    plugin.shutdown();
    proxy.advance(5);
    const vm = worker(proxy);
    expect(results(vm.trace, "proxy_done")).toEqual([1, 0]);
    expect(callbacks(vm.trace).slice(-1)).toEqual(["proxy_on_delete(1)"]);
  });

  it("returns NotFound for unknown foreign functions", async () => {
    const g = guest();
    g.on("proxy_on_request_headers", 3, `(drop (call $proxy_call_foreign_function ${g.str("nope")} (i32.const 0) (i32.const 0) (i32.const 0) (i32.const 0))) (i32.const 0)`);
    const { proxy } = await start(g);
    expect(results(proxy.request({ headers: {} }).trace, "proxy_call_foreign_function")).toEqual([1]);
  });
});
