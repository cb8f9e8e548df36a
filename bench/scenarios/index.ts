// Every benchmark scenario. The no-op baseline is measured alongside each filter.
import type { Scenario } from "../scenario.js";
import { plainRequest } from "../scenario.js";

/** The no-op filter (bench/noop.ts): the dispatch layer alone. */
export const NOOP: Scenario = {
  name: "noop/request",
  filter: "noop",
  config: "",
  request: () => plainRequest(),
  budget: { hostCallsPerRequest: 0 },
};

export const SCENARIOS: Scenario[] = [];
