// rate-limit in a real Envoy (4 workers) under key spraying: a client sending a fresh x-user-id
// with every request, as fast as the test can (held below max_keys a second for the large table), while a well-behaved user sends 2 requests a second
// against her limit of 5. With a small per-user table (max_keys 16: one set of 16 slots) the
// sprayer fills it many times over; the user never gets a 429 she did not earn, and the sprayer's
// keys that find no free slot are counted as overflow (policy allow, the default). With max_keys
// 4096 (2048 sets placed by the process's seed) the sprayer's live keys (one `per`'s worth, a few
// thousand at most) fit: no key overflows, every one is decided by its own bucket.
// Config: envoy/rate-limit/envoy.yaml with its listeners moved into LDS and max_keys set per case.
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
  let base: Obj;

  beforeAll(async () => {
    base = filterConfig(loadBootstrap(bootstrapPath("rate-limit")), "rate-limit") as Obj;
    stack = await startStack({ name: "rate-limit", dynamicListeners: true });
  });
  afterAll(async () => {
    await stack?.stop();
  });

  it.each([
    [16, "fills the table: sprayed keys overflow"],
    [4096, "holds every live key: none overflows"],
  ])(`costs a user sending 2/s against 5/s no 429 while a sprayer sends fresh keys for ${SECONDS} s (max_keys %i %s)`, async (maxKeys) => {
    const rules = (base.rules as Obj[]).map((r) => (r.name === "per-user" ? { ...r, max_keys: maxKeys } : r));
    await stack.reconfigure((listeners) => withFilterConfig(listeners, "rate-limit", { ...base, rules }));
    const before = await fetchStats(stack.envoy.adminUrl);
    const workersBefore = connectionsPerWorker(await fetchStats(stack.envoy.adminUrl, WORKER_STATS_FILTER), stack.envoy.listenerPort(10000));
    const end = Date.now() + SECONDS * 1000;
    let sprayed = 0;
    // With the large table the sprayers are held to 3/4 of max_keys fresh keys a second, so the
    // premise (at most max_keys live keys) holds however fast this machine and the filter are.
    const perSecond = maxKeys <= 16 ? Infinity : Math.floor((maxKeys * 3) / 4);
    const start = Date.now();
    const spray = async (): Promise<void> => {
      while (Date.now() < end) {
        if (sprayed >= perSecond * ((Date.now() - start) / 1000 + 1)) await sleep(5);
        else await request(`${stack.envoy.url}/api/x`, { headers: { "x-user-id": `spray-${sprayed++}` } });
      }
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
    const overflow = stat(s, "sluice.rate_limit.per-user.overflow") - stat(before, "sluice.rate_limit.per-user.overflow");
    if (maxKeys <= 16) expect(overflow).toBeGreaterThan(0);
    else {
      expect(sprayed).toBeLessThan(maxKeys * SECONDS); // the premise: about max_keys live keys or fewer
      expect(overflow).toBe(0);
    }
    expect(stat(s, "sluice.rate_limit.per-user.limited") - stat(before, "sluice.rate_limit.per-user.limited")).toBe(0);
    console.log(`spray in Envoy, max_keys ${maxKeys}: ${sprayed} fresh keys in ${SECONDS} s (${Math.round(sprayed / SECONDS)}/s), ` +
      `overflow ${stat(s, "sluice.rate_limit.per-user.overflow") - stat(before, "sluice.rate_limit.per-user.overflow")}, ` +
      `evicted ${stat(s, "sluice.rate_limit.per-user.evicted") - stat(before, "sluice.rate_limit.per-user.evicted")}`);
    expectNoWasmErrors(stack.envoy);
  }, 60_000);
});
