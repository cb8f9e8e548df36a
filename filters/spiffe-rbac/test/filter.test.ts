import { describe, expect, it } from "vitest";
import { decisionHeader, send, start, status } from "./harness.js";

const USER = "spiffe://tencent.com/ns/prod/sa/user";
const API = "spiffe://prod.example/ns/web/sa/api-v2";
const GATEWAY = "spiffe://prod.example/ns/istio-system/sa/gateway";

const policy = (name: string, action: string, rest: Record<string, unknown> = {}) => ({ name, action, ...rest });

describe("payment team scenario: only the user service may GET or POST the payment service", () => {
  const config = {
    decision_header: true,
    policies: [policy("payment-user", "ALLOW", { from: { principals: [USER] }, to: { methods: ["GET", "POST"] } })],
  };

  it.each([
    ["the user service GETs", { peer: USER, method: "GET" }, 200],
    ["the user service POSTs", { peer: USER, method: "POST" }, 200],
    ["the user service DELETEs", { peer: USER, method: "DELETE" }, 403],
    ["another service account GETs", { peer: "spiffe://tencent.com/ns/prod/sa/admin", method: "GET" }, 403],
    ["the same account in another namespace GETs", { peer: "spiffe://tencent.com/ns/dev/sa/user", method: "GET" }, 403],
    ["the same path in another trust domain GETs", { peer: "spiffe://evil.com/ns/prod/sa/user", method: "GET" }, 403],
    ["a plaintext caller GETs", { method: "GET" }, 403],
    ["a look-alike with a trailing slash GETs", { peer: `${USER}/`, method: "GET" }, 403],
  ])("%s: %i", async (_name, call, expected) => {
    const proxy = await start(config);
    expect(status(send(proxy, call))).toBe(expected);
  });

  it("answers 403 with the default body, details and the decision header", async () => {
    const proxy = await start(config);
    const r = send(proxy, { peer: "spiffe://tencent.com/ns/prod/sa/admin" });
    expect(r.localResponse).toMatchObject({ status: 403, body: "RBAC: access denied", details: "rbac_access_denied" });
    expect(decisionHeader(r)).toBe("no_allow_match");
  });
});

describe("identity", () => {
  it("denies a malformed identity with invalid_identity and counts it", async () => {
    const proxy = await start({ decision_header: true, policies: [] });
    const r = send(proxy, { peer: "spiffe://td/ns/../sa/x" });
    expect(status(r)).toBe(403);
    expect(decisionHeader(r)).toBe("invalid_identity");
    proxy.advance(1000);
    expect(proxy.metric("sluice.spiffe_rbac.invalid_identity")).toBe(1);
  });

  it.each([
    ["uppercase trust domain", "spiffe://TD/x"],
    ["percent-encoding", "spiffe://td/%61"],
    ["query", "spiffe://td/x?y"],
    ["port", "spiffe://td:8443/x"],
    ["another scheme", "https://td/x"],
    ["2049 bytes", `spiffe://td/${"a".repeat(2037)}`],
  ])("never matches a %s identity, even against spiffe://*/**", async (_name, peer) => {
    const proxy = await start({ decision_header: true, policies: [policy("any", "ALLOW", { from: { principals: ["spiffe://*/**"] } })] });
    const r = send(proxy, { peer });
    expect(status(r)).toBe(403);
    expect(decisionHeader(r)).toBe("invalid_identity");
  });

  it("accepts exactly the SPIFFE characters, byte by byte, in the trust domain and the path", async () => {
    const proxy = await start({ policies: [policy("any", "ALLOW", { from: { principals: ["spiffe://*/**"] } })] });
    const tdChars = new Set("abcdefghijklmnopqrstuvwxyz0123456789.-_");
    const segmentChars = new Set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.-_");
    const request = (uri: number[]) => proxy.request({
      headers: { ":method": "GET", ":path": "/", ":authority": "svc" },
      properties: { "connection.uri_san_peer_certificate": Uint8Array.from(uri), "connection.mtls": true },
    });
    const bytes = (s: string) => Array.from(s, (c) => c.charCodeAt(0));
    for (let b = 0; b < 256; b++) {
      if (b === 0x2f) continue;
      const c = String.fromCharCode(b);
      const inTrustDomain = request([...bytes("spiffe://a"), b, ...bytes("b/x")]);
      expect(status(inTrustDomain), `trust domain byte 0x${b.toString(16)}`).toBe(tdChars.has(c) ? 200 : 403);
      const inPath = request([...bytes("spiffe://td/a"), b, ...bytes("b")]);
      expect(status(inPath), `path byte 0x${b.toString(16)}`).toBe(segmentChars.has(c) ? 200 : 403);
    }
  });

  it("lets an invalid identity through only a policy that allows unauthenticated callers", async () => {
    const proxy = await start({
      decision_header: true,
      policies: [
        policy("health", "ALLOW", { from: { unauthenticated: true }, to: { paths: ["/healthz"] } }),
        policy("anyone", "ALLOW", { to: { paths: ["/public*"] } }),
      ],
    });
    expect(status(send(proxy, { peer: "spiffe://td//x", path: "/healthz" }))).toBe(200);
    const r = send(proxy, { peer: "spiffe://td//x", path: "/public" });
    expect(decisionHeader(r)).toBe("invalid_identity");
  });

  it("treats a plaintext caller as unauthenticated, not invalid", async () => {
    const proxy = await start({ policies: [policy("anyone", "ALLOW", { to: { paths: ["/public*"] } })] });
    expect(status(send(proxy, { path: "/public/x" }))).toBe(200);
    proxy.advance(1000);
    expect(proxy.metric("sluice.spiffe_rbac.invalid_identity")).toBe(0);
  });

  it("allows unauthenticated callers only where from.unauthenticated is true", async () => {
    const proxy = await start({ policies: [policy("p", "ALLOW", { from: { principals: [USER], unauthenticated: true } })] });
    expect(status(send(proxy, {}))).toBe(200);
    expect(status(send(proxy, { peer: USER }))).toBe(200);
    expect(status(send(proxy, { peer: API }))).toBe(403);
  });

  it("denies identities from trust domains outside the allow-list before any policy", async () => {
    const proxy = await start({
      trust_domains: ["prod.example"],
      decision_header: true,
      policies: [policy("any", "ALLOW", { from: { principals: ["spiffe://*/**"] } })],
    });
    expect(status(send(proxy, { peer: API }))).toBe(200);
    const r = send(proxy, { peer: "spiffe://partner.example/ns/web/sa/api" });
    expect(status(r)).toBe(403);
    expect(decisionHeader(r)).toBe("untrusted_trust_domain");
  });
});

describe("policy evaluation", () => {
  it("denies on any matching DENY even when an ALLOW matches too", async () => {
    const proxy = await start({
      decision_header: true,
      policies: [
        policy("allow-api", "ALLOW", { from: { principals: [API] } }),
        policy("deny-admin", "DENY", { to: { paths: ["/admin*"] } }),
      ],
    });
    expect(status(send(proxy, { peer: API, path: "/x" }))).toBe(200);
    const r = send(proxy, { peer: API, path: "/admin/users" });
    expect(decisionHeader(r)).toBe("denied_by_policy; policy=deny-admin");
  });

  it("allows everything not denied when there is no ALLOW policy", async () => {
    const proxy = await start({ policies: [policy("deny-admin", "DENY", { to: { paths: ["/admin*"] } })] });
    expect(status(send(proxy, { path: "/x" }))).toBe(200);
    expect(status(send(proxy, { path: "/admin" }))).toBe(403);
  });

  it("applies default_action DENY when there is no ALLOW policy", async () => {
    const proxy = await start({ default_action: "DENY", decision_header: true, policies: [] });
    const r = send(proxy, { peer: API });
    expect(status(r)).toBe(403);
    expect(decisionHeader(r)).toBe("default_action");
  });

  it("counts AUDIT matches without changing the decision", async () => {
    const proxy = await start({ policies: [policy("audit-writes", "AUDIT", { to: { methods: ["POST"] } })] });
    expect(status(send(proxy, { method: "POST" }))).toBe(200);
    expect(status(send(proxy, { method: "GET" }))).toBe(200);
    proxy.advance(1000);
    expect(proxy.metric("sluice.spiffe_rbac.policy.audit-writes.matched")).toBe(1);
    expect(proxy.metric("sluice.spiffe_rbac.allowed")).toBe(2);
  });

  it("logs every AUDIT match at info", async () => {
    const proxy = await start({ policies: [policy("audit-writes", "AUDIT", { to: { methods: ["POST"] } })] });
    const r = send(proxy, { peer: USER, method: "POST", path: "/orders?id=1" });
    expect(r.logs.map((l) => l.message)).toEqual([`spiffe-rbac: audit policy=audit-writes principal="${USER}" method=POST path="/orders"`]);
  });

  const fromCases: [string, Record<string, unknown>, string, boolean][] = [
    ["principal glob", { principals: ["spiffe://prod.example/ns/*/sa/api-*"] }, API, true],
    ["principal glob, other account", { principals: ["spiffe://prod.example/ns/*/sa/api-*"] }, "spiffe://prod.example/ns/web/sa/db", false],
    ["** for the remaining segments", { principals: ["spiffe://prod.example/**"] }, API, true],
    ["not_principals", { not_principals: ["spiffe://prod.example/ns/web/**"] }, API, false],
    ["not_principals, other namespace", { not_principals: ["spiffe://prod.example/ns/web/**"] }, "spiffe://prod.example/ns/db/sa/x", true],
    ["trust_domains", { trust_domains: ["prod.example"] }, API, true],
    ["not_trust_domains", { not_trust_domains: ["prod.example"] }, API, false],
    ["namespaces", { namespaces: ["w*"] }, API, true],
    ["not_namespaces", { not_namespaces: ["web"] }, API, false],
    ["namespaces need the /ns/<ns>/sa/<sa> form", { namespaces: ["*"] }, "spiffe://prod.example/workload", false],
    ["service_accounts", { service_accounts: ["web/api-*"] }, API, true],
    ["service_accounts, other namespace", { service_accounts: ["db/api-*"] }, API, false],
    ["not_service_accounts", { not_service_accounts: ["*/api-v2"] }, API, false],
    ["every field must match", { trust_domains: ["prod.example"], namespaces: ["db"] }, API, false],
  ];
  it.each(fromCases)("from.%s: %o for %s matches: %s", async (_name, from, peer, matches) => {
    const proxy = await start({ policies: [policy("p", "ALLOW", { from })] });
    expect(status(send(proxy, { peer }))).toBe(matches ? 200 : 403);
  });

  const toCases: [string, Record<string, unknown>, Record<string, unknown>, boolean][] = [
    ["methods", { methods: ["GET", "HEAD"] }, { method: "HEAD" }, true],
    ["methods are case-sensitive", { methods: ["GET"] }, { method: "get" }, false],
    ["not_methods", { not_methods: ["DELETE"] }, { method: "DELETE" }, false],
    ["hosts, case-insensitive without the port", { hosts: ["pay.example"] }, { host: "PAY.example:8443" }, true],
    ["hosts suffix", { hosts: ["*.example"] }, { host: "pay.example" }, true],
    ["hosts prefix", { hosts: ["pay.*"] }, { host: "shop.example" }, false],
    ["not_hosts", { not_hosts: ["admin.*"] }, { host: "admin.example" }, false],
    ["ports", { ports: [8443] }, { port: 8443 }, true],
    ["ports, other port", { ports: [8443] }, { port: 9000 }, false],
    ["not_ports", { not_ports: [9000] }, { port: 9000 }, false],
    ["paths exact", { paths: ["/pay"] }, { path: "/pay?x=1" }, true],
    ["paths template {*}", { paths: ["/orders/{*}/items"] }, { path: "/orders/42/items" }, true],
    ["paths template {*} spans one segment", { paths: ["/orders/{*}/items"] }, { path: "/orders/4/2/items" }, false],
    ["paths template {**}", { paths: ["/orders/{**}"] }, { path: "/orders/42/items/7" }, true],
    ["not_paths", { not_paths: ["/admin*"] }, { path: "/admin" }, false],
  ];
  it.each(toCases)("to.%s: %o for %o matches: %s", async (_name, to, call, matches) => {
    const proxy = await start({ policies: [policy("p", "ALLOW", { to })] });
    expect(status(send(proxy, call))).toBe(matches ? 200 : 403);
  });

  const whenCases: [string, Record<string, unknown>, Record<string, string>, boolean][] = [
    ["values", { source: "header", name: "x-team", values: ["payments"] }, { "x-team": "payments" }, true],
    ["values prefix", { source: "header", name: "x-team", values: ["pay*"] }, { "x-team": "payments" }, true],
    ["values, header missing", { source: "header", name: "x-team", values: ["*"] }, {}, false],
    ["not_values", { source: "header", name: "x-team", not_values: ["*-test"] }, { "x-team": "pay-test" }, false],
    ["not_values, header missing", { source: "header", name: "x-team", not_values: ["*-test"] }, {}, true],
  ];
  it.each(whenCases)("when.%s: %o for %o matches: %s", async (_name, condition, headers, matches) => {
    const proxy = await start({ policies: [policy("p", "ALLOW", { when: [condition] })] });
    expect(status(send(proxy, { headers }))).toBe(matches ? 200 : 403);
  });

  it("decides correctly for many callers in turn (more than the per-VM identity cache holds)", async () => {
    const proxy = await start({ policies: [policy("even", "ALLOW", { from: { principals: ["spiffe://prod.example/ns/even-*/sa/*"] } })] });
    for (let round = 0; round < 2; round++) {
      for (let i = 0; i < 20; i++) {
        const ns = i % 2 === 0 ? `even-${i}` : `odd-${i}`;
        expect(status(send(proxy, { peer: `spiffe://prod.example/ns/${ns}/sa/x` })), ns).toBe(i % 2 === 0 ? 200 : 403);
      }
    }
  });

  it("decides correctly for cached callers after a longer URI than any before", async () => {
    const proxy = await start({ policies: [policy("even", "ALLOW", { from: { principals: ["spiffe://prod.example/ns/even*/sa/*"] } })] });
    for (let length = 1; length <= 64; length *= 2) {
      const pad = "x".repeat(length);
      expect(status(send(proxy, { peer: `spiffe://prod.example/ns/even${pad}/sa/a` }))).toBe(200);
      expect(status(send(proxy, { peer: `spiffe://prod.example/ns/odd${pad}/sa/a` }))).toBe(403);
      expect(status(send(proxy, { peer: "spiffe://prod.example/ns/even/sa/a" }))).toBe(200);
      expect(status(send(proxy, { peer: "spiffe://prod.example/ns/odd/sa/a" }))).toBe(403);
    }
  });

  it("takes the first matching ALLOW policy for the matched counter", async () => {
    const proxy = await start({
      policies: [policy("first", "ALLOW", { to: { methods: ["GET"] } }), policy("second", "ALLOW", { to: { paths: ["*"] } })],
    });
    send(proxy, { method: "GET" });
    send(proxy, { method: "PUT" });
    proxy.advance(1000);
    expect(proxy.metric("sluice.spiffe_rbac.policy.first.matched")).toBe(1);
    expect(proxy.metric("sluice.spiffe_rbac.policy.second.matched")).toBe(1);
  });
});

describe("shadow mode", () => {
  it("enforces nothing in global shadow mode but counts and logs what it would do", async () => {
    const proxy = await start({ mode: "shadow", policies: [policy("deny-all", "DENY")] });
    const r = send(proxy, { peer: API, path: "/x" });
    expect(status(r)).toBe(200);
    proxy.advance(1000);
    expect(proxy.metric("sluice.spiffe_rbac.shadow_denied")).toBe(1);
    expect(proxy.metric("sluice.spiffe_rbac.denied")).toBe(0);
    expect(proxy.metric("sluice.spiffe_rbac.allowed")).toBe(0);
    expect(proxy.metric("sluice.spiffe_rbac.policy.deny-all.matched")).toBe(1);
    expect(r.logs.map((l) => l.message)).toContain(
      `spiffe-rbac: shadow denied (denied_by_policy; policy=deny-all) principal="${API}" method=GET path="/x"`,
    );
  });

  it("evaluates a shadow policy beside the enforced ones without enforcing it", async () => {
    const proxy = await start({
      policies: [
        policy("api", "ALLOW", { from: { namespaces: ["web"] } }),
        policy("tighter", "DENY", { mode: "shadow", from: { not_service_accounts: ["web/api-v1"] } }),
      ],
    });
    expect(status(send(proxy, { peer: API }))).toBe(200);
    expect(status(send(proxy, { peer: "spiffe://prod.example/ns/db/sa/x" }))).toBe(403);
    proxy.advance(1000);
    expect(proxy.metrics()).toMatchObject({
      "sluice.spiffe_rbac.allowed": 1,
      "sluice.spiffe_rbac.denied": 1,
      "sluice.spiffe_rbac.shadow_denied": 2,
      "sluice.spiffe_rbac.shadow_allowed": 0,
      "sluice.spiffe_rbac.policy.api.matched": 1,
      "sluice.spiffe_rbac.policy.tighter.matched": 2,
    });
  });
});

describe("XFCC from trusted proxies", () => {
  const config = (xfcc: Record<string, unknown> = {}) => ({
    xfcc: { trusted_proxies: [GATEWAY], ...xfcc },
    decision_header: true,
    policies: [policy("user", "ALLOW", { from: { principals: [USER] } })],
  });
  const hops = `By=${GATEWAY};URI=spiffe://tencent.com/ns/edge/sa/client,By=${GATEWAY};Subject="CN=u,O=tencent";URI=${USER}`;

  it("takes the identity from the last element for a trusted proxy", async () => {
    const proxy = await start(config());
    expect(status(send(proxy, { peer: GATEWAY, headers: { "x-forwarded-client-cert": hops } }))).toBe(200);
  });

  it("takes the first element with use: first", async () => {
    const proxy = await start(config({ use: "first" }));
    expect(status(send(proxy, { peer: GATEWAY, headers: { "x-forwarded-client-cert": hops } }))).toBe(403);
  });

  it("ignores the header from an untrusted peer", async () => {
    const proxy = await start(config());
    const r = send(proxy, { peer: API, headers: { "x-forwarded-client-cert": `URI=${USER}` } });
    expect(status(r)).toBe(403);
    expect(decisionHeader(r)).toBe("no_allow_match");
  });

  it("strips the header from an untrusted peer when asked", async () => {
    const proxy = await start({ ...config({ strip_untrusted: true }), policies: [] });
    const r = send(proxy, { peer: API, headers: { "x-forwarded-client-cert": `URI=${USER}` } });
    expect(status(r)).toBe(200);
    expect(r.requestHeaders?.map(([name]) => name)).not.toContain("x-forwarded-client-cert");
  });

  it("keeps the header of an untrusted peer by default", async () => {
    const proxy = await start({ ...config(), policies: [] });
    const r = send(proxy, { peer: API, headers: { "x-forwarded-client-cert": `URI=${USER}` } });
    expect(r.requestHeaders).toContainEqual(["x-forwarded-client-cert", `URI=${USER}`]);
  });

  it("treats a trusted proxy's request without XFCC or without URI as unauthenticated", async () => {
    const proxy = await start(config());
    expect(decisionHeader(send(proxy, { peer: GATEWAY }))).toBe("no_allow_match");
    expect(decisionHeader(send(proxy, { peer: GATEWAY, headers: { "x-forwarded-client-cert": "Hash=abc" } }))).toBe("no_allow_match");
  });

  it("denies a malformed header from a trusted proxy as an invalid identity and counts it", async () => {
    const proxy = await start(config());
    const r = send(proxy, { peer: GATEWAY, headers: { "x-forwarded-client-cert": `URI="${USER}` } });
    expect(decisionHeader(r)).toBe("invalid_identity");
    proxy.advance(1000);
    expect(proxy.metric("sluice.spiffe_rbac.xfcc_malformed")).toBe(1);
    expect(proxy.metric("sluice.spiffe_rbac.invalid_identity")).toBe(1);
  });

  it("reads several XFCC headers as Envoy joins them: the last element wins, never the first header", async () => {
    const proxy = await start(config());
    const forgedFirst: [string, string][] = [["x-forwarded-client-cert", `URI=${USER}`], ["x-forwarded-client-cert", `By=${GATEWAY};URI=${API}`]];
    const r = proxy.request({
      headers: [[":method", "GET"], [":path", "/"], [":authority", "svc"], ...forgedFirst],
      properties: { "connection.uri_san_peer_certificate": GATEWAY, "connection.mtls": true },
    });
    expect(decisionHeader(r)).toBe("no_allow_match");
    const honest = proxy.request({
      headers: [[":method", "GET"], [":path", "/"], [":authority", "svc"], ["x-forwarded-client-cert", `URI=${API}`], ["x-forwarded-client-cert", `By=${GATEWAY};URI=${USER}`]],
      properties: { "connection.uri_san_peer_certificate": GATEWAY, "connection.mtls": true },
    });
    expect(status(honest)).toBe(200);
  });

  it("accepts the JSON format and the Issuer key", async () => {
    const proxy = await start(config());
    const json = `[{"by":["${GATEWAY}"],"hash":"ab","subject":"CN=u","uri":["${USER}"],"issuer":"CN=CA,O=x"}]`;
    expect(status(send(proxy, { peer: GATEWAY, headers: { "x-forwarded-client-cert": json } }))).toBe(200);
    expect(status(send(proxy, { peer: GATEWAY, headers: { "x-forwarded-client-cert": `URI=${USER};Issuer="CN=CA,O=x"` } }))).toBe(200);
    const r = send(proxy, { peer: GATEWAY, headers: { "x-forwarded-client-cert": `[{"uri":["${USER}"]}` } });
    expect(decisionHeader(r)).toBe("invalid_identity");
    proxy.advance(1000);
    expect(proxy.metric("sluice.spiffe_rbac.xfcc_malformed")).toBe(1);
  });

  it("denies an element with two URIs (an SVID has exactly one URI SAN)", async () => {
    const proxy = await start(config());
    const r = send(proxy, { peer: GATEWAY, headers: { "x-forwarded-client-cert": `URI=${USER};URI=${API}` } });
    expect(decisionHeader(r)).toBe("invalid_identity");
  });

  it("reads quoted URIs with escapes", async () => {
    const proxy = await start(config());
    const r = send(proxy, { peer: GATEWAY, headers: { "x-forwarded-client-cert": `Subject="CN=\\"x\\",O=y";URI="${USER}"` } });
    expect(status(r)).toBe(200);
  });
});

describe("path normalization against bypasses", () => {
  const config = {
    decision_header: true,
    policies: [
      policy("deny-admin", "DENY", { to: { paths: ["/admin*"] } }),
      policy("public", "ALLOW", { to: { paths: ["/public*", "/admin*"] } }),
    ],
  };
  it.each([
    ["/admin/../public", 200, undefined],
    ["/public/../admin", 403, "denied_by_policy; policy=deny-admin"],
    ["/%61dmin", 403, "denied_by_policy; policy=deny-admin"],
    ["/public/..%2fadmin", 400, "path_rejected"],
    ["/public%5c..%5cadmin", 400, "path_rejected"],
    ["//admin", 403, "denied_by_policy; policy=deny-admin"],
    ["/admin/.", 403, "denied_by_policy; policy=deny-admin"],
    ["/./admin", 403, "denied_by_policy; policy=deny-admin"],
    ["/%2e%2e/admin", 403, "denied_by_policy; policy=deny-admin"],
    ["/admin?x=/public/", 403, "denied_by_policy; policy=deny-admin"],
    ["/ADMIN", 403, "no_allow_match"],
  ])("%s: %i (%s)", async (path, expected, reason) => {
    const proxy = await start(config);
    const r = send(proxy, { path });
    expect(status(r)).toBe(expected);
    expect(decisionHeader(r)).toBe(reason);
  });
});

describe("deny reply", () => {
  it("answers gRPC requests with PERMISSION_DENIED", async () => {
    const proxy = await start({ default_action: "DENY", policies: [] });
    const r = send(proxy, { method: "POST", headers: { "content-type": "application/grpc+proto" } });
    expect(r.localResponse?.grpcStatus).toBe(7);
    expect(r.localResponse?.status).toBe(403);
  });

  it("uses the configured body and sends no decision header unless asked", async () => {
    const proxy = await start({ default_action: "DENY", reply: { body: "go away" }, policies: [] });
    const r = send(proxy, {});
    expect(r.localResponse?.body).toBe("go away");
    expect(decisionHeader(r)).toBeUndefined();
  });

  it("answers 400 to a request without traceparent with a policy of its own reply, 403 to the rest", async () => {
    const proxy = await start({
      decision_header: true,
      policies: [
        policy("needs-traceparent", "DENY", {
          when: [{ source: "header", name: "Traceparent", not_values: ["*"] }],
          reply: { status: 400, body: "traceparent required\n", headers: [{ name: "X-Policy", value: "tracing" }] },
        }),
        policy("user-only", "ALLOW", { from: { principals: [USER] } }),
      ],
    });
    const missing = send(proxy, { peer: USER });
    expect(missing.localResponse).toMatchObject({ status: 400, body: "traceparent required\n", details: "rbac_access_denied" });
    expect(missing.localResponse!.headers).toEqual(expect.arrayContaining([["x-sluice-rbac", "denied_by_policy; policy=needs-traceparent"], ["x-policy", "tracing"]]));
    const traced = { "traceparent": "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01" };
    expect(status(send(proxy, { peer: USER, headers: traced }))).toBe(200);
    const other = send(proxy, { peer: API, headers: traced });
    expect(other.localResponse).toMatchObject({ status: 403, body: "RBAC: access denied" });
  });

  it.each([
    [{ status: 401, grpc_status: 16 }, 401, 16],
    [{ status: 503 }, 503, 7],
    [{ grpc_status: 5 }, 403, 5],
  ])("sends the configured status and gRPC status %j", async (reply, httpStatus, grpcStatus) => {
    const proxy = await start({ default_action: "DENY", reply, policies: [] });
    expect(send(proxy, {}).localResponse?.status).toBe(httpStatus);
    const grpc = send(proxy, { method: "POST", headers: { "content-type": "application/grpc" } });
    expect(grpc.localResponse).toMatchObject({ status: httpStatus, grpcStatus });
  });

  it("builds no log line for a denial when debug is off", async () => {
    const proxy = await start({ policies: [policy("deny-all", "DENY")] });
    expect(send(proxy, { peer: USER }).logs).toEqual([]);
  });

  it("logs the denial with the reason and policy at debug", async () => {
    const proxy = await start({ policies: [policy("deny-all", "DENY")] }, { logLevel: "debug" });
    const r = send(proxy, { peer: USER, method: "PUT", path: "/pay" });
    expect(r.logs.map((l) => l.message)).toEqual([`spiffe-rbac: denied (denied_by_policy; policy=deny-all) principal="${USER}" method=PUT path="/pay"`]);
  });
});

describe("cost", () => {
  it("makes one host call for an allowed request that needs only the identity", async () => {
    const proxy = await start({ policies: [policy("p", "ALLOW", { from: { principals: [USER] } })] });
    expect(send(proxy, { peer: USER }).hostCalls).toBe(1);
  });

  it("reads each header a policy needs once, however many policies use it", async () => {
    const policies = Array.from({ length: 50 }, (_, i) => policy(`p${i}`, "ALLOW", {
      from: { principals: [`spiffe://prod.example/ns/n${i}/sa/*`] }, to: { methods: ["GET"], paths: [`/svc${i}/*`] },
    }));
    const proxy = await start({ policies: [...policies, policy("last", "ALLOW", { from: { principals: [USER] }, to: { methods: ["GET"], paths: ["/pay*"] } })] });
    expect(send(proxy, { peer: USER, path: "/pay" }).hostCalls).toBe(3);
  });

  it("sends metrics on the tick, not per request", async () => {
    const proxy = await start({ policies: [] });
    for (let i = 0; i < 10; i++) send(proxy, {});
    expect(proxy.metric("sluice.spiffe_rbac.allowed")).toBe(0);
    proxy.advance(1000);
    expect(proxy.metric("sluice.spiffe_rbac.allowed")).toBe(10);
  });
});
