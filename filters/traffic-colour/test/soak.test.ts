import { describe, expect, it } from "vitest";
import { drive, startProxy } from "../../../bench/setup.js";
import { soak, soakStreams } from "../../../bench/soak.js";
import { scenarios } from "./bench-scenarios.js";
import { colourProxy } from "./load.js";

// 100,000 requests in npm test; npm run test:soak runs 1,000,000 (about 55 s on one core).
const SOAK_REQUESTS = soakStreams();

describe("traffic-colour › cost and memory", () => {
  it.each(scenarios.map((s) => [s.name, s] as const))("%s stays within its host-call budget", async (_name, scenario) => {
    const proxy = await startProxy(scenario);
    const calls = Array.from({ length: 50 }, (_, i) => drive(proxy, scenario, i).hostCalls);
    expect(Math.max(...calls)).toBe(scenario.budget.hostCallsPerRequest);
  });

  it(`keeps memory flat over ${SOAK_REQUESTS.toLocaleString("en")} requests`, async () => {
    const proxy = await colourProxy({
      colours: ["stable", "canary", "v2.1"],
      default_colour: "stable",
      baggage_key: "sluice.colour",
      response_header: "x-sluice-colour",
      rules: [
        { name: "release", colour: "v2.1", match: { op: "any", conditions: [{ source: "header", name: "x-release", op: "equals", value: "v2.1" }, { source: "query", name: "version", op: "equals", value: "v2.1" }] } },
        { name: "users", split: { key: { source: "header", name: "x-user-id" }, weights: [{ colour: "canary", basis_points: 500 }] } },
        { name: "anonymous", split: { weights: [{ colour: "canary", basis_points: 100 }], sticky: { cookie: "sc" } } },
      ],
    });
    const request = (i: number) => {
      const headers: [string, string][] = [[":method", "GET"], [":path", i % 7 === 0 ? "/p?version=v2.1" : "/p"], [":authority", "shop.example"]];
      if (i % 3 === 0) headers.push(["x-user-id", `user-${i}`]);
      if (i % 5 === 0) headers.push(["baggage", `trace=${i},sluice.colour=canary`]);
      if (i % 11 === 0) headers.push(["x-sluice-colour", "forged"]);
      if (i % 13 === 0) headers.push(["cookie", "sc=canary"]);
      return { headers };
    };
    const result = soak(proxy, request, { warmup: 10_000, streams: SOAK_REQUESTS });
    expect(result.growthPages).toBe(0);
  }, 300_000);
});
