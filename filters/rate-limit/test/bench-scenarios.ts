// Benchmark scenarios of the rate-limit filter (bench/scenario.ts shape): every path a request
// takes, each with the host calls its logic needs.
import { plainRequest, SOAK_REQUESTS, withHeaders, type Scenario } from "../../../bench/scenario.js";

/** A limit no bench run reaches, and one the first request of a key exhausts for the day. */
const OPEN = { requests: 1_000_000_000, per: "1s" };
const EXHAUSTED = { requests: 1, per: "1d" };
const BY_USER = [{ source: "header", name: "x-user-id" }];
/** RateLimitResponse { overall_code: OK }: the scripted rate limit service's answer. */
const RLS_OK = Uint8Array.of(0x08, 0x01);

// Host calls of a keyed request: the key header, the clock, the bucket read, and the bucket write
// when allowed; a rejection reads content-type (gRPC or not) and sends the local reply instead of
// writing. Response headers add one call each (draft03: 3, ietf: 2).
const keyedAllowed = (headersMode: string, headerCalls: number): Scenario => ({
  name: `rate-limit/keyed-allowed${headersMode === "none" ? "" : `-${headersMode}`}`,
  filter: "rate-limit",
  config: { rules: [{ name: "per-user", limits: [OPEN], key: BY_USER }], headers_mode: headersMode },
  request: () => plainRequest(),
  budget: { hostCallsPerRequest: 4 + headerCalls },
});

const keyed429 = (headersMode: string): Scenario => ({
  name: `rate-limit/keyed-429${headersMode === "none" ? "" : `-${headersMode}`}`,
  filter: "rate-limit",
  config: { rules: [{ name: "per-user", limits: [EXHAUSTED], key: BY_USER }], headers_mode: headersMode, reply: { body: "slow down\n" } },
  request: () => plainRequest(),
  budget: { hostCallsPerRequest: 5 },
});

/** A limit whose bucket, once drawn from, is not full again within a bench run. */
const DAILY = { requests: 1_000_000_000, per: "1d" };

// Every request a new key on 8 slots (one set) that the first 8 keys hold (live for a day): the overflow
// policy decides.
// deny: key header, clock, set read, content-type, local reply; shared_bucket: key header,
// clock, set read, shared bucket read and write.
const overflow = (policy: string, extra: Record<string, unknown>, calls: number): Scenario => ({
  name: `rate-limit/overflow-${policy}`,
  filter: "rate-limit",
  config: {
    rules: [{ name: "per-client", limits: [DAILY], key: [{ source: "header", name: "x-client" }], max_keys: 8, overflow: policy.replace("-", "_"), ...extra }],
  },
  request: (i) => withHeaders([["x-client", `client-${i}`]]),
  budget: { hostCallsPerRequest: calls },
});

export const scenarios: Scenario[] = [
  {
    name: "rate-limit/allowed",
    filter: "rate-limit",
    config: { rules: [{ name: "api", limits: [OPEN] }] },
    request: () => plainRequest(),
    // clock, bucket read, bucket write
    budget: { hostCallsPerRequest: 3 },
  },
  keyedAllowed("none", 0),
  keyedAllowed("draft03", 3),
  keyedAllowed("ietf", 2),
  keyed429("none"),
  keyed429("draft03"),
  keyed429("ietf"),
  {
    name: "rate-limit/grpc-reject",
    filter: "rate-limit",
    config: { rules: [{ name: "per-user", limits: [EXHAUSTED], key: BY_USER }], headers_mode: "draft03" },
    request: () => withHeaders([["content-type", "application/grpc"]], "/shop.Cart/Add"),
    budget: { hostCallsPerRequest: 5 },
  },
  {
    name: "rate-limit/shadow-hit",
    filter: "rate-limit",
    config: { rules: [{ name: "per-user", limits: [EXHAUSTED], key: BY_USER, mode: "shadow" }] },
    request: () => plainRequest(),
    // key header, clock, bucket read, the shadow request header, the info line of a shadow hit
    budget: { hostCallsPerRequest: 5 },
  },
  {
    name: "rate-limit/many-clients",
    filter: "rate-limit",
    workers: 2,
    config: { rules: [{ name: "per-client", limits: [OPEN], key: [{ source: "client_ip", trusted_hops: 1 }], max_keys: 4096 }] },
    request: (i) => withHeaders([["x-forwarded-for", `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`]]),
    // Not the hot path: 100,000 clients over max_keys 4096 (2048 sets of 16 ways, 32,768 slots),
    // so most requests find every way of their set holding another client's live bucket and
    // overflow (allow):
    // key header, clock, one set read; a request that takes a way writes the set back.
    budget: { hostCallsPerRequest: 4 },
    soak: SOAK_REQUESTS,
  },
  overflow("deny", {}, 5),
  overflow("shared-bucket", { overflow_limits: [DAILY] }, 5),
  {
    name: "rate-limit/global",
    filter: "rate-limit",
    config: {
      rules: [{ name: "tenant", global: true, limits: [OPEN], key: [{ source: "header", name: "x-tenant" }] }],
      rls: { cluster: "ratelimit", domain: "shop" },
    },
    clusters: ["ratelimit"],
    setup: (proxy) => proxy.onGrpcCall((call) => call.respond(RLS_OK)),
    request: () => withHeaders([["x-tenant", "acme"]]),
    // key header (hashed and copied into the descriptor), clock, bucket read and write, the call;
    // the answer's three (its message, the effective context, continue) run in the root context
    // and are not the stream's
    budget: { hostCallsPerRequest: 5 },
  },
];
