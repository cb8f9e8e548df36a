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
  // the chain's host calls exactly (filters/sluice/test/equivalence.test.ts proves it per request)
  budget: chain.budget,
};
