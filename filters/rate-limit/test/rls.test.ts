import { describe, expect, it } from "vitest";
import { headersNamed, outcome, start } from "./harness.js";

// Minimal protobuf wire helpers for envoy.service.ratelimit.v3 messages.
const varint = (n: number): number[] => {
  const out: number[] = [];
  while (n >= 0x80) { out.push((n & 0x7f) | 0x80); n = Math.floor(n / 128); }
  out.push(n);
  return out;
};
const len = (field: number, bytes: number[]) => [...varint((field << 3) | 2), ...varint(bytes.length), ...bytes];
const str = (field: number, s: string) => len(field, [...Buffer.from(s)]);
const header = (field: number, key: string, value: string) => len(field, [...str(1, key), ...str(2, value)]);

/** RateLimitResponse { overall_code, response_headers_to_add, request_headers_to_add }. */
function reply(code: number, responseHeaders: [string, string][] = [], requestHeaders: [string, string][] = []): Uint8Array {
  return Uint8Array.from([
    ...varint(1 << 3), ...varint(code),
    ...responseHeaders.flatMap(([k, v]) => header(3, k, v)),
    ...requestHeaders.flatMap(([k, v]) => header(4, k, v)),
  ]);
}

/** Decodes RateLimitRequest into { domain, entries, hits }. */
function decodeRequest(bytes: Uint8Array) {
  let pos = 0;
  const read = (end: number, visit: (field: number, value: number | Uint8Array) => void) => {
    while (pos < end) {
      let tag = 0, shift = 0, b;
      do { b = bytes[pos++]; tag += (b & 0x7f) * 2 ** shift; shift += 7; } while (b & 0x80);
      let v = 0; shift = 0;
      do { b = bytes[pos++]; v += (b & 0x7f) * 2 ** shift; shift += 7; } while (b & 0x80);
      if ((tag & 7) === 0) visit(tag >> 3, v);
      else { const sub = bytes.subarray(pos, pos + v); const start = pos; visit(tag >> 3, sub); pos = start + v; }
    }
  };
  const text = (v: number | Uint8Array) => Buffer.from(v as Uint8Array).toString();
  const sub = (v: number | Uint8Array, visit: (f: number, x: number | Uint8Array) => void) => {
    const saved = pos; const arr = v as Uint8Array; pos = arr.byteOffset - bytes.byteOffset;
    read(pos + arr.length, visit); pos = saved;
  };
  const out = { domain: "", entries: [] as [string, string][], hits: 0 };
  read(bytes.length, (f, v) => {
    if (f === 1) out.domain = text(v);
    if (f === 3) out.hits = v as number;
    if (f === 2) sub(v, (ef, ev) => {
      if (ef !== 1) return;
      const entry: [string, string] = ["", ""];
      sub(ev, (kf, kv) => { entry[kf - 1] = text(kv); });
      out.entries.push(entry);
    });
  });
  return out;
}

const RLS = { cluster: "ratelimit", domain: "shop", timeout: "50ms" };
const globalRule = (extra: Record<string, unknown> = {}) =>
  ({ name: "tenant", global: true, limits: [{ requests: 1000, per: "second" }], key: [{ source: "header", name: "x-tenant" }], ...extra });

describe("global limits through the rate limit service", () => {
  it("asks ShouldRateLimit with the domain, the rule's descriptor and the cost, pausing the request", async () => {
    const { proxy, send } = await start({ rules: [globalRule({ cost: { amount: 3 } })], rls: RLS });
    const r = send({ "x-tenant": "acme" });
    expect(r.decision).toBe("paused");
    const [call] = proxy.grpcCalls;
    expect(call).toMatchObject({ cluster: "ratelimit", service: "envoy.service.ratelimit.v3.RateLimitService", method: "ShouldRateLimit", timeoutMs: 50 });
    expect(decodeRequest(call.message)).toEqual({ domain: "shop", entries: [["rule", "tenant"], ["x-tenant", "acme"]], hits: 3 });
  });

  it("continues the request when the service answers OK, with the headers it asks for", async () => {
    const { proxy, send } = await start({ rules: [globalRule()], rls: RLS });
    const r = send({ "x-tenant": "acme" });
    proxy.grpcCalls[0].respond(reply(1, [["x-ratelimit-remaining", "41"]], [["x-tenant-tier", "gold"]]));
    proxy.advance(0);
    expect(r.stream.result.decision).toBe("continue");
    expect(r.stream.result.requestHeaders).toEqual(expect.arrayContaining([["x-tenant-tier", "gold"]]));
    expect(r.stream.result.responseHeaders).toEqual(expect.arrayContaining([["x-ratelimit-remaining", "41"]]));
    proxy.advance(1000);
    expect(proxy.metric("sluice.rate_limit.tenant.allowed")).toBe(1);
  });

  it("rejects with 429 when the service answers OVER_LIMIT", async () => {
    const { proxy, send } = await start({ rules: [globalRule()], rls: RLS });
    const r = send({ "x-tenant": "acme" });
    proxy.grpcCalls[0].respond(reply(2, [["x-ratelimit-remaining", "0"]]));
    proxy.advance(0);
    expect(r.stream.result.localResponse).toMatchObject({ status: 429, details: "rate_limited" });
    expect(headersNamed(r.stream.result, "x-ratelimit")).toEqual([["x-ratelimit-remaining", "0"]]);
    proxy.advance(1000);
    expect(proxy.metric("sluice.rate_limit.tenant.limited")).toBe(1);
  });

  it("lets OVER_LIMIT through with the shadow header in shadow mode", async () => {
    const { proxy, send } = await start({ rules: [globalRule({ mode: "shadow" })], rls: RLS });
    const r = send({ "x-tenant": "acme" });
    proxy.grpcCalls[0].respond(reply(2));
    proxy.advance(0);
    expect(r.stream.result.decision).toBe("continue");
    expect(r.stream.result.requestHeaders).toEqual(expect.arrayContaining([["x-sluice-rate-limited", "tenant"]]));
  });

  it.each([
    ["an error status", (call: { close(status: number, message: string): void }) => call.close(14, "unavailable")],
    ["a reply that does not decode", (call: { respond(m: Uint8Array): void }) => call.respond(Uint8Array.from([0x0a, 0x05]))],
  ])("allows and counts rls_error on %s", async (_what, answer) => {
    const { proxy, send } = await start({ rules: [globalRule()], rls: RLS });
    const r = send({ "x-tenant": "acme" });
    answer(proxy.grpcCalls[0] as never);
    proxy.advance(0);
    expect(r.stream.result.decision).toBe("continue");
    proxy.advance(1000);
    expect(proxy.metric("sluice.rate_limit.tenant.rls_error")).toBe(1);
  });

  it("rejects on timeout when rls.failure_mode_deny is true", async () => {
    const { proxy, send } = await start({ rules: [globalRule()], rls: { ...RLS, failure_mode_deny: true } });
    const r = send({ "x-tenant": "acme" });
    proxy.advance(50);
    expect(r.stream.result.localResponse).toMatchObject({ status: 429, details: "rate_limited" });
    proxy.advance(1000);
    expect(proxy.metric("sluice.rate_limit.tenant.rls_error")).toBe(1);
  });

  it("fails over at once when the cluster is unknown", async () => {
    const { proxy, send } = await start({ rules: [globalRule()], rls: { ...RLS, cluster: "nowhere" } });
    expect(outcome(send({ "x-tenant": "acme" }))).toBe("allow");
    proxy.advance(1000);
    expect(proxy.metric("sluice.rate_limit.tenant.rls_error")).toBe(1);
  });

  it("rejects locally without asking the service when the local bucket is empty", async () => {
    const { proxy, send } = await start({ rules: [globalRule({ limits: [{ requests: 1, per: "second" }] })], rls: RLS });
    send({ "x-tenant": "acme" });
    proxy.grpcCalls[0].respond(reply(1));
    proxy.advance(0);
    expect(outcome(send({ "x-tenant": "acme" }))).toBe("429");
    expect(proxy.grpcCalls).toHaveLength(1);
  });
});
