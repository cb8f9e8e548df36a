// Benchmark scenarios (bench/scenario.ts shape): the closed-state request path, where every
// request pays for the circuit, relative to the no-op filter.
import type { Scenario } from "../../../bench/scenario.js";
import { plainRequest } from "../../../bench/scenario.js";

const FILTER = "circuit-breaker";

export const scenarios: Scenario[] = [
  {
    name: "circuit-breaker/closed-count-window",
    filter: FILTER,
    config: { circuits: [{ name: "api", failure_rate: 0.5, consecutive_failures: 10, window: { type: "count", size: 100 } }] },
    workers: 1,
    request: () => plainRequest(),
    // record read, content-type, :status, record write (the read's copy stands in for a second read)
    budget: { hostCallsPerRequest: 4 },
  },
  {
    name: "circuit-breaker/closed-time-window-per-colour",
    filter: FILTER,
    config: {
      circuits: [{
        name: "api", failure_rate: 0.5, slow_call: "300ms", slow_call_rate: 0.8,
        window: { type: "time", duration: "10s", buckets: 10 }, key: { source: "header", name: "x-colour" }, max_keys: 4,
      }],
    },
    workers: 1,
    request: (i) => {
      const r = plainRequest();
      return { ...r, headers: [...(r.headers as [string, string][]), ["x-colour", i % 2 === 0 ? "stable" : "canary"]] };
    },
    // + key header, start time, end time
    budget: { hostCallsPerRequest: 7 },
  },
];
