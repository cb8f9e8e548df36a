// rate-limit in a real Envoy (4 workers): exact per-user limits across workers, 429 with the
// draft03 headers, a global rule against envoyproxy/ratelimit + Redis, and the RLS-down failure mode.
// Config: envoy/rate-limit/envoy.yaml (from envoy/rate-limit/sluice.yaml).
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { bootstrapPath, filterConfig, loadBootstrap } from "./support/bootstrap.js";
import { header, request, requestMany, statusCounts, type HttpResult } from "./support/http.js";
import { globalRules, rlsDomainConfig, rlsSettings } from "./support/rls.js";
import { expectNoWasmErrors, expectValid, startStack, type Stack } from "./support/stack.js";
import { WORKER_STATS_FILTER, connectionsPerWorker, fetchStats, stat, waitForStats } from "./support/stats.js";
import { suiteRuntime } from "./support/suite.js";

const runtime = await suiteRuntime();

const RLS_LIMIT = 3; // per hour: fixed windows, so a run never straddles one in practice

describe.skipIf(!runtime.available)("rate-limit in Envoy", () => {
  let stack: Stack;

  beforeAll(async () => {
    const config = filterConfig(loadBootstrap(bootstrapPath("rate-limit")), "rate-limit");
    const rls = rlsSettings(config);
    expect(globalRules(config)).toEqual(["global-api"]);
    expect(rls).toEqual({ cluster: "ratelimit", domain: "sluice", failureModeDeny: false });
    const domainYaml = rlsDomainConfig(config, rls.domain, { requests: RLS_LIMIT, unit: "hour" });
    stack = await startStack({ name: "rate-limit", rls: domainYaml });
  });
  afterAll(async () => {
    await stack?.stop();
  });

  it("envoy --mode validate accepts envoy/rate-limit/envoy.yaml", async () => {
    await expectValid(stack);
  });

  it("allows exactly 5 requests per second per user across 4 workers, then 429 with headers", async () => {
    const before = await fetchStats(stack.envoy.adminUrl);
    const workersBefore = connectionsPerWorker(await fetchStats(stack.envoy.adminUrl, WORKER_STATS_FILTER), stack.envoy.listenerPort(10000));
    // 40 requests on 40 connections at once; the bucket refills 1 s after its first request, so
    // the burst counts only if it fits in that second (retry with a new user otherwise).
    let results: HttpResult[] = [];
    let user = "";
    let sent = 0;
    for (let attempt = 0; attempt < 3; attempt++) {
      user = `burst-${Date.now()}-${attempt}`;
      const t0 = Date.now();
      results = await requestMany(40, 40, () => request(`${stack.envoy.url}/api/x`, { headers: { "x-user-id": user } }));
      sent += results.length;
      if (Date.now() - t0 < 900) break;
    }
    expect(statusCounts(results)).toEqual({ 200: 5, 429: 35 });

    const ok = results.find((r) => r.status === 200)!;
    expect(header(ok, "x-ratelimit-limit")).toBe("5, 5;w=1");
    expect(header(ok, "x-ratelimit-remaining")).toMatch(/^[0-4]$/);
    const limited = results.find((r) => r.status === 429)!;
    expect(limited.body).toBe("slow down\n");
    expect(header(limited, "x-ratelimit-limit")).toBe("5, 5;w=1");
    expect(header(limited, "x-ratelimit-remaining")).toBe("0");
    expect(Number(header(limited, "retry-after"))).toBeGreaterThanOrEqual(1);

    // the connections really were spread over several workers
    const workersAfter = connectionsPerWorker(await fetchStats(stack.envoy.adminUrl, WORKER_STATS_FILTER), stack.envoy.listenerPort(10000));
    const busy = [...workersAfter].filter(([w, n]) => n > (workersBefore.get(w) ?? 0));
    expect(busy.length, `connections per worker: ${JSON.stringify([...workersAfter])}`).toBeGreaterThanOrEqual(2);

    // counters lag by up to 1 s (flushed on the tick)
    const allowedBefore = stat(before, "sluice.rate_limit.per-user.allowed");
    const limitedBefore = stat(before, "sluice.rate_limit.per-user.limited");
    const after = await waitForStats(
      stack.envoy.adminUrl,
      (s) => stat(s, "sluice.rate_limit.per-user.allowed") + stat(s, "sluice.rate_limit.per-user.limited") - allowedBefore - limitedBefore === sent,
    );
    expect(stat(after, "sluice.rate_limit.per-user.limited") - limitedBefore).toBeGreaterThanOrEqual(35);
  });

  it("refills after a second", async () => {
    const user = `refill-${Date.now()}`;
    const first = await requestMany(6, 6, () => request(`${stack.envoy.url}/api/x`, { headers: { "x-user-id": user } }));
    expect(statusCounts(first)[429]).toBeGreaterThanOrEqual(1);
    await new Promise((r) => setTimeout(r, 1_100));
    expect((await request(`${stack.envoy.url}/api/x`, { headers: { "x-user-id": user } })).status).toBe(200);
  });

  it("does not limit requests without the key header (on_missing_key: skip)", async () => {
    const results = await requestMany(20, 20, () => request(`${stack.envoy.url}/api/anonymous`));
    expect(statusCounts(results)).toEqual({ 200: 20 });
  });

  it("asks the real rate limit service for the global rule: OVER_LIMIT after its limit", async () => {
    const results: number[] = [];
    for (let i = 0; i < RLS_LIMIT + 2; i++) results.push((await request(`${stack.envoy.url}/global/item-${i}`)).status);
    expect(results).toEqual([...Array<number>(RLS_LIMIT).fill(200), 429, 429]);
    const limited = await request(`${stack.envoy.url}/global/again`);
    expect(limited.status).toBe(429);
    expect(limited.body).toBe("slow down\n");
    const s = await waitForStats(stack.envoy.adminUrl, (x) => stat(x, "sluice.rate_limit.global-api.limited") >= 3);
    expect(stat(s, "sluice.rate_limit.global-api.rls_error")).toBe(0);
    expect(stat(s, "sluice.rate_limit.global-api.allowed")).toBe(RLS_LIMIT);
  });

  it("follows rls.failure_mode_deny (false: allow) when the rate limit service is down", async () => {
    await stack.stopRateLimitService();
    const before = await fetchStats(stack.envoy.adminUrl);
    const results = await requestMany(5, 1, (i) => request(`${stack.envoy.url}/global/down-${i}`));
    expect(statusCounts(results)).toEqual({ 200: 5 });
    await waitForStats(
      stack.envoy.adminUrl,
      (s) => stat(s, "sluice.rate_limit.global-api.rls_error") - stat(before, "sluice.rate_limit.global-api.rls_error") === 5,
    );
  });

  it("shows its counters in /stats and logged no Wasm error", async () => {
    const s = await fetchStats(stack.envoy.adminUrl);
    for (const name of ["per-user.allowed", "per-user.limited", "global-api.allowed", "global-api.limited", "global-api.rls_error"]) {
      expect(s.has(`sluice.rate_limit.${name}`), `sluice.rate_limit.${name} in /stats`).toBe(true);
    }
    expectNoWasmErrors(stack.envoy);
  });
});
