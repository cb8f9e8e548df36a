// Every benchmark scenario. The no-op baseline is measured alongside them.
import { scenarios as circuitBreaker } from "../../filters/circuit-breaker/test/bench-scenarios.js";
import { scenarios as rateLimit } from "../../filters/rate-limit/test/bench-scenarios.js";
import { scenarios as spiffeRbac } from "../../filters/spiffe-rbac/test/bench-scenarios.js";
import { scenarios as trafficColour } from "../../filters/traffic-colour/test/bench-scenarios.js";
import type { Scenario } from "../scenario.js";
import { plainRequest } from "../scenario.js";
import { bundle } from "./bundle.js";
import { chain } from "./chain.js";
import { sharedBundle, sharedChain } from "./shared-reads.js";

/** The no-op filter (bench/noop.ts): the dispatch layer alone. */
export const NOOP: Scenario = {
  name: "noop/request",
  filter: "noop",
  config: "",
  request: () => plainRequest(),
  budget: { hostCallsPerRequest: 0, instructions: 1_300 },
};

export const SCENARIOS: Scenario[] = [...rateLimit, ...circuitBreaker, ...trafficColour, ...spiffeRbac, chain, bundle, sharedChain, sharedBundle];
