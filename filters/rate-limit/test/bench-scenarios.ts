// Benchmark scenarios of the rate-limit filter (bench/scenario.ts shape).
import { plainRequest, type Scenario } from "../../../bench/scenario.js";

const RULE = { name: "api", limits: [{ requests: 1_000_000_000, per: "1s" }] };

export const scenarios: Scenario[] = [
  {
    name: "rate-limit/allowed",
    filter: "rate-limit",
    config: { rules: [RULE] },
    request: () => plainRequest(),
    budget: { hostCallsPerRequest: 3 },
  },
  {
    name: "rate-limit/allowed-per-user",
    filter: "rate-limit",
    config: { rules: [{ ...RULE, key: [{ source: "header", name: "x-user-id" }] }] },
    request: () => plainRequest(),
    budget: { hostCallsPerRequest: 4 },
  },
  {
    name: "rate-limit/many-clients",
    filter: "rate-limit",
    workers: 2,
    config: { rules: [{ ...RULE, key: [{ source: "client_ip", trusted_hops: 1 }], max_keys: 4096 }] },
    request: (i) => {
      const r = plainRequest();
      (r.headers as [string, string][]).push(["x-forwarded-for", `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`]);
      return r;
    },
    // Not the hot path: 100,000 clients over 4096 slots, so most requests find their slot owned
    // by another key or absent. Taking a slot over or creating a bucket safely costs one more
    // get + set (an absent key cannot be created atomically: the host ignores the CAS there, so
    // the bucket is written full and then drawn from by CAS).
    budget: { hostCallsPerRequest: 6 },
  },
];
