// Each kind's import, replayed through the real filter in host-sim: it trips, limits, allows and
// colours where the source tool's documented semantics say it would (expectations written from
// Sentinel's, hystrix-go's, Istio's and Envoy's documentation, cited in cli/README.md "import").
import { describe, expect, it } from "vitest";
import type { Proxy } from "../../host-sim/src/index.js";
import { concurrent, importAndStart, send, statusOf, times, type Headers } from "./import-sim.js";

function calls(proxy: Proxy, headers: Headers, statuses: number[]): number[] {
  return statuses.map((status) => statusOf(send(proxy, headers, { status })));
}

const header = (r: { localResponse?: { headers: [string, string][] } }, name: string) => r.localResponse?.headers.find(([k]) => k === name)?.[1];

describe("sentinel-degrade: exception ratio 0.02, minRequestAmount 50, statIntervalMs 10 s, timeWindow 60 s", () => {
  const start = () => importAndStart({ kind: "sentinel-degrade", dir: "sentinel-degrade-error-ratio", files: ["degrade-rules.json"] });
  const payments = { ":path": "/api/payments" };

  it("stays closed at 1 error in 50 calls: a ratio of 0.02 is not above 0.02", async () => {
    const { proxy } = await start();
    calls(proxy, payments, [500, ...times(49, 200)]);
    expect(statusOf(send(proxy, payments))).toBe(200);
  });

  it("opens at 2 errors in 50 calls, fails fast for 60 s, then lets one probe through", async () => {
    const { proxy } = await start();
    calls(proxy, payments, [500, 500, ...times(48, 200)]);
    const rejected = send(proxy, payments);
    expect(statusOf(rejected)).toBe(503);
    expect(rejected.localResponse?.details).toBe("circuit_open");
    proxy.advance(59_999);
    expect(statusOf(send(proxy, payments))).toBe(503);
    proxy.advance(1);
    expect(statusOf(send(proxy, payments))).toBe(200); // the probe succeeds: closed
    expect(statusOf(send(proxy, payments))).toBe(200);
  });

  it("does not decide before minRequestAmount calls: 49 errors in 49 calls leave it closed", async () => {
    const { proxy } = await start();
    calls(proxy, payments, times(49, 500));
    expect(statusOf(send(proxy, payments, { status: 500 }))).toBe(500); // the 50th call is let through, and opens it
    expect(statusOf(send(proxy, payments))).toBe(503);
  });

  it("counts each statIntervalMs on its own: 1 error in each of two intervals does not open it", async () => {
    const { proxy } = await start();
    calls(proxy, payments, [500, ...times(29, 200)]);
    proxy.advance(10_000);
    calls(proxy, payments, [500, ...times(49, 200)]);
    expect(statusOf(send(proxy, payments))).toBe(200);
  });

  it("leaves other paths alone", async () => {
    const { proxy } = await start();
    calls(proxy, payments, times(50, 500));
    expect(statusOf(send(proxy, { ":path": "/api/orders" }))).toBe(200);
  });
});

describe("sentinel-degrade: RT above 300 ms, slowRatioThreshold 0.5, statIntervalMs 1 s, minRequestAmount 5", () => {
  const start = () => importAndStart({ kind: "sentinel-degrade", dir: "sentinel-degrade-rt", files: ["degrade-rules.json"] });
  const orders = { ":path": "/api/orders" };

  it("stays closed when 3 of 6 calls take 301 ms: a ratio of 0.5 is not above 0.5", async () => {
    const { proxy } = await start();
    concurrent(proxy, orders, [...times(3, { latencyMs: 100 }), ...times(3, { latencyMs: 301 })]);
    expect(statusOf(send(proxy, orders))).toBe(200);
  });

  it("opens when 3 of 5 calls take 301 ms", async () => {
    const { proxy } = await start();
    concurrent(proxy, orders, [...times(2, { latencyMs: 100 }), ...times(3, { latencyMs: 301 })]);
    expect(statusOf(send(proxy, orders))).toBe(503);
  });

  it("does not count 300 ms as slow (RT above count)", async () => {
    const { proxy } = await start();
    concurrent(proxy, orders, times(5, { latencyMs: 300 }));
    expect(statusOf(send(proxy, orders))).toBe(200);
  });

  it("counts only GET: the resource is GET:/api/orders", async () => {
    const { proxy } = await start();
    concurrent(proxy, orders, times(5, { latencyMs: 500 }));
    expect(statusOf(send(proxy, { ...orders, ":method": "POST" }))).toBe(200);
    expect(statusOf(send(proxy, orders))).toBe(503);
  });

  it("after timeWindow (10 s) closes on a fast probe even when it fails, and reopens on a slow one", async () => {
    const { proxy } = await start();
    concurrent(proxy, orders, times(5, { latencyMs: 400 }));
    proxy.advance(10_000);
    expect(statusOf(send(proxy, orders, { latencyMs: 400 }))).toBe(200); // the slow probe reopens it
    expect(statusOf(send(proxy, orders))).toBe(503);
    proxy.advance(10_000);
    expect(statusOf(send(proxy, orders, { status: 500, latencyMs: 10 }))).toBe(500); // fast: an RT rule looks at RT only
    expect(statusOf(send(proxy, orders))).toBe(200);
  });
});

describe("hystrix: RequestVolumeThreshold 20, ErrorPercentThreshold 50, SleepWindow 5 s (--lossy)", () => {
  const start = () => importAndStart({ kind: "hystrix", dir: "hystrix-lossy", files: ["hystrix.yaml"], lossy: true });
  const checkout = { ":path": "/api/checkout" };

  it("opens at 10 errors in 20 requests (50%)", async () => {
    const { proxy } = await start();
    calls(proxy, checkout, [...times(10, 200), ...times(10, 500)]);
    expect(statusOf(send(proxy, checkout))).toBe(503);
  });

  it("stays closed at 9 errors in 20 requests (45%)", async () => {
    const { proxy } = await start();
    calls(proxy, checkout, [...times(11, 200), ...times(9, 500)]);
    expect(statusOf(send(proxy, checkout))).toBe(200);
  });

  it("rounds as hystrix-go does: 99 errors in 200 (49.5%, int(49.5 + 0.5) = 50) open it, 98 do not", async () => {
    const open = await start();
    calls(open.proxy, checkout, [...times(101, 200), ...times(99, 500)]);
    expect(statusOf(send(open.proxy, checkout))).toBe(503);
    const closed = await start();
    calls(closed.proxy, checkout, [...times(102, 200), ...times(98, 500)]);
    expect(statusOf(send(closed.proxy, checkout))).toBe(200);
  });

  it("does not decide below RequestVolumeThreshold: 19 errors in 19 requests", async () => {
    const { proxy } = await start();
    calls(proxy, checkout, times(19, 500));
    expect(statusOf(send(proxy, checkout))).toBe(200);
  });

  it("forgets requests older than its 10 s rolling window", async () => {
    const { proxy } = await start();
    calls(proxy, checkout, times(10, 500));
    proxy.advance(10_000);
    calls(proxy, checkout, times(10, 500)); // 20 errors in 20 s, only 10 in the window
    expect(statusOf(send(proxy, checkout))).toBe(200);
  });

  it("lets one request through after SleepWindow (5 s); its success closes the circuit", async () => {
    const { proxy } = await start();
    calls(proxy, checkout, times(20, 500));
    proxy.advance(4_999);
    expect(statusOf(send(proxy, checkout))).toBe(503);
    proxy.advance(1);
    expect(statusOf(send(proxy, checkout))).toBe(200);
    expect(statusOf(send(proxy, checkout))).toBe(200);
  });

  it("rejects the call over MaxConcurrentRequests (100)", async () => {
    const { proxy } = await start();
    const open = times(100, 0).map(() => proxy.newStream().sendRequestHeaders({ ":method": "GET", ":path": "/api/checkout", ":authority": "shop" }, { endOfStream: true }));
    expect(open.every((s) => s.result.decision === "continue")).toBe(true);
    const over = send(proxy, checkout);
    expect(statusOf(over)).toBe(503);
    expect(over.localResponse?.details).toBe("max_in_flight");
  });
});

describe("istio-authz: ALLOW cluster.local/ns/prod/sa/user to GET and POST", () => {
  const start = () => importAndStart({ kind: "istio-authz", dir: "istio-allow-user", files: ["authz.yaml"] });
  const as = (id: string | undefined): Record<string, string> => (id ? { "connection.uri_san_peer_certificate": id } : {});

  it.each([
    ["spiffe://cluster.local/ns/prod/sa/user", "GET", 200],
    ["spiffe://cluster.local/ns/prod/sa/user", "POST", 200],
    ["spiffe://cluster.local/ns/prod/sa/user", "DELETE", 403],
    ["spiffe://cluster.local/ns/prod/sa/admin", "GET", 403],
    ["spiffe://cluster.local/ns/staging/sa/user", "GET", 403],
    [undefined, "GET", 403],
  ])("%s %s: %i", async (id, method, status) => {
    const { proxy } = await start();
    expect(statusOf(send(proxy, { ":method": method, ":path": "/orders/1" }, { properties: as(id) }))).toBe(status);
  });
});

describe("istio-authz: DENY by notNamespaces, ALLOW by principal prefix, suffix, namespace and header", () => {
  const start = () => importAndStart({ kind: "istio-authz", dir: "istio-policies", files: ["authz.yaml"] });
  const from = (id?: string): { properties: Record<string, string> } => ({ properties: id ? { "connection.uri_san_peer_certificate": id } : {} });
  const tenant = { "x-tenant": "acme" };

  it.each([
    ["a web workload reading an order", "spiffe://cluster.local/ns/web/sa/shop", { ":path": "/orders/7", ...tenant }, 200],
    ["the same without x-tenant (when)", "spiffe://cluster.local/ns/web/sa/shop", { ":path": "/orders/7" }, 403],
    ["the same writing", "spiffe://cluster.local/ns/web/sa/shop", { ":method": "POST", ":path": "/orders/7", ...tenant }, 403],
    ["the mobile API from another trust domain (*/ns/mobile/sa/api)", "spiffe://eu.example/ns/mobile/sa/api", { ":path": "/orders", ...tenant }, 200],
    ["a partner namespace (partner-*)", "spiffe://cluster.local/ns/partner-acme/sa/sync", { ":path": "/orders", ...tenant }, 200],
    ["a path two segments deep ({*} is one)", "spiffe://cluster.local/ns/web/sa/shop", { ":path": "/orders/7/items", ...tenant }, 403],
    ["health checks from anyone", undefined, { ":path": "/healthz" }, 200],
    ["admin from ops (not denied, not allowed either)", "spiffe://cluster.local/ns/ops/sa/admin", { ":path": "/admin/users" }, 403],
  ])("%s: %i", async (_, id, headers, status) => {
    const { proxy } = await start();
    expect(statusOf(send(proxy, headers as Headers, from(id)))).toBe(status);
  });

  it("denies /admin/* to plaintext callers too: Istio's notNamespaces matches a request without identity", async () => {
    const { proxy } = await start();
    const r = send(proxy, { ":path": "/admin/users" });
    expect(statusOf(r)).toBe(403);
    proxy.advance(1_000); // counters are flushed on the tick
    expect(proxy.metric("sluice.spiffe_rbac.policy.deny-outside-admin.matched")).toBe(1);
  });
});

describe("envoy-local-ratelimit (--lossy): descriptors of the /foo route", () => {
  const start = () => importAndStart({ kind: "envoy-local-ratelimit", dir: "envoy-descriptors", files: ["routes.yaml"], lossy: true });
  const foo = (path: string) => ({ ":path": path, "x-envoy-downstream-service-cluster": "foo" });

  it("lets 10 requests of cluster foo to /foo/bar through, answers the 11th as Envoy 1.40 does, and refills one every 6 s", async () => {
    const { proxy } = await start();
    for (let i = 0; i < 10; i++) expect(statusOf(send(proxy, foo("/foo/bar")))).toBe(200);
    const limited = send(proxy, foo("/foo/bar"));
    expect(statusOf(limited)).toBe(429);
    expect(limited.localResponse?.body).toBe("local_rate_limited");
    expect(header(limited, "x-local-rate-limit")).toBe("true");
    expect(header(limited, "x-envoy-ratelimited")).toBeUndefined(); // Envoy 1.40 does not send it either
    proxy.advance(5_999);
    expect(statusOf(send(proxy, foo("/foo/bar")))).toBe(429);
    proxy.advance(1);
    // 10 tokens a minute: Envoy 1.31+ adds one every 6 s, and so does the imported limit
    expect([statusOf(send(proxy, foo("/foo/bar"))), statusOf(send(proxy, foo("/foo/bar")))]).toEqual([200, 429]);
  });

  it("gives /foo/bar2 its own 100, and the rest of /foo the route's 1000", async () => {
    const { proxy } = await start();
    for (let i = 0; i < 100; i++) expect(statusOf(send(proxy, foo("/foo/bar2")))).toBe(200);
    expect(statusOf(send(proxy, foo("/foo/bar2")))).toBe(429);
    expect(statusOf(send(proxy, foo("/foo/bar")))).toBe(200);
    // another cluster, or no cluster header (no descriptor): the default bucket
    for (let i = 0; i < 1000; i++) expect(statusOf(send(proxy, { ":path": i % 2 ? "/foo/bar" : "/foo/x", "x-envoy-downstream-service-cluster": "bar" }))).toBe(200);
    expect(statusOf(send(proxy, { ":path": "/foo/x" }))).toBe(429);
  });

  it("does not limit other routes", async () => {
    const { proxy } = await start();
    for (let i = 0; i < 20; i++) expect(statusOf(send(proxy, { ":path": "/bar" }))).toBe(200);
  });
});

describe("envoy-local-ratelimit (--lossy): filter-level bucket, enabled but not enforced", () => {
  it("starts with max_tokens (200), adds tokens_per_fill (50) each fill_interval (0.25s), and lets limited requests continue", async () => {
    const { proxy } = await importAndStart({ kind: "envoy-local-ratelimit", dir: "envoy-filter-shadow", files: ["local-ratelimit.yaml"], lossy: true });
    const shadowed = () => times(250, 0).map(() => send(proxy, { ":path": "/x" })).filter((r) => r.requestHeaders?.some(([k]) => k === "x-sluice-rate-limited")).length;
    expect(shadowed()).toBe(50); // 200 within the bucket, 50 over it
    proxy.advance(250);
    expect(shadowed()).toBe(200); // 50 new tokens
  });
});

describe("gray: header, user range and a 5% split by user", () => {
  const start = () => importAndStart({ kind: "gray", dir: "gray-file", files: ["gray.yaml"] });
  const colourOf = (proxy: Proxy, headers: Headers) => send(proxy, { ":path": "/reviews/1", ...headers }).requestHeaders?.find(([k]) => k === "x-sluice-colour")?.[1];

  it.each([
    ["x-beta: true", { "x-beta": "true" }, "v2"],
    ["?canary=1 (regex ^(yes|1)$)", { ":path": "/reviews/1?canary=1" }, "v2"],
    ["?canary=10", { ":path": "/reviews/1?canary=10" }, "v1"],
    ["user 0", { "x-user-id": "0" }, "v2"],
    ["user 999", { "x-user-id": "999" }, "v2"],
    ["no user", {}, "v1"],
    ["a client-sent colour", { "x-sluice-colour": "v2" }, "v1"],
  ])("%s: %s", async (_, headers, colour) => {
    const { proxy } = await start();
    expect(colourOf(proxy, headers as Headers)).toBe(colour);
  });

  it("sends 5% of users above 999 to v2, the same users every time", async () => {
    const { proxy } = await start();
    const first = times(20_000, 0).map((_, i) => colourOf(proxy, { "x-user-id": String(1000 + i) }));
    const share = first.filter((c) => c === "v2").length / first.length;
    expect(share).toBeGreaterThan(0.045);
    expect(share).toBeLessThan(0.055);
    expect(times(2_000, 0).map((_, i) => colourOf(proxy, { "x-user-id": String(1000 + i) }))).toEqual(first.slice(0, 2_000));
  });
});

describe("gray: a VirtualService (jason → v2, mobile → v3, the rest 90/10)", () => {
  const start = () => importAndStart({ kind: "gray", dir: "vs-canary", files: ["virtual-service.yaml"] });
  const colourOf = (proxy: Proxy, headers: Headers) => send(proxy, { ":path": "/reviews/1", ...headers }).requestHeaders?.find(([k]) => k === "x-sluice-colour")?.[1];

  it("routes by header exactly, and by the regex as a substring", async () => {
    const { proxy } = await start();
    expect(colourOf(proxy, { "end-user": "jason" })).toBe("v2");
    expect(colourOf(proxy, { "end-user": "Jason" })).not.toBe("v2");
    expect(colourOf(proxy, { "user-agent": "Mozilla/5.0 (iPhone) Mobile/15E148" })).toBe("v3");
    // not under /reviews/: the 90/10 split decides
    const other = times(200, 0).map(() => colourOf(proxy, { ":path": "/ratings", "user-agent": "x Mobile" }));
    expect(other.filter((c) => c === "v3").length).toBeLessThan(60);
  });

  it("splits the rest 90/10 per request", async () => {
    const { proxy } = await start();
    const colours = times(10_000, 0).map(() => colourOf(proxy, {}));
    expect(colours.every((c) => c === "v1" || c === "v3")).toBe(true);
    const v3 = colours.filter((c) => c === "v3").length / colours.length;
    expect(v3).toBeGreaterThan(0.09);
    expect(v3).toBeLessThan(0.11);
  });
});

describe("sentinel-flow (--lossy): QPS, queueing and per-value rules", () => {
  const start = () => importAndStart({ kind: "sentinel-flow", dir: "sentinel-flow-lossy", files: ["flow-rules.json", "param-flow-rules.json"], lossy: true, params: { 0: "header:x-user-id" } });

  it("lets 20 GET /api/orders through in a second, rejects the 21st with 429, and 20 more in the next second", async () => {
    const { proxy } = await start();
    const orders = { ":path": "/api/orders" };
    expect(times(21, 0).map(() => statusOf(send(proxy, orders)))).toEqual([...times(20, 200), 429]);
    expect(statusOf(send(proxy, { ...orders, ":method": "POST" }))).toBe(200);
    proxy.advance(1_000);
    expect(times(21, 0).map(() => statusOf(send(proxy, orders)))).toEqual([...times(20, 200), 429]);
  });

  it("spaces /api/search 200 ms apart (5 QPS, controlBehavior 2) and rejects rather than queues", async () => {
    const { proxy } = await start();
    const search = { ":path": "/api/search" };
    expect([statusOf(send(proxy, search)), statusOf(send(proxy, search))]).toEqual([200, 429]);
    proxy.advance(200);
    expect(statusOf(send(proxy, search))).toBe(200);
  });

  it("gives each user 10 + burstCount 5 on /api/items, the vip value its own 100 + 5, and passes requests without the parameter", async () => {
    const { proxy } = await start();
    const items = (user?: string) => statusOf(send(proxy, { ":path": "/api/items", ...(user ? { "x-user-id": user } : {}) }));
    expect(times(16, 0).map(() => items("u1"))).toEqual([...times(15, 200), 429]);
    expect(items("u2")).toBe(200);
    expect(times(106, 0).map(() => items("vip"))).toEqual([...times(105, 200), 429]);
    expect(times(30, 0).map(() => items())).toEqual(times(30, 200));
  });
});
