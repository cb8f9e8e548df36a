// Which finished calls count as failures, successes, or not at all (through the built filter).
import { describe, expect, it } from "vitest";
import { Proxy, type PropertyInput, type PropertyValue } from "../../../host-sim/src/index.js";
import { type Harness, loaded } from "./harness.js";
import { filterWasm } from "./load.js";

const GRPC = { "content-type": "application/grpc" };
const config = (failure: Record<string, unknown> = {}) =>
  ({ circuits: [{ name: "api", consecutive_failures: 100, failure }] });

interface Case {
  name: string;
  failure?: Record<string, unknown>;
  run(h: Harness): void;
  /** calls and failures counted */
  counted: [number, number];
}

const REQUEST = { ":method": "GET", ":path": "/api/items", ":authority": "api.example" };

/** A stream that ends without a response, with Envoy's response flags set to `flags`. */
function endWithoutResponse(h: Harness, flags: number, cancel: boolean) {
  const s = h.proxy.newStream({ properties: { "response.flags": flags } });
  s.sendRequestHeaders(REQUEST);
  if (cancel) s.cancel();
  else s.complete();
}

/** A stream that ends without a response, with Envoy's response code details `details` and, when
 *  given, its response flags (host-sim answers 0 for response.flags otherwise). */
function endWithDetails(proxy: Proxy, details: PropertyValue, flags?: PropertyValue) {
  const properties: PropertyInput = { "response.code_details": details };
  if (flags !== undefined) properties["response.flags"] = flags;
  const s = proxy.newStream({ properties });
  s.sendRequestHeaders(REQUEST);
  return s.complete().result;
}

const cases: Case[] = [
  { name: "200 is a success", run: (h) => h.call(200), counted: [1, 0] },
  { name: "404 is a success", run: (h) => h.call(404), counted: [1, 0] },
  { name: "500 is a failure", run: (h) => h.call(500), counted: [1, 1] },
  { name: "503 is a failure", run: (h) => h.call(503), counted: [1, 1] },
  { name: "429 is a failure when listed", failure: { http_statuses: ["429", "500-599"] }, run: (h) => h.call(429), counted: [1, 1] },
  { name: "an ignored 501 is not counted", failure: { ignore_http_statuses: ["501"] }, run: (h) => h.call(501), counted: [0, 0] },
  { name: "a garbage :status is not counted", run: (h) => h.call(200, { responseHeaders: { ":status": "abc" } }), counted: [0, 0] },
  { name: "gRPC UNAVAILABLE in trailers is a failure",
    run: (h) => h.call(200, { headers: GRPC, responseTrailers: { "grpc-status": "14" } }), counted: [1, 1] },
  { name: "gRPC DEADLINE_EXCEEDED in trailers-only headers is a failure",
    run: (h) => h.call(200, { headers: GRPC, responseHeaders: { "grpc-status": "4" } }), counted: [1, 1] },
  { name: "gRPC OK is a success", run: (h) => h.call(200, { headers: GRPC, responseTrailers: { "grpc-status": "0" } }), counted: [1, 0] },
  { name: "gRPC NOT_FOUND is a success by default",
    run: (h) => h.call(200, { headers: GRPC, responseTrailers: { "grpc-status": "5" } }), counted: [1, 0] },
  { name: "a garbage grpc-status is a success",
    run: (h) => h.call(200, { headers: GRPC, responseTrailers: { "grpc-status": "99" } }), counted: [1, 0] },
  { name: "grpc-status on a plain HTTP request is not read",
    run: (h) => h.call(200, { responseTrailers: { "grpc-status": "14" } }), counted: [1, 0] },
  { name: "an upstream reset without a response is a failure", run: (h) => endWithoutResponse(h, 0x10, false), counted: [1, 1] },
  { name: "an upstream connection failure is a failure", run: (h) => endWithoutResponse(h, 0x20, false), counted: [1, 1] },
  { name: "an upstream timeout is a failure", run: (h) => endWithoutResponse(h, 0x4, false), counted: [1, 1] },
  { name: "no healthy upstream (UH) is a failure", run: (h) => endWithoutResponse(h, 0x2, false), counted: [1, 1] },
  { name: "upstream failures are not counted when upstream_failures is false", failure: { upstream_failures: false },
    run: (h) => endWithoutResponse(h, 0x10, false), counted: [0, 0] },
  { name: "a stream the downstream cancelled is not counted", run: (h) => endWithoutResponse(h, 0x4000, true), counted: [0, 0] },
  { name: "a stream with no response and no flags is not counted", run: (h) => endWithoutResponse(h, 0, false), counted: [0, 0] },
];

describe("circuit-breaker › failure classification", () => {
  it.each(cases)("$name", async ({ failure, run, counted }) => {
    const h = await loaded(config(failure));
    run(h);
    h.proxy.advance(1000);
    expect([h.metric("api", "calls"), h.metric("api", "failures")]).toEqual(counted);
  });
});

describe("circuit-breaker › hostile input", () => {
  it("never traps on garbage statuses, grpc-status values, huge keys and early resets", async () => {
    const h = await loaded({ circuits: [{ name: "api", failure_rate: 0.5, max_in_flight: 10,
      key: { source: "header", name: "x-colour" }, max_keys: 2 }] }, 2);
    const garbage = ["", "0", "-1", "2000", "20", "5xx", "\u00ff\u00fe", "99999999999999999999", " 500"];
    for (const g of garbage) {
      h.call(200, { headers: { ...GRPC, "x-colour": g }, responseHeaders: { ":status": g, "grpc-status": g }, responseTrailers: { "grpc-status": g } });
    }
    h.call(200, { headers: { "x-colour": "x".repeat(20_000) } });
    for (let i = 0; i < 50; i++) h.call(500, { headers: { "x-colour": `random-${i}` } });
    const s = h.proxy.newStream();
    s.sendRequestHeaders({ ":method": "GET", ":path": "/api/items", ":authority": "api.example", "x-colour": "a" });
    s.cancel();
    h.proxy.advance(1000);
    expect(h.proxy.plugin("circuit-breaker")!.failures).toEqual([]);
    expect(h.metric("api", "key_overflow")).toBeGreaterThan(0);
  });
});

// Envoy's response code details of a stream without a response, as Envoy writes them (and a few
// near misses), and whether the call counts as a failure.
const detailCases: [string, boolean][] = [
  ["upstream_reset_before_response_started{connection_failure}", true],
  ["upstream_reset_before_response_started{connection_failure,delayed_connect_error:_111}", true],
  ["upstream_reset_before_response_started{remote_connection_failure|delayed_connect_error:_Connection_refused}", true],
  ["upstream_reset_before_response_started{local_connection_failure}", true],
  ["upstream_reset_before_response_started{connection_timeout}", true],
  ["upstream_reset_before_response_started{connection_termination}", true],
  ["upstream_reset_before_response_started{remote_reset}", true],
  ["upstream_reset_before_response_started{remote_refused_stream_reset}", true],
  ["upstream_reset_before_response_started{remote_error_with_CONNECT_request}", true],
  ["upstream_reset_before_response_started{overflow}", true],
  ["upstream_reset_before_response_started{protocol_error}", true],
  ["upstream_reset_after_response_started{remote_reset}", true],
  ["upstream_reset_after_response_started{connection_termination}", true],
  ["upstream_response_timeout", true],
  ["upstream_per_try_timeout", true],
  ["upstream_per_try_idle_timeout", true],
  ["no_healthy_upstream", true],
  ["upstream_max_stream_duration_reached", true],
  ["upstream_reset_before_response_started{local_reset}", false],
  ["upstream_reset_before_response_started{local_refused_stream_reset}", false],
  ["upstream_reset_before_response_started{overload_manager_reset}", false],
  ["upstream_reset_before_response_started", false],
  ["upstream_reset_before_response_started{}", false],
  ["upstream_reset_before_response_started{remote_reset", false],
  ["upstream_reset_before_response_started{remote_reset_by_someone}", false],
  ["upstream_reset_before_response_started_x{remote_reset}", false],
  ["upstream_response_timeout_x", false],
  ["UPSTREAM_RESPONSE_TIMEOUT", false],
  ["via_upstream", false],
  ["downstream_remote_disconnect", false],
  ["downstream_local_disconnect(filter_chain_is_being_removed)", false],
  ["request_overall_timeout", false],
  ["stream_idle_timeout", false],
  ["wasm_close_stream", false],
  ["", false],
];

describe("circuit-breaker › classification by response.code_details (no :status, no response flags)", () => {
  it.each(detailCases.map(([details, failure]) => ({ details, failure, name: `${details || "(empty)"} ${failure ? "counts as a failure" : "is not counted"}` })))(
    "$name", async ({ details, failure }) => {
      const h = await loaded(config());
      endWithDetails(h.proxy, details);
      h.proxy.advance(1000);
      expect([h.metric("api", "calls"), h.metric("api", "failures")]).toEqual(failure ? [1, 1] : [0, 0]);
    });

  it("absent code details are not counted", async () => {
    const h = await loaded(config());
    endWithoutResponse(h, 0, false);
    h.proxy.advance(1000);
    expect(h.metric("api", "calls")).toBe(0);
  });

  it("a garbage :status falls back to the code details", async () => {
    const h = await loaded(config());
    h.call(200, { responseHeaders: { ":status": "abc" }, properties: { "response.code_details": "upstream_reset_before_response_started{protocol_error}" } });
    h.call(200, { responseHeaders: { ":status": "abc" }, properties: { "response.code_details": "downstream_remote_disconnect" } });
    h.proxy.advance(1000);
    expect([h.metric("api", "calls"), h.metric("api", "failures")]).toEqual([1, 1]);
  });

  it("a response with a :status is classified by it whatever the code details say", async () => {
    const h = await loaded(config());
    h.call(200, { properties: { "response.code_details": "upstream_response_timeout" } });
    h.call(404, { properties: { "response.code_details": "upstream_reset_after_response_started{remote_reset}" } });
    h.proxy.advance(1000);
    expect([h.metric("api", "calls"), h.metric("api", "failures")]).toEqual([2, 0]);
  });
});

describe("circuit-breaker › response.flags take precedence over response.code_details", () => {
  const precedence: { name: string; flags: PropertyValue; details: string; counted: [number, number] }[] = [
    { name: "a downstream termination flag (DC) keeps an upstream reset detail from counting",
      flags: 0x4000, details: "upstream_reset_before_response_started{remote_reset}", counted: [0, 0] },
    { name: "a local reset flag (LR) keeps an upstream timeout detail from counting",
      flags: 0x8, details: "upstream_response_timeout", counted: [0, 0] },
    { name: "an upstream reset flag (UR) counts even when the details name a downstream disconnect",
      flags: 0x10, details: "downstream_remote_disconnect", counted: [1, 1] },
    { name: "an upstream timeout flag (UT) counts once, with matching details",
      flags: 0x4, details: "upstream_response_timeout", counted: [1, 1] },
    { name: "flags of 0 leave the decision to the details",
      flags: 0, details: "upstream_response_timeout", counted: [1, 1] },
    { name: "flags that are not 8 bytes read as absent, so the details decide",
      flags: new Uint8Array([0x08]), details: "no_healthy_upstream", counted: [1, 1] },
    { name: "empty flags read as absent, so the details decide",
      flags: new Uint8Array(0), details: "downstream_remote_disconnect", counted: [0, 0] },
  ];
  it.each(precedence)("$name", async ({ flags, details, counted }) => {
    const h = await loaded(config());
    endWithDetails(h.proxy, details, flags);
    h.proxy.advance(1000);
    expect([h.metric("api", "calls"), h.metric("api", "failures")]).toEqual(counted);
  });
});

describe("circuit-breaker › the failure policy applies to code details as to flags", () => {
  const policies: { name: string; failure: Record<string, unknown> }[] = [
    { name: "the default policy", failure: {} },
    { name: "upstream_failures: false", failure: { upstream_failures: false } },
    { name: "an ignore list covering every 5xx", failure: { ignore_http_statuses: ["500-599"] } },
    { name: "only 429 as a failure status", failure: { http_statuses: ["429"] } },
    { name: "no gRPC statuses", failure: { grpc_statuses: [] } },
  ];
  it.each(policies)("$name counts an upstream reset by details exactly as by flags", async ({ failure }) => {
    const byFlags = await loaded(config(failure));
    endWithoutResponse(byFlags, 0x10, false);
    byFlags.proxy.advance(1000);
    const byDetails = await loaded(config(failure));
    endWithDetails(byDetails.proxy, "upstream_reset_before_response_started{remote_reset}");
    byDetails.proxy.advance(1000);
    const counted = (h: Harness) => [h.metric("api", "calls"), h.metric("api", "failures")];
    expect(counted(byDetails)).toEqual(counted(byFlags));
    expect(counted(byDetails)).toEqual(failure.upstream_failures === false ? [0, 0] : [1, 1]);
  });
});

describe("circuit-breaker › response.code_details is read only when needed", () => {
  async function traced(failure: Record<string, unknown> = {}) {
    const proxy = new Proxy({ trace: true });
    const plugin = await proxy.addPlugin({ name: "circuit-breaker", rootId: "circuit-breaker", wasm: filterWasm(), config: config(failure) });
    expect(plugin.ok).toBe(true);
    return proxy;
  }
  const propertyReads = (trace: { kind: string; name: string }[]) =>
    trace.filter((t) => t.kind === "host" && t.name === "proxy_get_property").length;

  it("a response with a :status reads no property", async () => {
    const proxy = await traced();
    const r = proxy.request({ headers: REQUEST, properties: { "response.code_details": "upstream_response_timeout" }, response: { headers: { ":status": "503" } } });
    expect(propertyReads(r.trace)).toBe(0);
  });

  it("a stream without a :status reads the flags, and the details only when the flags are 0", async () => {
    const proxy = await traced();
    expect(propertyReads(endWithDetails(proxy, "upstream_response_timeout", 0x10).trace)).toBe(1);
    expect(propertyReads(endWithDetails(proxy, "upstream_response_timeout", 0x4000).trace)).toBe(1);
    expect(propertyReads(endWithDetails(proxy, "upstream_response_timeout", 0).trace)).toBe(2);
  });

  it("with upstream_failures: false a stream without a :status reads no property", async () => {
    const proxy = await traced({ upstream_failures: false });
    expect(propertyReads(endWithDetails(proxy, "upstream_response_timeout").trace)).toBe(0);
  });
});

describe("circuit-breaker › hostile response.code_details", () => {
  it("never traps on garbage, binary or oversize code details, and counts only exact upstream failures", async () => {
    const h = await loaded({ circuits: [{ name: "api", consecutive_failures: 1000, max_in_flight: 10 }] }, 2);
    const binary = new Uint8Array(4096).map((_, i) => (i * 131 + 7) & 0xff);
    const counted: [PropertyValue, boolean][] = [
      ["{", false], ["}", false], ["{{{{", false], ["|,}", false], ["\0\0\0", false], ["\u00ff\u00fe", false], ["é", false],
      ["upstream_reset_before_response_started{", false],
      ["upstream_reset_before_response_started{|}", false],
      [new Uint8Array([0x75, 0x70, 0x00, 0xff]), false],
      [binary, false],
      ["x".repeat(1 << 20), false],
      ["downstream_remote_disconnect" + "}".repeat(1 << 20), false],
      ["upstream_reset_before_response_started{remote_reset" + "x".repeat(1 << 20), false],
      ["upstream_reset_before_response_started{remote_reset|" + "x".repeat(4 << 20) + "}", true],
      ["upstream_response_timeout{" + "{".repeat(1 << 20), true],
    ];
    for (let round = 0; round < 8; round++) { // past the filter's collection interval
      for (const [details] of counted) endWithDetails(h.proxy, details);
    }
    h.proxy.advance(1000);
    expect(h.proxy.plugin("circuit-breaker")!.failures).toEqual([]);
    const failures = 8 * counted.filter(([, failure]) => failure).length;
    expect([h.metric("api", "calls"), h.metric("api", "failures")]).toEqual([failures, failures]);
  });
});
