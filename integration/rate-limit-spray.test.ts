// rate-limit in a real Envoy (4 workers) under key spraying: a client sending a fresh x-user-id
// with every request, as fast as the test can, while a well-behaved user sends 2 requests a second
// against her limit of 5. The per-user rule's table is small (max_keys 16: one set of 16 slots), so
// the sprayer fills it many times over; the user never gets a 429 she did not earn, and the
// sprayer's keys that find no free slot are counted as overflow (policy allow, the default).
// Config: envoy/rate-limit/envoy.yaml with its listeners moved into LDS and max_keys set to 16.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { bootstrapPath, filterConfig, loadBootstrap, withFilterConfig, type Json } from "./support/bootstrap.js";
import { request, sleep, type HttpResult } from "./support/http.js";
import { expectNoWasmErrors, startStack, type Stack } from "./support/stack.js";
import { WORKER_STATS_FILTER, connectionsPerWorker, fetchStats, stat, waitForStats } from "./support/stats.js";
import { suiteRuntime } from "./support/suite.js";

const runtime = await suiteRuntime();

type Obj = { [key: string]: Json };

const SECONDS = 8;
const SPRAYERS = 24;

describe.skipIf(!runtime.available)("rate-limit in Envoy under key spraying", () => {
  let stack: Stack;

  beforeAll(async () => {
    const base = filterConfig(loadBootstrap(bootstrapPath("rate-limit")), "rate-limit");
    stack = await startStack({ name: "rate-limit", dynamicListeners: true });
    const rules = (base.rules as Obj[]).map((r) => (r.name === "per-user" ? { ...r, max_keys: 16 } : r));
    await stack.reconfigure((listeners) => withFilterConfig(listeners, "rate-limit", { ...base, rules }));
  });
  afterAll(async () => {
    await stack?.stop();
  });

  it(`costs a user sending 2/s against 5/s no 429 while a sprayer sends fresh keys for ${SECONDS} s`, async () => {
    const before = await fetchStats(stack.envoy.adminUrl);
    const workersBefore = connectionsPerWorker(await fetchStats(stack.envoy.adminUrl, WORKER_STATS_FILTER), stack.envoy.listenerPort(10000));
    const end = Date.now() + SECONDS * 1000;
    let sprayed = 0;
    const spray = async (): Promise<void> => {
      while (Date.now() < end) await request(`${stack.envoy.url}/api/x`, { headers: { "x-user-id": `spray-${sprayed++}` } });
    };
    const alice: HttpResult[] = [];
    const wellBehaved = async (): Promise<void> => {
      for (let i = 0; i < 2 * SECONDS; i++) {
        const started = Date.now();
        alice.push(await request(`${stack.envoy.url}/api/x`, { headers: { "x-user-id": `alice-${end}` } }));
        await sleep(Math.max(0, 500 - (Date.now() - started)));
      }
    };
    await Promise.all([wellBehaved(), ...Array.from({ length: SPRAYERS }, spray)]);

    expect(alice.map((r) => r.status)).toEqual(Array(2 * SECONDS).fill(200));
    expect(sprayed).toBeGreaterThan(16 * SECONDS); // many times the table within each refill second
    const workers = connectionsPerWorker(await fetchStats(stack.envoy.adminUrl, WORKER_STATS_FILTER), stack.envoy.listenerPort(10000));
    const busy = [...workers].filter(([w, n]) => n - (workersBefore.get(w) ?? 0) > 0).length;
    expect(busy).toBeGreaterThanOrEqual(2);
    const s = await waitForStats(stack.envoy.adminUrl, (x) =>
      stat(x, "sluice.rate_limit.per-user.allowed") - stat(before, "sluice.rate_limit.per-user.allowed") >= sprayed + alice.length);
    expect(stat(s, "sluice.rate_limit.per-user.overflow") - stat(before, "sluice.rate_limit.per-user.overflow")).toBeGreaterThan(0);
    expect(stat(s, "sluice.rate_limit.per-user.limited") - stat(before, "sluice.rate_limit.per-user.limited")).toBe(0);
    console.log(`spray in Envoy: ${sprayed} fresh keys in ${SECONDS} s (${Math.round(sprayed / SECONDS)}/s), ` +
      `overflow ${stat(s, "sluice.rate_limit.per-user.overflow") - stat(before, "sluice.rate_limit.per-user.overflow")}, ` +
      `evicted ${stat(s, "sluice.rate_limit.per-user.evicted") - stat(before, "sluice.rate_limit.per-user.evicted")}`);
    expectNoWasmErrors(stack.envoy);
  }, 60_000);
});
