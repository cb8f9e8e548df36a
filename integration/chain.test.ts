// The whole chain of examples/sluice.yaml in a real Envoy: spiffe-rbac -> rate-limit ->
// traffic-colour -> circuit-breaker, upstreams api-stable and api-canary; as four modules
// (envoy/chain/envoy.yaml) and as one, the bundle (envoy/bundle/envoy.yaml: build/sluice.wasm).
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { bootstrapPath, loadBootstrap, wasmFilters } from "./support/bootstrap.js";
import { splitColour } from "./support/colour.js";
import { header, request, requestMany, statusCounts, type HttpResult } from "./support/http.js";
import { expectNoWasmErrors, expectValid, startStack, type Stack } from "./support/stack.js";
import { stat, waitForStats } from "./support/stats.js";
import { suiteRuntime } from "./support/suite.js";
import { FAIL_HEADER, parseEcho } from "./support/upstream.js";

const runtime = await suiteRuntime();

/** The bootstrap and the root ids of its Wasm filters. */
const SETUPS: [string, string[]][] = [
  ["chain", ["spiffe-rbac", "rate-limit", "traffic-colour", "circuit-breaker"]],
  ["bundle", ["sluice"]],
];

describe.skipIf(!runtime.available).each(SETUPS)("the examples/sluice.yaml chain in Envoy (envoy/%s)", (name, rootIds) => {
  let stack: Stack;
  const get = (path: string, headers: Record<string, string> = {}): Promise<HttpResult> => request(`${stack.envoy.url}${path}`, { headers });
  const expectedColour = (user: string): string =>
    splitColour("canary-10pct", user, [{ colour: "canary", basis_points: 1000 }]) ?? "stable";

  beforeAll(async () => {
    const filters = wasmFilters(loadBootstrap(bootstrapPath(name)));
    expect(filters.map((f) => f.rootId)).toEqual(rootIds);
    stack = await startStack({ name });
  });
  afterAll(async () => {
    await stack?.stop();
  });

  it("envoy --mode validate accepts the bootstrap", async () => {
    await expectValid(stack);
  });

  it("colours, routes and rate-limits a user's requests", async () => {
    const users = Array.from({ length: 40 }, (_, i) => `chain-${i}`);
    const canaryUser = users.find((u) => expectedColour(u) === "canary");
    expect(canaryUser, "some of 40 users fall in the 10% split").toBeDefined();
    for (const user of [users.find((u) => expectedColour(u) === "stable")!, canaryUser!]) {
      const res = await get("/api/x", { "x-user-id": user });
      expect(res.status).toBe(200);
      const colour = expectedColour(user);
      expect(header(res, "x-sluice-colour")).toBe(colour);
      expect(parseEcho(res)?.hostname).toBe(`api-${colour}`);
      expect(header(res, "x-ratelimit-limit")).toBe("5, 5;w=1");
      expect(header(res, "x-ratelimit-remaining")).toBe("4");
    }
  });

  it("limits a user to 5 requests per second (the README's 200 200 200 200 200 429)", async () => {
    const user = `burst-${Date.now()}`;
    const codes: number[] = [];
    for (let i = 0; i < 6; i++) codes.push((await get("/api/x", { "x-user-id": user })).status);
    expect(codes).toEqual([200, 200, 200, 200, 200, 429]);
  });

  it("sends x-env: canary to the canary upstream", async () => {
    const res = await get("/api/x", { "x-env": "canary" });
    expect(header(res, "x-sluice-colour")).toBe("canary");
    expect(parseEcho(res)?.hostname).toBe("api-canary");
  });

  it("denies /admin to callers without the ops identity before rate-limit counts them", async () => {
    const user = `admin-${Date.now()}`;
    const denied = await requestMany(10, 10, () => get("/admin", { "x-user-id": user }));
    expect(statusCounts(denied)).toEqual({ 403: 10 });
    expect(denied[0].body).toBe("RBAC: access denied");
    expect(header(denied[0], "x-sluice-rbac")).toBe("denied_by_policy; policy=admin-only-ops");
    // rbac runs first: the user's bucket is still full
    const res = await get("/api/x", { "x-user-id": user });
    expect(res.status).toBe(200);
    expect(header(res, "x-ratelimit-remaining")).toBe("4");
  });

  it("opens the canary circuit on canary failures while stable keeps serving", async () => {
    for (let i = 0; i < 3; i++) {
      const r = await get("/api/x", { "x-env": "canary", [FAIL_HEADER]: "503" });
      expect(r.status).toBe(503);
      expect(parseEcho(r)?.hostname).toBe("api-canary");
    }
    const open = await get("/api/x", { "x-env": "canary" });
    expect(open.status).toBe(503);
    expect(open.body).toBe("circuit open\n");
    expect(header(open, "x-sluice-circuit")).toBe('api; key="canary"; state=open');
    const stable = await get("/api/x");
    expect(stable.status).toBe(200);
    expect(parseEcho(stable)?.hostname).toBe("api-stable");
    // a forged colour is replaced by traffic-colour, and circuit-breaker keys on what it wrote
    // (the bundle hands it the written value): the stable circuit, not the open canary one
    const forged = await get("/api/x", { "x-sluice-colour": "canary" });
    expect(forged.status).toBe(200);
    expect(header(forged, "x-sluice-colour")).toBe("stable");
    expect(parseEcho(forged)?.hostname).toBe("api-stable");
    expect(parseEcho(forged)?.headers["x-sluice-colour"]).toBe("stable");
  });

  it("shows every filter's counters in /stats and logged no Wasm error", async () => {
    const s = await waitForStats(
      stack.envoy.adminUrl,
      (x) => stat(x, "sluice.spiffe_rbac.denied") >= 10 && stat(x, "sluice.rate_limit.per-user.limited") >= 1 && stat(x, "sluice.circuit_breaker.api.rejected") >= 1,
    );
    expect(stat(s, "sluice.spiffe_rbac.policy.admin-only-ops.matched")).toBeGreaterThanOrEqual(10);
    expect(stat(s, "sluice.traffic_colour.canary.requests")).toBeGreaterThanOrEqual(6);
    expect(stat(s, "sluice.traffic_colour.stable.requests")).toBeGreaterThanOrEqual(2);
    expect(stat(s, "sluice.circuit_breaker.api.opened")).toBe(1);
    expectNoWasmErrors(stack.envoy);
  });
});
