// The chain of all four filters as examples/sluice.yaml configures them, in its order
// (spiffe-rbac, rate-limit, traffic-colour, circuit-breaker).
import { join } from "node:path";
import { loadConfig } from "../../cli/config.js";
import { withHeaders, type Scenario } from "../scenario.js";

const EXAMPLE = join(import.meta.dirname, "../../examples/sluice.yaml");
const USERS = 1000;

export const chain: Scenario = {
  name: "chain/sluice-yaml",
  filter: "chain",
  config: EXAMPLE,
  plugins: loadConfig(EXAMPLE).filters.map((f) => ({ filter: f.id, config: f.config })),
  // 1000 users taking turns at 1000 requests per second: 1 request per user per second, within
  // the example's 5 per second, so every request goes through the whole chain.
  request: (i) => withHeaders([["x-user-id", `user-${i % USERS}`]]),
  advanceMs: 1,
  // spiffe-rbac: identity, :path; rate-limit: key, clock, bucket read and write, 3 draft03
  // headers; traffic-colour: colour header, x-env, colour header set, clear_route_cache;
  // circuit-breaker: key header, record read, :status, record write
  budget: { hostCallsPerRequest: 17, instructions: 30_000 },
};
