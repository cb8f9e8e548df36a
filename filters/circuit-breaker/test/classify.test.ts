// Which finished calls count as failures, successes, or not at all (through the built filter).
import { describe, expect, it } from "vitest";
import { type Harness, loaded } from "./harness.js";

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

/** A stream that ends without a response, with Envoy's response flags set to `flags`. */
function endWithoutResponse(h: Harness, flags: number, cancel: boolean) {
  const s = h.proxy.newStream({ properties: { "response.flags": flags } });
  s.sendRequestHeaders({ ":method": "GET", ":path": "/api/items", ":authority": "api.example" });
  if (cancel) s.cancel();
  else s.complete();
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
      key: { source: "header", header: "x-colour", max_keys: 2 } }] }, 2);
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
