import { describe, expect, it } from "vitest";
import type { StreamResult } from "../../../host-sim/src/index.js";
import { headersNamed, outcome, start } from "./harness.js";

// Minimal protobuf wire helpers for envoy.service.ratelimit.v3 messages.
/** A varint; negative values as protobuf encodes int64/int32 (sign-extended, 10 bytes). */
const varint = (value: number | bigint): number[] => {
  let n = BigInt(value);
  if (n < 0n) n += 1n << 64n;
  const out: number[] = [];
  while (n >= 0x80n) { out.push(Number(n & 0x7fn) | 0x80); n >>= 7n; }
  out.push(Number(n));
  return out;
};
const num = (field: number, value: number | bigint) => [...varint(field << 3), ...varint(value)];
const len = (field: number, bytes: number[]) => [...varint((field << 3) | 2), ...varint(bytes.length), ...bytes];
const str = (field: number, s: string) => len(field, [...Buffer.from(s)]);
const header = (field: number, key: string, value: string) => len(field, [...str(1, key), ...str(2, value)]);

const OK = 1, OVER_LIMIT = 2;
const SECOND = 1, MINUTE = 2, HOUR = 3;

/** RateLimitResponse.DescriptorStatus: code, current_limit [requests_per_unit, unit],
 *  limit_remaining, duration_until_reset [seconds, nanos]; absent fields are not sent. */
interface Status { code?: number; limit?: [number, number]; remaining?: number; reset?: [number | bigint, number?] }
const status = (s: Status) => len(2, [
  ...(s.code === undefined ? [] : num(1, s.code)),
  ...(s.limit === undefined ? [] : len(2, [...num(1, s.limit[0]), ...num(2, s.limit[1])])),
  ...(s.remaining === undefined ? [] : num(3, s.remaining)),
  ...(s.reset === undefined ? [] : len(4, [
    ...(s.reset[0] ? num(1, s.reset[0]) : []),
    ...(s.reset[1] ? num(2, s.reset[1]) : []),
  ])),
]);

/** RateLimitResponse { overall_code, statuses, response_headers_to_add, request_headers_to_add }. */
function reply(code: number, responseHeaders: [string, string][] = [], requestHeaders: [string, string][] = [],
  statuses: Status[] = []): Uint8Array {
  return Uint8Array.from([
    ...num(1, code),
    ...statuses.flatMap(status),
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
  ({ name: "tenant", global: true, limits: [{ requests: 1000, per: "1s" }], key: [{ source: "header", name: "x-tenant" }], ...extra });

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
    const { proxy, send } = await start({ rules: [globalRule({ limits: [{ requests: 1, per: "1s" }] })], rls: RLS });
    send({ "x-tenant": "acme" });
    proxy.grpcCalls[0].respond(reply(1));
    proxy.advance(0);
    expect(outcome(send({ "x-tenant": "acme" }))).toBe("429");
    expect(proxy.grpcCalls).toHaveLength(1);
  });
});

/** Sends one request under `config`'s global rule, answers it with `answer` and returns the result. */
async function answered(answer: Uint8Array, config: Record<string, unknown> = {}, rule: Record<string, unknown> = {}) {
  const started = await start({ rules: [globalRule(rule)], rls: RLS, ...config });
  const r = started.send({ "x-tenant": "acme" });
  started.proxy.grpcCalls[0].respond(answer);
  started.proxy.advance(0);
  expect(started.plugin.failures).toEqual([]);
  return { ...started, result: r.stream.result as StreamResult };
}

describe("retry-after from the rate limit service's reset", () => {
  it.each([
    ["7 s", [7], "7"],
    ["41.2 s, rounded up", [41, 200_000_000], "42"],
    ["1 ns, at least 1", [0, 1], "1"],
    ["0 (an empty Duration), at least 1", [0], "1"],
    ["-5 s (already reset), at least 1", [-5], "1"],
    ["-1.5 s", [-1, -500_000_000], "1"],
    ["2^40 s, capped at 2^31", [2n ** 40n], "2147483648"],
    ["the largest int64 with 999999999 ns, capped at 2^31", [2n ** 63n - 1n, 999_999_999], "2147483648"],
    ["3 s and out-of-range nanos 2.1e9, counted as 5.1 s", [3, 2_100_000_000], "6"],
    ["3 s and mixed-sign nanos -0.5e9, counted as 2.5 s", [3, -500_000_000], "3"],
  ] as [string, [number | bigint, number?], string][])("is %s for that duration_until_reset", async (_what, reset, expected) => {
    const { result } = await answered(reply(OVER_LIMIT, [], [], [{ code: OVER_LIMIT, remaining: 0, reset }]));
    expect(result.localResponse).toMatchObject({ status: 429, details: "rate_limited" });
    expect(headersNamed(result, "retry-after")).toEqual([["retry-after", expected]]);
  });

  it("waits for the longest reset among OVER_LIMIT statuses, ignoring OK ones and those without a reset", async () => {
    const { result } = await answered(reply(OVER_LIMIT, [], [], [
      { code: OK, remaining: 3, reset: [100] },
      { code: OVER_LIMIT, reset: [5] },
      { code: OVER_LIMIT, reset: [30] },
      { code: OVER_LIMIT },
      { code: OVER_LIMIT, reset: [12, 900_000_000] },
    ]));
    expect(headersNamed(result, "retry-after")).toEqual([["retry-after", "30"]]);
  });

  it("keeps the service's own retry-after instead of adding a second one", async () => {
    const { result } = await answered(reply(OVER_LIMIT, [["Retry-After", "99"]], [], [{ code: OVER_LIMIT, reset: [5] }]));
    expect(headersNamed(result, "retry-after")).toEqual([["retry-after", "99"]]); // names reach the client lowercased
  });

  it.each([
    ["without statuses", []],
    ["whose OVER_LIMIT status has no duration_until_reset", [{ code: OVER_LIMIT, remaining: 0, limit: [100, MINUTE] }]],
    ["whose only reset belongs to an OK status", [{ code: OK, remaining: 7, reset: [9] }]],
  ] as [string, Status[]][])("sends no retry-after for an OVER_LIMIT answer %s", async (_what, statuses) => {
    const { result } = await answered(reply(OVER_LIMIT, [["x-ratelimit-remaining", "0"]], [], statuses));
    expect(result.localResponse).toMatchObject({ status: 429 });
    expect(headersNamed(result, "retry-after")).toEqual([]);
    expect(headersNamed(result, "x-ratelimit")).toEqual([["x-ratelimit-remaining", "0"]]);
  });

  it("skips status fields of an unexpected wire type, as unknown fields", async () => {
    // code and limit_remaining as strings and duration_until_reset as a varint are passed over
    const odd = len(2, [...str(1, "x"), ...num(4, 60), ...num(1, OVER_LIMIT), ...str(3, "y"), ...len(4, num(1, 4))]);
    const { result } = await answered(Uint8Array.from([...num(1, OVER_LIMIT), ...odd]));
    expect(headersNamed(result, "retry-after")).toEqual([["retry-after", "4"]]);
  });
});

describe("rate-limit headers from the rate limit service's statuses", () => {
  it("describes the OVER_LIMIT status on a rejection (draft03)", async () => {
    const { result } = await answered(reply(OVER_LIMIT, [], [], [
      { code: OVER_LIMIT, limit: [100, MINUTE], remaining: 0, reset: [12, 500_000_000] },
    ]), { headers_mode: "draft03" });
    expect(headersNamed(result, "x-ratelimit", "retry-after")).toEqual([
      ["x-ratelimit-limit", "100, 100;w=60"], ["x-ratelimit-remaining", "0"], ["x-ratelimit-reset", "13"], ["retry-after", "13"],
    ]);
  });

  it("describes the OVER_LIMIT status on a rejection (ietf), with the partition of the local headers", async () => {
    const { proxy, send } = await start({ rules: [globalRule()], rls: RLS, headers_mode: "ietf" });
    const first = send({ "x-tenant": "acme" });
    proxy.grpcCalls[0].respond(reply(OK));
    proxy.advance(0);
    const local = headersNamed(first.stream.result, "ratelimit");
    const pk = /;pk=(:[A-Za-z0-9+/]+=:)$/.exec(local[1][1])?.[1];
    expect(local).toEqual([["ratelimit-policy", `"tenant";q=1000;w=1;pk=${pk}`], ["ratelimit", `"tenant";r=999;t=1;pk=${pk}`]]);
    const second = send({ "x-tenant": "acme" });
    proxy.grpcCalls[1].respond(reply(OVER_LIMIT, [], [], [{ code: OVER_LIMIT, limit: [100, HOUR], remaining: 0, reset: [1800] }]));
    proxy.advance(0);
    expect(headersNamed(second.stream.result, "ratelimit", "retry-after")).toEqual([
      ["ratelimit-policy", `"tenant";q=100;w=3600;pk=${pk}`], ["ratelimit", `"tenant";r=0;t=1800;pk=${pk}`], ["retry-after", "1800"],
    ]);
  });

  it.each([
    ["without current_limit", { code: OVER_LIMIT, remaining: 0, reset: [8] }],
    ["with an unknown unit", { code: OVER_LIMIT, limit: [100, 9], remaining: 0, reset: [8] }],
    ["with requests_per_unit 0", { code: OVER_LIMIT, limit: [0, MINUTE], remaining: 0, reset: [8] }],
  ] as [string, Status][])("rejects with retry-after only when the OVER_LIMIT status is %s", async (_what, s) => {
    const { result } = await answered(reply(OVER_LIMIT, [], [], [s]), { headers_mode: "draft03" });
    expect(headersNamed(result, "x-ratelimit", "retry-after")).toEqual([["retry-after", "8"]]);
  });

  it("reports the service's limit on an allowed request when it has fewer requests left than the local one", async () => {
    const { result } = await answered(reply(OK, [], [], [
      { code: OK, limit: [10000, HOUR], remaining: 5000, reset: [1000] },
      { code: OK, limit: [100, MINUTE], remaining: 41, reset: [29, 1] },
    ]), { headers_mode: "draft03" });
    expect(result.decision).toBe("continue");
    expect(headersNamed(result, "x-ratelimit")).toEqual([
      ["x-ratelimit-limit", "100, 100;w=60"], ["x-ratelimit-remaining", "41"], ["x-ratelimit-reset", "30"],
    ]);
  });

  it.each([
    ["has more requests left", [{ code: OK, limit: [10000, HOUR], remaining: 5000, reset: [1000] }]],
    ["has no reset", [{ code: OK, limit: [100, MINUTE], remaining: 3 }]],
    ["has no current_limit", [{ code: OK, remaining: 3, reset: [10] }]],
  ] as [string, Status[]][])("reports the local limit on an allowed request when the service's %s", async (_what, statuses) => {
    const { result } = await answered(reply(OK, [], [], statuses), { headers_mode: "draft03" });
    expect(headersNamed(result, "x-ratelimit")).toEqual([
      ["x-ratelimit-limit", "1000, 1000;w=1"], ["x-ratelimit-remaining", "999"], ["x-ratelimit-reset", "1"],
    ]);
  });

  it("reports the service's exhausted limit on a shadow-limited request, without retry-after", async () => {
    const { result } = await answered(reply(OVER_LIMIT, [], [], [{ code: OVER_LIMIT, limit: [100, MINUTE], remaining: 0, reset: [20] }]),
      { headers_mode: "draft03" }, { mode: "shadow" });
    expect(result.decision).toBe("continue");
    expect(headersNamed(result, "x-ratelimit", "retry-after")).toEqual([
      ["x-ratelimit-limit", "100, 100;w=60"], ["x-ratelimit-remaining", "0"], ["x-ratelimit-reset", "20"],
    ]);
  });

  it.each([
    ["an allowed request", OK],
    ["a rejection", OVER_LIMIT],
  ])("leaves the rate-limit headers of %s to the service when it sends its own", async (_what, code) => {
    const { result } = await answered(reply(code, [["X-RateLimit-Remaining", "41"]], [], [
      { code, limit: [100, MINUTE], remaining: 0, reset: [20] },
    ]), { headers_mode: "draft03" });
    expect(headersNamed(result, "x-ratelimit")).toEqual([["x-ratelimit-remaining", "41"]]);
  });
});

describe("malformed statuses from the rate limit service", () => {
  const over = num(1, OVER_LIMIT);
  it.each([
    ["a status with a truncated varint", [...over, 0x12, 0x02, 0x08, 0x80]],
    ["a status longer than the reply", [...over, 0x12, 0xff, 0xff, 0xff, 0xff, 0x07, 0x08, 0x02]],
    ["a status claiming 2^64-1 bytes", [...over, 0x12, ...varint(2n ** 64n - 1n), 0x08]],
    ["a status with an 11-byte varint", [...over, ...len(2, [0x18, ...Array(10).fill(0xff), 0x01])]],
    ["a current_limit longer than its status", [...over, ...len(2, [0x12, 0x7f, 0x08, 0x64])]],
    ["a current_limit with a truncated unit", [...over, ...len(2, len(2, [0x08, 0x64, 0x10, 0xff]))]],
    ["a duration with a truncated seconds varint", [...over, ...len(2, [...num(1, OVER_LIMIT), ...len(4, [0x08, 0xff, 0xff])])]],
    ["a duration longer than its status", [...over, ...len(2, [...num(1, OVER_LIMIT), 0x22, 0x40, 0x08, 0x05])]],
    ["a status field number 0", [...over, ...len(2, [0x00, 0x01])]],
    ["a status with a group (wire type 3)", [...over, ...len(2, [0x0b, 0x0c])]],
    ["a duration with a field of wire type 7", [...over, ...len(2, [...num(1, OVER_LIMIT), ...len(4, [0x0f])])]],
  ])("counts %s as an answer that does not decode, without trapping", async (_what, bytes) => {
    const { proxy, send, result } = await answered(Uint8Array.from(bytes as number[]));
    expect(result.decision).toBe("continue");
    proxy.advance(1000);
    expect(proxy.metric("sluice.rate_limit.tenant.rls_error")).toBe(1);
    const next = send({ "x-tenant": "acme" });
    proxy.grpcCalls[1].respond(reply(OVER_LIMIT, [], [], [{ code: OVER_LIMIT, reset: [3] }]));
    proxy.advance(0);
    expect(headersNamed(next.stream.result, "retry-after")).toEqual([["retry-after", "3"]]);
  });

  it("rejects a malformed status without retry-after when rls.failure_mode_deny is true", async () => {
    const { result } = await answered(Uint8Array.from([...num(1, OVER_LIMIT), ...len(2, [...len(4, [0x08, 0x80])])]),
      { rls: { ...RLS, failure_mode_deny: true } });
    expect(result.localResponse).toMatchObject({ status: 429, details: "rate_limited" });
    expect(headersNamed(result, "retry-after")).toEqual([]);
  });

  it("takes the longest reset out of a reply of 10,000 statuses", async () => {
    const many = Array.from({ length: 10_000 }, (_, i) => ({ code: OVER_LIMIT, limit: [100, SECOND], remaining: 0, reset: [i % 977] }) as Status);
    const { result } = await answered(reply(OVER_LIMIT, [], [], many), { headers_mode: "draft03" });
    expect(headersNamed(result, "x-ratelimit", "retry-after")).toEqual([
      ["x-ratelimit-limit", "100, 100;w=1"], ["x-ratelimit-remaining", "0"], ["x-ratelimit-reset", "976"], ["retry-after", "976"],
    ]);
  });
});

describe("a global rule's key that overflows the local table", () => {
  it.each([
    ["reports the service's limit, the only one that decided", [{ code: OK, limit: [100, MINUTE], remaining: 41, reset: [30] }],
      [["x-ratelimit-limit", "100, 100;w=60"], ["x-ratelimit-remaining", "41"], ["x-ratelimit-reset", "30"]]],
    ["sends no rate-limit headers when the service reports no limit", [], []],
  ] as [string, Status[], [string, string][]][])("still asks the service (overflow: allow) and %s", async (_what, statuses, headers) => {
    const { proxy, send } = await start({ rules: [globalRule({ max_keys: 1 })], rls: RLS, headers_mode: "draft03" });
    send({ "x-tenant": "acme" });
    proxy.grpcCalls[0].respond(reply(OK));
    const r = send({ "x-tenant": "globex" });
    expect(proxy.grpcCalls).toHaveLength(2);
    proxy.grpcCalls[1].respond(reply(OK, [], [], statuses));
    proxy.advance(1000);
    const result = r.stream.result as StreamResult;
    expect(result.decision).toBe("continue");
    expect(headersNamed(result, "x-ratelimit")).toEqual(headers);
    expect(proxy.metric("sluice.rate_limit.tenant.overflow")).toBe(1);
  });
});
