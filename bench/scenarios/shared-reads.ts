// A chain whose filters read the same request values (bench/scenarios/chain.ts is the example
// chain): spiffe-rbac and traffic-colour the peer's SPIFFE ID, rate-limit and traffic-colour
// x-user-id, circuit-breaker the colour header traffic-colour writes, rate-limit and
// circuit-breaker the clock. As four modules each filter reads them itself; the bundle reads each
// once per hook (filters/shared/hook-reads.ts).
import type { RequestSpec } from "../../host-sim/src/index.js";
import { plainRequest, type ChainPlugin, type Scenario } from "../scenario.js";

const CALLER = "spiffe://example.org/ns/shop/sa/web";
const USERS = 1000;

const PLUGINS: ChainPlugin[] = [
  { filter: "spiffe-rbac", config: { policies: [{ name: "shop-only", action: "ALLOW", from: { principals: [CALLER] } }] } },
  { filter: "rate-limit", config: { rules: [{ name: "per-user", key: [{ source: "header", name: "x-user-id" }], limits: [{ requests: 5, per: "1s" }] }] } },
  {
    filter: "traffic-colour",
    config: {
      colours: ["stable", "canary"], default_colour: "stable",
      rules: [
        { name: "ops", colour: "canary", match: { source: "peer_id", op: "equals", value: "spiffe://example.org/ns/ops/sa/admin" } },
        { name: "canary-10pct", split: { key: { source: "header", name: "x-user-id" }, weights: [{ colour: "canary", basis_points: 1000 }] } },
      ],
    },
  },
  { filter: "circuit-breaker", config: { circuits: [{ name: "api", key: { source: "colour" }, max_keys: 4, consecutive_failures: 3, slow_call: "2s" }] } },
];

/** User `user`'s request from the shop's workload (its SPIFFE ID on the connection). */
function userRequest(user: string): RequestSpec {
  const spec = plainRequest();
  return {
    ...spec,
    headers: (spec.headers as [string, string][]).map(([k, v]): [string, string] => [k, k === "x-user-id" ? user : v]),
    properties: { ...spec.properties, "connection.uri_san_peer_certificate": CALLER, "connection.mtls": true },
  };
}

export const sharedChain: Scenario = {
  name: "chain/shared-reads",
  filter: "chain",
  config: "shared-reads",
  plugins: PLUGINS,
  // 1000 users taking turns, 1 request per user per second: every request passes every filter
  request: (i) => userRequest(`user-${i % USERS}`),
  advanceMs: 1,
  // spiffe-rbac 1: identity; rate-limit 4: key, clock, bucket read and write; traffic-colour 5:
  // colour header (as a property: every value), identity, x-user-id, colour header set,
  // clear_route_cache; circuit-breaker 7: key header, record read, clock (slow-call start),
  // content-type, :status, clock, record write
  budget: { hostCallsPerRequest: 17, instructions: 30_000 },
};

export const sharedBundle: Scenario = {
  ...sharedChain,
  name: "bundle/shared-reads",
  filter: "sluice",
  config: { filters: PLUGINS.map((p) => ({ id: p.filter, config: p.config })) },
  plugins: undefined,
  // the chain's less what the bundle reads once in the request hook: traffic-colour's identity
  // and x-user-id, circuit-breaker's colour header (traffic-colour's write) and clock
  budget: { hostCallsPerRequest: 13, instructions: 30_000 },
};
