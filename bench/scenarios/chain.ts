// The chain of all four filters as examples/sluice.yaml configures them, in its order
// (spiffe-rbac, rate-limit, traffic-colour, circuit-breaker).
import { join } from "node:path";
import { loadConfig } from "../../cli/config.js";
import { plainRequest, type Scenario } from "../scenario.js";
import type { RequestSpec } from "../../host-sim/src/index.js";

const EXAMPLE = join(import.meta.dirname, "../../examples/sluice.yaml");
const USERS = 1000;

/** plainRequest() from user `user` (its x-user-id). */
function userRequest(user: string): RequestSpec {
  const spec = plainRequest();
  return { ...spec, headers: (spec.headers as [string, string][]).map(([k, v]): [string, string] => [k, k === "x-user-id" ? user : v]) };
}

export const chain: Scenario = {
  name: "chain/sluice-yaml",
  filter: "chain",
  config: EXAMPLE,
  plugins: loadConfig(EXAMPLE).filters.map((f) => ({ filter: f.id, config: f.config })),
  // 1000 users taking turns at 1000 requests per second: 1 request per user per second, within
  // the example's 5 per second, so every request goes through the whole chain.
  request: (i) => userRequest(`user-${i % USERS}`),
  advanceMs: 1,
  // spiffe-rbac 2: identity, :path (for the DENY policy on /admin*); rate-limit 7: key, clock,
  // bucket read and write, 3 draft03 headers; traffic-colour 6: colour header, x-env, x-user-id,
  // colour header set, clear_route_cache, the response's colour header; circuit-breaker 6: key
  // header, record read, content-type, :status, clock, record write
  budget: { hostCallsPerRequest: 21, instructions: 30_000 },
};
