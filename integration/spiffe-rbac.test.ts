// spiffe-rbac in a real Envoy with real mTLS: a CA and X.509-SVIDs made in the test, Envoy requires
// client certificates on 10000 (plaintext callers use 10001), allowed and denied identities, an
// identity from another trust domain, and x-forwarded-client-cert from a trusted front proxy
// (a second Envoy holding spiffe://example.org/ns/edge/sa/gateway) versus a forged one.
// Config: envoy/spiffe-rbac/envoy.yaml (policies public-health, shop-workloads, ops-admin).
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { bootstrapPath, filterConfig, loadBootstrap } from "./support/bootstrap.js";
import { TestCa, type KeyPair } from "../cli/local-envoy/certs.js";
import { ENVOY_ALIAS, type RunningEnvoy } from "./support/envoy.js";
import { FRONT_ALIAS } from "./support/front-proxy.js";
import { header, request, type HttpResult } from "./support/http.js";
import { expectNoWasmErrors, expectValid, startStack, type Stack } from "./support/stack.js";
import { fetchStats, stat, waitForStats } from "./support/stats.js";
import { suiteRuntime } from "./support/suite.js";
import { parseEcho } from "./support/upstream.js";

const runtime = await suiteRuntime();

const MTLS_PORT = 10000;
const PLAIN_PORT = 10001;
const XFCC = "x-forwarded-client-cert";

describe.skipIf(!runtime.available)("spiffe-rbac in Envoy", () => {
  let ca: TestCa;
  let ids: Record<"shopWeb" | "opsAdmin" | "billingApi" | "foreign" | "gateway", KeyPair>;
  let stack: Stack;
  let front: RunningEnvoy;

  const mtls = (who: KeyPair, path: string, headers: Record<string, string> = {}): Promise<HttpResult> =>
    request(`${stack.envoy.urlFor(MTLS_PORT, true)}/`, { rawPath: path, headers, tls: { ca: ca.cert, cert: who.cert, key: who.key, servername: ENVOY_ALIAS } });
  const plain = (path: string): Promise<HttpResult> => request(`${stack.envoy.urlFor(PLAIN_PORT)}${path}`);
  const viaFront = (who: KeyPair, path: string): Promise<HttpResult> =>
    request(`${front.urlFor(10000, true)}${path}`, { tls: { ca: ca.cert, cert: who.cert, key: who.key, servername: FRONT_ALIAS } });
  const expectDenied = (res: HttpResult, reason: string): void => {
    expect(res.status, res.body).toBe(403);
    expect(res.body).toBe("RBAC: access denied");
    expect(header(res, "x-sluice-rbac")).toMatch(new RegExp(`^${reason}\\b`));
  };

  beforeAll(async () => {
    const config = filterConfig(loadBootstrap(bootstrapPath("spiffe-rbac")), "spiffe-rbac");
    expect(config.trust_domains).toEqual(["example.org"]);
    expect(config.xfcc).toEqual({ trusted_proxies: ["spiffe://example.org/ns/edge/sa/gateway"], strip_untrusted: true });
    ca = TestCa.create();
    ids = {
      shopWeb: ca.svid("shop", "web"),
      opsAdmin: ca.svid("ops", "admin"),
      billingApi: ca.svid("billing", "api"),
      foreign: ca.issue({ name: "foreign", uris: ["spiffe://other.org/ns/shop/sa/web"], usages: ["clientAuth"] }),
      gateway: ca.svid("edge", "gateway"),
    };
    const server = ca.issue({ name: "server", dnsNames: [ENVOY_ALIAS, "localhost"], ips: ["127.0.0.1"], usages: ["serverAuth"] });
    stack = await startStack({
      name: "spiffe-rbac",
      extra: [
        { content: ca.cert, target: "/etc/sluice/certs/ca.pem", mode: 0o644 },
        { content: server.cert, target: "/etc/sluice/certs/server.pem", mode: 0o644 },
        { content: server.key, target: "/etc/sluice/certs/server-key.pem", mode: 0o644 },
      ],
    });
    front = await stack.startFrontProxy({ listenerPort: MTLS_PORT, sni: ENVOY_ALIAS, ca: ca.cert, cert: ids.gateway.cert, key: ids.gateway.key });
  });
  afterAll(async () => {
    await stack?.stop();
    ca?.dispose();
  });

  it("envoy --mode validate accepts envoy/spiffe-rbac/envoy.yaml (with the test certificates)", async () => {
    await expectValid(stack);
  });

  it("allows the identities the policies allow, over mTLS", async () => {
    const shop = await mtls(ids.shopWeb, "/orders");
    expect(shop.status).toBe(200);
    expect(parseEcho(shop)?.headers[XFCC]).toBeUndefined();
    expect((await mtls(ids.opsAdmin, "/admin/users")).status).toBe(200);
    expect((await mtls(ids.billingApi, "/healthz")).status).toBe(200);
  });

  it("denies the others with 403 and the decision header", async () => {
    expectDenied(await mtls(ids.shopWeb, "/admin/users"), "no_allow_match");
    expectDenied(await mtls(ids.billingApi, "/orders"), "no_allow_match");
    expectDenied(await mtls(ids.foreign, "/orders"), "untrusted_trust_domain");
    // a canonicalised path cannot sneak past: /orders/../admin is /admin
    expectDenied(await mtls(ids.shopWeb, "/orders/%2e%2e/admin"), "no_allow_match");
  });

  it("refuses a TLS caller without a client certificate (Envoy requires one)", async () => {
    await expect(request(`${stack.envoy.urlFor(MTLS_PORT, true)}/orders`, { tls: { ca: ca.cert, servername: ENVOY_ALIAS } })).rejects.toThrow();
  });

  it("denies plaintext callers (no identity) except on public paths", async () => {
    expectDenied(await plain("/orders"), "no_allow_match");
    expect((await plain("/healthz")).status).toBe(200);
  });

  it("takes the caller from the XFCC header of the trusted front proxy", async () => {
    const shop = await viaFront(ids.shopWeb, "/orders");
    expect(shop.status, shop.body).toBe(200);
    expect(parseEcho(shop)?.headers[XFCC]).toContain("URI=spiffe://example.org/ns/shop/sa/web");
    expect((await viaFront(ids.opsAdmin, "/admin/users")).status).toBe(200);
    expectDenied(await viaFront(ids.billingApi, "/orders"), "no_allow_match");
    expectDenied(await viaFront(ids.shopWeb, "/admin/users"), "no_allow_match");
  });

  it("ignores (and strips) XFCC from a peer that is not a trusted proxy", async () => {
    const forged = { [XFCC]: "URI=spiffe://example.org/ns/ops/sa/admin" };
    expectDenied(await mtls(ids.billingApi, "/admin/users", forged), "no_allow_match");
    const shop = await mtls(ids.shopWeb, "/orders", forged);
    expect(shop.status).toBe(200);
    expect(parseEcho(shop)?.headers[XFCC]).toBeUndefined();
  });

  it("shows its counters in /stats and logged no Wasm error", async () => {
    const s = await waitForStats(stack.envoy.adminUrl, (x) => stat(x, "sluice.spiffe_rbac.denied") >= 8 && stat(x, "sluice.spiffe_rbac.allowed") >= 7);
    expect(stat(s, "sluice.spiffe_rbac.policy.shop-workloads.matched")).toBeGreaterThanOrEqual(3);
    expect(stat(s, "sluice.spiffe_rbac.policy.ops-admin.matched")).toBeGreaterThanOrEqual(2);
    expect(stat(s, "sluice.spiffe_rbac.policy.public-health.matched")).toBeGreaterThanOrEqual(2);
    expect((await fetchStats(front.adminUrl, "^http\\.front\\.downstream_rq_2xx$")).size).toBe(1);
    expectNoWasmErrors(stack.envoy);
  });
});
