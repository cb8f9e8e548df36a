// Benchmark scenarios for traffic-colour (bench/scenario.ts shape): the paths a mesh edge sees,
// each with the host calls its logic needs.
import { plainRequest, SOAK_REQUESTS, withHeaders, type Scenario } from "../../../bench/scenario.js";

const COLOURS = ["stable", "canary", "v2.1"];
const RELEASE_RULE = { name: "release", colour: "v2.1", match: { source: "header", name: "x-release", op: "equals", value: "v2.1" } };

export const scenarios: Scenario[] = [
  {
    // colour header read, x-release read; nothing to write
    name: "traffic-colour/no-match",
    filter: "traffic-colour",
    config: { colours: COLOURS, rules: [RELEASE_RULE] },
    request: () => plainRequest(),
    budget: { hostCallsPerRequest: 2 },
  },
  {
    // colour header read, x-release read, colour header set, clear_route_cache
    name: "traffic-colour/header-rule",
    filter: "traffic-colour",
    config: { colours: COLOURS, rules: [RELEASE_RULE] },
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
    soak: SOAK_REQUESTS,
  },
  {
    // Half the requests are new visitors (a draw from the VM's generator, seeded once, and
    // Set-Cookie on the response), half return with the cookie. New: colour header read, cookie
    // read, colour header set, clear_route_cache, Set-Cookie.
    name: "traffic-colour/random-split-sticky",
    filter: "traffic-colour",
    config: {
      colours: COLOURS,
      default_colour: "stable",
      rules: [{ name: "canary", split: { weights: [{ colour: "canary", basis_points: 1000 }], sticky: { cookie: "sluice-colour" } } }],
    },
    request: (i) => (i % 2 === 0 ? plainRequest() : withHeaders([["cookie", "theme=dark; sluice-colour=canary"]])),
    budget: { hostCallsPerRequest: 5 },
  },
  {
    // colour header read (forged), x-release read, colour header removed, clear_route_cache
    name: "traffic-colour/forged-header-stripped",
    filter: "traffic-colour",
    config: { colours: COLOURS, rules: [RELEASE_RULE] },
    request: () => withHeaders([["x-sluice-colour", "canary"]]),
    budget: { hostCallsPerRequest: 4 },
  },
  {
    // both colour header values read as one, colour header replaced whole (the default colour),
    // clear_route_cache
    name: "traffic-colour/duplicate-headers-replaced",
    filter: "traffic-colour",
    config: { colours: COLOURS, default_colour: "stable" },
    request: () => withHeaders([["x-sluice-colour", "stable"], ["x-sluice-colour", "canary"]]),
    budget: { hostCallsPerRequest: 3 },
  },
  {
    // colour header read, baggage read, colour header set, baggage set, clear_route_cache
    name: "traffic-colour/baggage-rewritten",
    filter: "traffic-colour",
    config: { colours: COLOURS, default_colour: "stable", baggage_key: "sluice.colour" },
    request: () => withHeaders([["x-sluice-colour", "canary"], ["baggage", "userId=alice,sluice.colour=canary"]]),
    budget: { hostCallsPerRequest: 5 },
  },
];
