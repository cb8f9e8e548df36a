import { describe, expect, it } from "vitest";
import { Proxy, serializePairs } from "../src/index.js";
import { guest, RET, RET2 } from "./helpers/guest.js";
import { callbacks, results, start } from "./helpers/host.js";

describe("stream lifecycle and control", () => {
  it("ends a stream with on_log, on_done, on_delete; on_done false does not delay on_delete (case 8)", async () => {
    const g = guest().on("proxy_on_context_create", 2, "", false).on("proxy_on_done", 1, "(i32.const 0)").on("proxy_on_log", 1, "", false).on("proxy_on_delete", 1, "", false);
    const { proxy } = await start(g);
    const r = proxy.request({ headers: { ":path": "/" } });
    expect(callbacks(r.trace)).toEqual(["proxy_on_context_create(2,1)", "proxy_on_log(2)", "proxy_on_done(2)", "proxy_on_delete(2)"]);
  });

  it("runs callbacks in Envoy order for a full request and response", async () => {
    const g = guest().on("proxy_on_context_create", 2, "", false);
    for (const n of ["request_headers", "request_body", "response_headers", "response_body"]) g.on(`proxy_on_${n}`, 3, "(i32.const 0)");
    for (const n of ["request_trailers", "response_trailers"]) g.on(`proxy_on_${n}`, 2, "(i32.const 0)");
    const { proxy } = await start(g);
    const r = proxy.request({
      headers: { ":path": "/" },
      body: "ab",
      trailers: { t: "1" },
      response: { headers: { ":status": "200" }, body: "xyz", trailers: { rt: "2" } },
    });
    expect(callbacks(r.trace)).toEqual([
      "proxy_on_context_create(2,1)",
      "proxy_on_request_headers(2,1,0)",
      "proxy_on_request_body(2,2,0)",
      "proxy_on_request_trailers(2,1)",
      "proxy_on_response_headers(2,1,0)",
      "proxy_on_response_body(2,3,0)",
      "proxy_on_response_trailers(2,1)",
    ]);
    expect(r.decision).toBe("continue");
    expect(r.completed).toBe(true);
    expect(Buffer.from(r.responseBody).toString()).toBe("xyz");
  });

  it("maps on_request_headers returning 1 to StopAllIterationAndWatermark: the request waits (case 17)", async () => {
    const g = guest().on("proxy_on_request_headers", 3, "(i32.const 1)");
    const { proxy } = await start(g);
    const s = proxy.newStream();
    s.sendRequestHeaders({ ":path": "/" }, { endOfStream: false }).sendRequestBody("x", { endOfStream: true });
    expect(s.result.decision).toBe("paused");
    expect(s.result.requestHeaders).toBeUndefined();
  });

  it("stops on headers return 7 and drops the chunk on body return 9 (case 18)", async () => {
    const g7 = guest().on("proxy_on_request_headers", 3, "(i32.const 7)");
    const a = await start(g7);
    expect(a.proxy.request({ headers: { ":path": "/" } }).decision).toBe("paused");
    const g9 = guest().on("proxy_on_request_body", 3, "(i32.const 9)");
    const b = await start(g9);
    const s = b.proxy.newStream();
    s.sendRequestHeaders({ ":path": "/" }).sendRequestBody("abc", { endOfStream: false });
    expect(s.result.decision).toBe("continue");
    expect(s.result.requestBody.length).toBe(0);
  });

  it("buffers on PAUSE and calls on_request_body again with the accumulated size", async () => {
    const g = guest().on("proxy_on_request_body", 3, "(select (i32.const 0) (i32.const 1) (local.get 2))");
    const { proxy } = await start(g);
    const s = proxy.newStream();
    s.sendRequestHeaders({ ":path": "/" }).sendRequestBody("ab").sendRequestBody("cde").sendRequestBody("f", { endOfStream: true });
    expect(callbacks(s.result.trace).filter((c) => c.includes("body"))).toEqual([
      "proxy_on_request_body(2,2,0)",
      "proxy_on_request_body(2,5,0)",
      "proxy_on_request_body(2,6,1)",
    ]);
    expect(Buffer.from(s.result.requestBody).toString()).toBe("abcdef");
  });

  it("sends a local reply after the callback, through the filter's own response phase (case 19)", async () => {
    const g = guest();
    const details = g.str("rate limited");
    const body = g.str("slow down");
    const hdrs = g.bytes(serializePairs([["X-RateLimit", "1"]]));
    g.on(
      "proxy_on_request_headers",
      3,
      `(drop (call $proxy_send_local_response (i32.const 429) ${details} ${body} ${hdrs} (i32.const -1))) (i32.const 0)`,
    )
      .on("proxy_on_response_headers", 3, "(i32.const 0)")
      .on("proxy_on_context_create", 2, "", false);
    const { proxy } = await start(g);
    const r = proxy.request({ headers: { ":path": "/" } });
    expect(results(r.trace, "proxy_send_local_response")).toEqual([0]);
    expect(r.decision).toBe("local_response");
    expect(r.localResponse).toMatchObject({ status: 429, details: "rate_limited", body: "slow down", grpcStatus: undefined });
    expect(r.responseHeaders).toEqual([
      [":status", "429"],
      ["x-ratelimit", "1"],
      ["content-length", "9"],
      ["content-type", "text/plain"],
    ]);
    expect(r.requestHeaders).toBeUndefined();
    expect(callbacks(r.trace)).toEqual(["proxy_on_context_create(2,1)", "proxy_on_request_headers(2,1,1)", "proxy_on_response_headers(2,4,0)"]);
  });

  it("answers a gRPC request's local reply with grpc-status (explicit, or mapped from the HTTP code)", async () => {
    const g = guest();
    const d = g.str("denied");
    g.on("proxy_on_request_headers", 3, `(drop (call $proxy_send_local_response (i32.const 403) ${d} (i32.const 0) (i32.const 0) (i32.const 0) (i32.const 0) (i32.const -1))) (i32.const 0)`);
    const { proxy } = await start(g);
    const r = proxy.request({ headers: { ":path": "/svc/M", "content-type": "application/grpc" } });
    expect(r.localResponse?.grpcStatus).toBe(7);
    expect(r.responseHeaders).toContainEqual(["grpc-status", "7"]);
    expect(r.responseHeaders).toContainEqual([":status", "200"]);
  });

  it("skips later filters after a local reply but still gives them context create, on_log, on_done, on_delete (case 20)", async () => {
    const a = guest();
    const d = a.str("no");
    a.on("proxy_on_request_headers", 3, `(drop (call $proxy_send_local_response (i32.const 403) ${d} (i32.const 0) (i32.const 0) (i32.const 0) (i32.const 0) (i32.const -1))) (i32.const 0)`);
    const b = guest()
      .on("proxy_on_context_create", 2, "", false)
      .on("proxy_on_done", 1, "(i32.const 1)")
      .on("proxy_on_delete", 1, "", false)
      .on("proxy_on_request_headers", 3, "(i32.const 0)").on("proxy_on_response_headers", 3, "(i32.const 0)").on("proxy_on_log", 1, "", false);
    const proxy = new Proxy({ trace: true });
    await proxy.addPlugin({ name: "a", wasm: await a.build() });
    await proxy.addPlugin({ name: "b", wasm: await b.build() });
    const r = proxy.request({ headers: { ":path": "/" } });
    const bVm = proxy.plugin("b")!.workers[0];
    expect(callbacks(r.trace.filter((e) => e.vm === bVm.name))).toEqual([
      "proxy_on_context_create(2,1)",
      "proxy_on_log(2)",
      "proxy_on_done(2)",
      "proxy_on_delete(2)",
    ]);
    expect(r.localResponse?.status).toBe(403);
  });

  it("passes headers through chained filters in order and responses in reverse order", async () => {
    const mk = async (name: string) => {
      const g = guest();
      const [k, v] = [`x-${name}`, "1"].map((s) => g.str(s));
      g.on("proxy_on_request_headers", 3, `(drop (call $proxy_add_header_map_value (i32.const 0) ${k} ${v})) (i32.const 0)`);
      g.on("proxy_on_response_headers", 3, `(drop (call $proxy_add_header_map_value (i32.const 2) ${k} ${v})) (i32.const 0)`);
      return g.build();
    };
    const proxy = new Proxy();
    await proxy.addPlugin({ name: "a", wasm: await mk("a") });
    await proxy.addPlugin({ name: "b", wasm: await mk("b") });
    const r = proxy.request({ headers: { ":path": "/" } });
    expect(r.requestHeaders).toEqual([[":path", "/"], ["x-a", "1"], ["x-b", "1"]]);
    expect(r.responseHeaders).toEqual([[":status", "200"], ["x-b", "1"], ["x-a", "1"]]);
  });

  it("returns Unimplemented for continue_stream(UPSTREAM) and BadArgument for type 4 (case 21)", async () => {
    const g = guest().on(
      "proxy_on_request_headers",
      3,
      `(drop (call $proxy_continue_stream (i32.const 3))) (drop (call $proxy_continue_stream (i32.const 4))) (drop (call $proxy_close_stream (i32.const 4))) (i32.const 0)`,
    );
    const { proxy } = await start(g);
    const r = proxy.request({ headers: {} });
    expect(results(r.trace, "proxy_continue_stream")).toEqual([12, 2]);
    expect(results(r.trace, "proxy_close_stream")).toEqual([2]);
  });

  it("resets the stream on close_stream(HTTP_REQUEST)", async () => {
    const g = guest().on("proxy_on_request_headers", 3, `(drop (call $proxy_close_stream (i32.const 0))) (i32.const 1)`).on("proxy_on_log", 1, "", false);
    const { proxy } = await start(g);
    const r = proxy.request({ headers: {} });
    expect(r.stream.result.decision).toBe("closed");
    expect(r.stream.result.completed).toBe(true);
  });

  it("reports a downstream reset as closed and still runs on_log", async () => {
    const g = guest().on("proxy_on_request_headers", 3, "(i32.const 1)").on("proxy_on_log", 1, "", false);
    const { proxy } = await start(g);
    const s = proxy.newStream();
    s.sendRequestHeaders({ ":path": "/" }).cancel();
    expect(s.result.decision).toBe("closed");
    expect(callbacks(s.result.trace)).toContain("proxy_on_log(2)");
  });

  it("resumes a paused request when continue_stream is called from an HTTP-call response via the effective context", async () => {
    const g = guest();
    const [cluster, hdrs] = [g.str("authz"), g.bytes(serializePairs([[":path", "/check"], [":method", "GET"], [":authority", "authz"]]))];
    g.add(`(global $stream (mut i32) (i32.const 0))`)
      .on(
        "proxy_on_request_headers",
        3,
        `(global.set $stream (local.get 0))
         (drop (call $proxy_http_call ${cluster} ${hdrs} (i32.const 0) (i32.const 0) (i32.const 0) (i32.const 0) (i32.const 1000) (i32.const ${RET})))
         (i32.const 1)`,
      )
      .on(
        "proxy_on_http_call_response",
        5,
        `(drop (call $proxy_set_effective_context (global.get $stream))) (drop (call $proxy_continue_stream (i32.const 0)))`,
        false,
      );
    const { proxy } = await start(g, { clusters: ["authz"] });
    proxy.onHttpCall((call) => call.respond({ headers: { ":status": "200" } }));
    const r = proxy.request({ headers: { ":path": "/x" } });
    expect(r.stream.result.decision).toBe("continue");
    expect(r.stream.result.completed).toBe(true);
    expect(r.stream.result.requestHeaders).toEqual([[":path", "/x"]]);
  });

  it("counts host calls per stream even without tracing", async () => {
    const g = guest().on("proxy_on_request_headers", 3, `(drop (call $proxy_get_header_map_size (i32.const 0) (i32.const ${RET}))) (drop (call $proxy_get_header_map_size (i32.const 0) (i32.const ${RET2}))) (i32.const 0)`);
    const { proxy } = await start(g, {}, { trace: false });
    const r = proxy.request({ headers: {} });
    expect(r.hostCalls).toBe(2);
    expect(r.trace).toEqual([]);
  });
});
