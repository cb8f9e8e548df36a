// A configuration update while Envoy runs: the listeners come from a watched LDS file, the test
// rewrites the rate-limit filter's configuration in it, and Envoy starts a new plugin
// configuration in the VMs it already has. What the filter counted before the update survives it:
// a user's drained bucket (shared data, keyed by the rule's bucket fingerprint, which a new reply
// body does not change) and the counters (metrics, defined again under the same names).
// Config: envoy/rate-limit/envoy.yaml with its listeners moved into LDS.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { bootstrapPath, filterConfig, loadBootstrap, withFilterConfig, type Json } from "./support/bootstrap.js";
import { request, type HttpResult } from "./support/http.js";
import { expectNoWasmErrors, startStack, type Stack } from "./support/stack.js";
import { stat, waitForStats } from "./support/stats.js";
import { suiteRuntime } from "./support/suite.js";

const runtime = await suiteRuntime();

type Obj = { [key: string]: Json };

describe.skipIf(!runtime.available)("a configuration update in Envoy", () => {
  let stack: Stack;
  let base: Obj;
  const user = `reload-${Date.now()}`;
  const get = (): Promise<HttpResult> => request(`${stack.envoy.url}/api/x`, { headers: { "x-user-id": user } });
  /** The bootstrap's rate-limit configuration with the per-user rule at 3 per minute and this reply body. */
  const perMinute = (body: string): Obj => {
    const rules = (base.rules as Obj[]).map((r) => (r.name === "per-user" ? { ...r, limits: [{ requests: 3, per: "1m" }] } : r));
    return { ...base, rules, reply: { ...(base.reply as Obj), body } };
  };

  beforeAll(async () => {
    base = filterConfig(loadBootstrap(bootstrapPath("rate-limit")), "rate-limit");
    stack = await startStack({ name: "rate-limit", dynamicListeners: true });
  });
  afterAll(async () => {
    await stack?.stop();
  });

  it("applies a new limit from an updated listener", async () => {
    await stack.reconfigure((listeners) => withFilterConfig(listeners, "rate-limit", perMinute("slow down\n")));
    const codes: number[] = [];
    for (let i = 0; i < 4; i++) codes.push((await get()).status);
    expect(codes).toEqual([200, 200, 200, 429]);
  });

  it("keeps the drained bucket and the counters across the next update", async () => {
    const before = await waitForStats(stack.envoy.adminUrl, (s) => stat(s, "sluice.rate_limit.per-user.limited") >= 1);
    await stack.reconfigure((listeners) => withFilterConfig(listeners, "rate-limit", perMinute("calm down\n")));
    const limited = await get();
    expect(limited.status).toBe(429);
    expect(limited.body).toBe("calm down\n");
    const other = await request(`${stack.envoy.url}/api/x`, { headers: { "x-user-id": `${user}-other` } });
    expect(other.status).toBe(200);
    await waitForStats(
      stack.envoy.adminUrl,
      (s) =>
        stat(s, "sluice.rate_limit.per-user.limited") === stat(before, "sluice.rate_limit.per-user.limited") + 1 &&
        stat(s, "sluice.rate_limit.per-user.allowed") === stat(before, "sluice.rate_limit.per-user.allowed") + 1,
    );
    expectNoWasmErrors(stack.envoy);
  });
});
