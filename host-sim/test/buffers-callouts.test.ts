import { describe, expect, it } from "vitest";
import { serializePairs } from "../src/index.js";
import { guest, RET, RET2, RET3 } from "./helpers/guest.js";
import { results, returned, returnedText, start, worker } from "./helpers/host.js";

const AUTHZ_HEADERS = serializePairs([[":path", "/check"], [":method", "GET"], [":authority", "authz"]]);

describe("buffers", () => {
  it("applies Envoy's buffer result codes (case 39)", async () => {
    const g = guest();
    const v = g.str("x");
    g.on(
      "proxy_on_request_body",
      3,
      `(drop (call $proxy_get_buffer_bytes (i32.const 0) (i32.add (local.get 1) (i32.const 10)) (i32.const 5) (i32.const ${RET}) (i32.const ${RET2})))
       (drop (call $proxy_get_buffer_bytes (i32.const 9) (i32.const 0) (i32.const 5) (i32.const ${RET}) (i32.const ${RET2})))
       (drop (call $proxy_get_buffer_bytes (i32.const 7) (i32.const 0) (i32.const 5) (i32.const ${RET}) (i32.const ${RET2})))
       (drop (call $proxy_set_buffer_bytes (i32.const 6) (i32.const 0) (i32.const 0) ${v}))
       (drop (call $proxy_get_buffer_status (i32.const 0) (i32.const ${RET3}) (i32.const ${RET3 + 4})))
       (i32.const 0)`,
    );
    const { proxy } = await start(g);
    const r = proxy.request({ headers: {}, body: "hello" });
    expect(results(r.trace, "proxy_get_buffer_bytes")).toEqual([0, 2, 1]);
    expect(results(r.trace, "proxy_set_buffer_bytes")).toEqual([2]);
    expect(worker(proxy).memory.readU32(RET3)).toBe(5);
  });

  it("reads the plugin configuration only during on_configure, the VM configuration always", async () => {
    const g = guest();
    const get = (t: number) => `(drop (call $proxy_get_buffer_bytes (i32.const ${t}) (i32.const 0) (i32.const 100) (i32.const ${RET}) (i32.const ${RET2})))`;
    g.on("proxy_on_configure", 2, `${get(7)} (i32.const 1)`).on("proxy_on_request_headers", 3, `${get(7)} ${get(6)} (i32.const 0)`);
    const { proxy } = await start(g, { config: { a: 1 }, vmConfig: "vm" });
    expect(results(worker(proxy).trace, "proxy_get_buffer_bytes")).toEqual([0]);
    expect(returnedText(worker(proxy))).toBe('{"a":1}');
    const r = proxy.request({ headers: {} });
    expect(results(r.trace, "proxy_get_buffer_bytes")).toEqual([1, 0]);
    expect(returnedText(worker(proxy))).toBe("vm");
  });

  it("prepends, replaces and appends request body bytes", async () => {
    const g = guest();
    const [pre, post] = [g.str(">>"), g.str("<<")];
    g.on(
      "proxy_on_request_body",
      3,
      `(drop (call $proxy_set_buffer_bytes (i32.const 0) (i32.const 0) (i32.const 1) ${pre}))
       (drop (call $proxy_set_buffer_bytes (i32.const 0) (i32.const 100) (i32.const 0) ${post}))
       (drop (call $proxy_set_buffer_bytes (i32.const 0) (i32.const 1) (i32.const 0) ${post}))
       (i32.const 0)`,
    );
    const { proxy } = await start(g);
    const r = proxy.request({ headers: {}, body: "abc" });
    expect(results(r.trace, "proxy_set_buffer_bytes")).toEqual([0, 0, 2]);
    expect(Buffer.from(r.requestBody).toString()).toBe(">>bc<<");
  });
});

describe("http calls", () => {
  function caller(timeout = 1000) {
    const g = guest();
    const [cluster, hdrs, bad] = [g.str("authz"), g.bytes(AUTHZ_HEADERS), g.bytes(serializePairs([[":path", "/"], [":method", "GET"]]))];
    g.on(
      "proxy_on_request_headers",
      3,
      `(drop (call $proxy_http_call ${cluster} ${bad} (i32.const 0) (i32.const 0) (i32.const 0) (i32.const 0) (i32.const 1000) (i32.const ${RET3})))
       (drop (call $proxy_http_call ${g.str("unknown")} ${hdrs} (i32.const 0) (i32.const 0) (i32.const 0) (i32.const 0) (i32.const 1000) (i32.const ${RET3})))
       (drop (call $proxy_http_call ${cluster} ${hdrs} ${g.str("body")} (i32.const 0) (i32.const 0) (i32.const ${timeout}) (i32.const ${RET3})))
       (i32.const 0)`,
    ).on(
      "proxy_on_http_call_response",
      5,
      `(drop (call $proxy_get_status (i32.const 100) (i32.const ${RET}) (i32.const ${RET2})))
       (drop (call $proxy_get_buffer_bytes (i32.const 4) (i32.const 0) (i32.const 100) (i32.const 120) (i32.const 124)))`,
      false,
    );
    return g;
  }

  it("validates the call, issues token 4 and reports a reset as (0,0,0) with status (11, reset) (case 40)", async () => {
    const { proxy } = await start(caller(), { clusters: ["authz"] });
    const r = proxy.request({ headers: {} });
    expect(results(r.trace, "proxy_http_call")).toEqual([2, 2, 0]);
    expect(worker(proxy).memory.readU32(RET3)).toBe(4);
    const [call] = proxy.pendingHttpCalls;
    expect(call).toMatchObject({ token: 4, cluster: "authz", timeoutMs: 1000 });
    expect(call.headers).toContainEqual(["content-length", "4"]);
    call.fail();
    const cb = worker(proxy).trace.filter((e) => e.name === "proxy_on_http_call_response");
    expect(cb.map((e) => e.args)).toEqual(["1,4,0,0,0"]);
    expect(worker(proxy).memory.readU32(100)).toBe(11);
    expect(returnedText(worker(proxy))).toBe("reset");
  });

  it("delivers a response with its header count and body", async () => {
    const { proxy } = await start(caller(), { clusters: ["authz"] });
    proxy.request({ headers: {} });
    proxy.pendingHttpCalls[0].respond({ headers: { ":status": "200", a: "b" }, body: "ok" });
    const vm = worker(proxy);
    expect(vm.trace.filter((e) => e.name === "proxy_on_http_call_response").map((e) => e.args)).toEqual(["1,4,2,2,0"]);
    expect(Buffer.from(vm.memory.read(vm.memory.readU32(120), vm.memory.readU32(124))).toString()).toBe("ok");
  });

  it("answers a timed-out call with Envoy's local 504 when the virtual clock reaches the timeout", async () => {
    const { proxy } = await start(caller(500), { clusters: ["authz"] });
    proxy.request({ headers: {} });
    proxy.advance(499);
    expect(proxy.pendingHttpCalls).toHaveLength(1);
    proxy.advance(1);
    expect(proxy.pendingHttpCalls).toHaveLength(0);
    expect(proxy.httpCalls[0].state).toBe("timed_out");
    const vm = worker(proxy);
    expect(vm.trace.filter((e) => e.name === "proxy_on_http_call_response").map((e) => e.args)).toEqual(["1,4,3,24,0"]);
  });
});

describe("grpc calls", () => {
  function grpcCaller() {
    const g = guest();
    const [svc, service, method, msg] = [g.str("ratelimit"), g.str("envoy.RateLimit"), g.str("Should"), g.str("req")];
    g.on(
      "proxy_on_request_headers",
      3,
      `(drop (call $proxy_grpc_call ${g.str("nope")} ${service} ${method} (i32.const 0) (i32.const 0) ${msg} (i32.const 100) (i32.const ${RET3})))
       (drop (call $proxy_grpc_call ${svc} ${service} ${method} (i32.const 0) (i32.const 0) ${msg} (i32.const 100) (i32.const ${RET3})))
       (i32.const 0)`,
    )
      .on("proxy_on_grpc_receive", 3, `(drop (call $proxy_get_buffer_bytes (i32.const 5) (i32.const 0) (i32.const 100) (i32.const ${RET}) (i32.const ${RET2})))`, false)
      .on("proxy_on_grpc_close", 3, `(drop (call $proxy_get_status (i32.const 100) (i32.const ${RET}) (i32.const ${RET2})))`, false);
    return g;
  }

  it("returns ParseFailure for an unknown cluster and token 5 for the first call", async () => {
    const { proxy } = await start(grpcCaller(), { clusters: ["ratelimit"] });
    const r = proxy.request({ headers: {} });
    expect(results(r.trace, "proxy_grpc_call")).toEqual([4, 0]);
    expect(proxy.grpcCalls[0]).toMatchObject({ token: 5, cluster: "ratelimit", service: "envoy.RateLimit", method: "Should" });
  });

  it("delivers a reply through on_grpc_receive with the message in GRPC_CALL_MESSAGE", async () => {
    const { proxy } = await start(grpcCaller(), { clusters: ["ratelimit"] });
    proxy.request({ headers: {} });
    proxy.grpcCalls[0].respond("pong");
    expect(returnedText(worker(proxy))).toBe("pong");
  });

  it("closes with the gRPC status on failure and DEADLINE_EXCEEDED on timeout", async () => {
    const { proxy } = await start(grpcCaller(), { clusters: ["ratelimit"] });
    proxy.request({ headers: {} });
    proxy.grpcCalls[0].fail(14, "unavailable");
    expect(worker(proxy).memory.readU32(100)).toBe(14);
    expect(returnedText(worker(proxy))).toBe("unavailable");
    proxy.request({ headers: {} });
    proxy.advance(100);
    expect(proxy.grpcCalls[1].state).toBe("timed_out");
    expect(worker(proxy).memory.readU32(100)).toBe(4);
    expect(returned(worker(proxy)).length).toBe(0);
  });
});
