// Benchmark scenarios for traffic-colour (bench/scenario.ts shape): the common paths a mesh
// edge sees, each with its host-call budget per request.
import type { Scenario } from "../../../bench/scenario.js";
import { plainRequest } from "../../../bench/scenario.js";

const COLOURS = ["stable", "canary", "v2.1"];

/** plainRequest with extra request headers. */
function withHeaders(extra: [string, string][], path?: string) {
  const spec = plainRequest(path);
  return { ...spec, headers: [...(spec.headers as [string, string][]), ...extra] };
}

export const scenarios: Scenario[] = [
  {
    // colour header read, x-release read, colour header set, clear_route_cache
    name: "traffic-colour/header-rule",
    filter: "traffic-colour",
    config: {
      colours: COLOURS,
      rules: [{ name: "release", colour: "v2.1", match: { op: "all", conditions: [{ source: "header", name: "x-release", op: "equals", value: "v2.1" }] } }],
    },
    request: () => withHeaders([["x-release", "v2.1"]]),
    budget: { hostCallsPerRequest: 4 },
  },
  {
    // colour header read, x-user-id read, colour header set, clear_route_cache
    name: "traffic-colour/keyed-split",
    filter: "traffic-colour",
    config: {
      colours: COLOURS,
      default_colour: "stable",
      rules: [{ name: "canary", split: { key: { source: "header", name: "x-user-id" }, weights: [{ colour: "canary", basis_points: 500 }] } }],
    },
    request: (i) => withHeaders([["x-user-id", `user-${i}`]]),
    budget: { hostCallsPerRequest: 4 },
  },
  {
    // colour header read, baggage read, colour header set, baggage set, clear_route_cache
    name: "traffic-colour/strip-forged-with-baggage",
    filter: "traffic-colour",
    config: { colours: COLOURS, default_colour: "stable", baggage_key: "sluice.colour" },
    request: () => withHeaders([["x-sluice-colour", "canary"], ["baggage", "userId=alice,sluice.colour=canary"]]),
    budget: { hostCallsPerRequest: 5 },
  },
  {
    // colour header read, x-release read; nothing to write
    name: "traffic-colour/no-match",
    filter: "traffic-colour",
    config: {
      colours: COLOURS,
      rules: [{ name: "release", colour: "v2.1", match: { op: "all", conditions: [{ source: "header", name: "x-release", op: "equals", value: "v2.1" }] } }],
    },
    request: () => plainRequest(),
    budget: { hostCallsPerRequest: 2 },
  },
];
