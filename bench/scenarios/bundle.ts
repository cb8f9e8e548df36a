// The example chain (bench/scenarios/chain.ts) as one module: build/sluice.wasm configured with
// examples/sluice.yaml's filters list, driven by the same requests.
import type { Scenario } from "../scenario.js";
import { chain } from "./chain.js";

export const bundle: Scenario = {
  ...chain,
  name: "bundle/sluice-yaml",
  filter: "sluice",
  config: { filters: (chain.plugins ?? []).map((p) => ({ id: p.filter, config: p.config })) },
  plugins: undefined,
  // the chain's less the 2 the bundle reads once in the request hook (filters/shared/hook-reads.ts):
  // traffic-colour's x-user-id (rate-limit read it) and circuit-breaker's colour header (the
  // value traffic-colour wrote); filters/sluice/test/equivalence.test.ts checks it per request
  budget: { ...chain.budget, hostCallsPerRequest: chain.budget.hostCallsPerRequest - 2 },
};
