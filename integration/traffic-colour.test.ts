// traffic-colour in a real Envoy: the colour the filter picks decides the upstream Envoy routes to
// (v1 -> upstream-v1, v2 -> upstream-v2, after the filter's clear_route_cache), a colour forged by
// the client is stripped, and the 20% keyed split sends exactly the predicted users to v2.
// Config: envoy/traffic-colour/envoy.yaml.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { bootstrapPath, filterConfig, loadBootstrap } from "./support/bootstrap.js";
import { splitColour } from "./support/colour.js";
import { header, request, requestMany } from "./support/http.js";
import { expectNoWasmErrors, expectValid, startStack, type Stack } from "./support/stack.js";
import { fetchStats, stat, waitForStats } from "./support/stats.js";
import { suiteRuntime } from "./support/suite.js";
import { parseEcho } from "./support/upstream.js";

const runtime = await suiteRuntime();

const UPSTREAM = { v1: "upstream-v1", v2: "upstream-v2" } as const;

describe.skipIf(!runtime.available)("traffic-colour in Envoy", () => {
  let config: ReturnType<typeof filterConfig>;
  let stack: Stack;

  async function colourOf(headers: Record<string, string>): Promise<{ colour: string; upstream: string; seen: string }> {
    const res = await request(`${stack.envoy.url}/catalog`, { headers });
    expect(res.status).toBe(200);
    const echo = parseEcho(res);
    expect(echo, res.body).toBeDefined();
    return { colour: header(res, "x-sluice-colour") ?? "", upstream: echo!.hostname, seen: echo!.headers["x-sluice-colour"] ?? "" };
  }

  beforeAll(async () => {
    config = filterConfig(loadBootstrap(bootstrapPath("traffic-colour")), "traffic-colour");
    expect(config.colours).toEqual(["v1", "v2"]);
    expect(config.default_colour).toBe("v1");
    stack = await startStack({ name: "traffic-colour" });
  });
  afterAll(async () => {
    await stack?.stop();
  });

  it("envoy --mode validate accepts envoy/traffic-colour/envoy.yaml", async () => {
    await expectValid(stack);
  });

  it("sends requests without a rule match to v1 (default colour)", async () => {
    expect(await colourOf({})).toEqual({ colour: "v1", upstream: UPSTREAM.v1, seen: "v1" });
  });

  it("sends opted-in requests (x-env: canary) to v2", async () => {
    expect(await colourOf({ "x-env": "canary" })).toEqual({ colour: "v2", upstream: UPSTREAM.v2, seen: "v2" });
  });

  it("strips a colour forged by the client", async () => {
    const before = await fetchStats(stack.envoy.adminUrl);
    expect(await colourOf({ "x-sluice-colour": "v2" })).toEqual({ colour: "v1", upstream: UPSTREAM.v1, seen: "v1" });
    expect(await colourOf({ "x-sluice-colour": "nonsense" })).toEqual({ colour: "v1", upstream: UPSTREAM.v1, seen: "v1" });
    await waitForStats(
      stack.envoy.adminUrl,
      (s) => stat(s, "sluice.traffic_colour.untrusted_stripped") - stat(before, "sluice.traffic_colour.untrusted_stripped") === 2,
    );
  });

  it.each([
    ["the decided colour first", [["x-sluice-colour", "v1"], ["x-sluice-colour", "v2"]], {}, "v1"],
    ["the decided colour second", [["x-sluice-colour", "v2"], ["x-sluice-colour", "v1"]], {}, "v1"],
    ["an opted-in request with v2 first", [["x-sluice-colour", "v2"], ["x-sluice-colour", "v1"]], { "x-env": "canary" }, "v2"],
  ] as [string, [string, string][], Record<string, string>, "v1" | "v2"][])(
    "sends forged duplicate colour headers (%s) upstream as exactly one value", async (_name, forged, extra, colour) => {
      const res = await request(`${stack.envoy.url}/catalog`, { headers: [...forged, ...Object.entries(extra)] });
      expect(res.status).toBe(200);
      const echo = parseEcho(res)!;
      expect(echo.headerValues!.filter(([name]) => name.toLowerCase() === "x-sluice-colour").map(([, v]) => v)).toEqual([colour]);
      expect(echo.hostname).toBe(UPSTREAM[colour]);
    });

  it("splits users by the documented hash: each user reaches the predicted upstream, on every worker", async () => {
    const rule = (config.rules as Array<{ name: string; split?: { weights: Array<{ colour: string; basis_points: number }>; salt?: string } }>)
      .find((r) => r.split !== undefined)!;
    const salt = rule.split!.salt ?? rule.name;
    const users = Array.from({ length: 200 }, (_, i) => `user-${i}`);
    const results = await requestMany(users.length, 16, (i) => request(`${stack.envoy.url}/catalog`, { headers: { "x-user-id": users[i] } }));
    let v2 = 0;
    results.forEach((res, i) => {
      const expected = splitColour(salt, users[i], rule.split!.weights) ?? "v1";
      if (expected === "v2") v2++;
      expect(header(res, "x-sluice-colour"), users[i]).toBe(expected);
      expect(parseEcho(res)?.hostname, users[i]).toBe(UPSTREAM[expected as "v1" | "v2"]);
    });
    expect(v2).toBeGreaterThan(20); // about 20% of 200
    expect(v2).toBeLessThan(60);
  });

  it("shows its counters in /stats and logged no Wasm error", async () => {
    const s = await waitForStats(stack.envoy.adminUrl, (x) => stat(x, "sluice.traffic_colour.v1.requests") + stat(x, "sluice.traffic_colour.v2.requests") >= 207);
    expect(stat(s, "sluice.traffic_colour.v2.requests")).toBeGreaterThan(20);
    expect(s.has("sluice.traffic_colour.invalid")).toBe(true);
    expectNoWasmErrors(stack.envoy);
  });
});
