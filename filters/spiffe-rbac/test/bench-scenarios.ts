// Benchmark scenarios of the spiffe-rbac filter (bench/scenario.ts shape): allowed and denied
// callers, many policies, many callers, identities forwarded by a gateway, paths to normalize.
import { plainRequest, SOAK_REQUESTS, type Scenario } from "../../../bench/scenario.js";
import type { RequestSpec } from "../../../host-sim/src/index.js";

const CALLER = "spiffe://prod.example/ns/payments/sa/api";

/** plainRequest() from the mTLS peer `peer`. */
function fromPeer(peer: string, path = "/api/x"): RequestSpec {
  const r = plainRequest(path);
  r.properties = { ...r.properties, "connection.uri_san_peer_certificate": peer, "connection.mtls": true };
  return r;
}

const GATEWAY = "spiffe://prod.example/ns/istio-system/sa/gateway";

/** A trusted gateway forwarding CALLER in x-forwarded-client-cert `xfcc`: 2 host calls (the
 *  gateway's identity, the header). */
function xfccScenario(name: string, xfcc: string): Scenario {
  return {
    name,
    filter: "spiffe-rbac",
    config: { xfcc: { trusted_proxies: [GATEWAY] }, policies: [{ name: "payments", action: "ALLOW", from: { principals: [CALLER] } }] },
    request: () => {
      const r = fromPeer(GATEWAY);
      (r.headers as [string, string][]).push(["x-forwarded-client-cert", xfcc]);
      return r;
    },
    budget: { hostCallsPerRequest: 2 },
  };
}

/** 50 policies: 10 DENY on paths, 40 ALLOW on principal globs + methods + paths; the caller matches the last. */
const FIFTY_POLICIES = [
  ...Array.from({ length: 10 }, (_, i) => ({ name: `deny-${i}`, action: "DENY", to: { paths: [`/internal-${i}/*`] } })),
  ...Array.from({ length: 39 }, (_, i) => ({
    name: `allow-${i}`,
    action: "ALLOW",
    from: { principals: [`spiffe://prod.example/ns/team-${i}/sa/*`] },
    to: { methods: ["GET", "POST"], paths: [`/svc-${i}/{**}`] },
  })),
  { name: "payments", action: "ALLOW", from: { principals: ["spiffe://prod.example/ns/payments/sa/api-*", CALLER] }, to: { methods: ["GET"], paths: ["/api/*"] } },
];

export const scenarios: Scenario[] = [
  {
    name: "spiffe-rbac/one-principal",
    filter: "spiffe-rbac",
    config: { policies: [{ name: "payments", action: "ALLOW", from: { principals: [CALLER] } }] },
    request: () => fromPeer(CALLER),
    // the identity
    budget: { hostCallsPerRequest: 1 },
  },
  {
    name: "spiffe-rbac/fifty-policies",
    filter: "spiffe-rbac",
    config: { policies: FIFTY_POLICIES },
    request: () => fromPeer(CALLER),
    // identity, :path (DENY policies), :method
    budget: { hostCallsPerRequest: 3 },
  },
  {
    name: "spiffe-rbac/fifty-policies-denied",
    filter: "spiffe-rbac",
    config: { policies: FIFTY_POLICIES, decision_header: true },
    request: () => fromPeer("spiffe://prod.example/ns/other/sa/x"),
    // identity, :path (DENY policies), content-type, the 403 with the decision header
    budget: { hostCallsPerRequest: 4 },
  },
  {
    name: "spiffe-rbac/fifty-policies-new-callers",
    filter: "spiffe-rbac",
    config: { policies: FIFTY_POLICIES },
    // 1000 distinct callers in turn: every request misses the per-VM identity cache
    request: (i) => fromPeer(`spiffe://prod.example/ns/payments/sa/api-${i % 1000}`),
    budget: { hostCallsPerRequest: 3, instructions: 16_000 },
    soak: SOAK_REQUESTS,
  },
  // the gateway's identity, XFCC
  xfccScenario("spiffe-rbac/xfcc-gateway", `By=${GATEWAY};Hash=ab12;Subject="CN=api,O=prod";URI=${CALLER}`),
  {
    name: "spiffe-rbac/path-normalized",
    filter: "spiffe-rbac",
    config: { policies: [{ name: "admin", action: "DENY", to: { paths: ["/admin*"] } }, { name: "payments", action: "ALLOW", from: { principals: [CALLER] } }] },
    // decoded, merged and resolved to /api/orders/items before /admin* is checked, and forwarded
    // as /api/orders/items?page=2 (path_forwarding normalized)
    request: () => fromPeer(CALLER, "/api//v1/../%6Frders/./items?page=2"),
    // identity, :path, the canonical :path replacing the raw one
    budget: { hostCallsPerRequest: 3 },
  },
  {
    name: "spiffe-rbac/path-rejected",
    filter: "spiffe-rbac",
    config: { decision_header: true, policies: [{ name: "admin", action: "DENY", to: { paths: ["/admin*"] } }] },
    // an ambiguous path (encoded NUL after a dot segment): 400 before any policy runs
    request: () => fromPeer(CALLER, "/api/..;/admin%00.json"),
    // identity, :path, content-type, the 400
    budget: { hostCallsPerRequest: 4 },
  },
  {
    name: "spiffe-rbac/authority-normalized",
    filter: "spiffe-rbac",
    config: { policies: [{ name: "admin-host", action: "DENY", to: { hosts: ["admin.prod.example"] } }] },
    request: () => {
      const r = fromPeer(CALLER);
      r.headers = (r.headers as [string, string][]).map(([k, v]): [string, string] => [k, k === ":authority" ? "Shop.Prod.Example.:8443" : v]);
      return r;
    },
    // identity, :authority, the canonical :authority (shop.prod.example:8443) replacing the raw one
    budget: { hostCallsPerRequest: 3 },
  },
  xfccScenario("spiffe-rbac/xfcc-json-gateway", `[{"by":["${GATEWAY}"],"hash":"ab12","subject":"CN=api,O=prod","uri":["${CALLER}"],"issuer":"CN=ca,O=prod"}]`),
];
