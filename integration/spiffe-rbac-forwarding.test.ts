// spiffe-rbac's forwarding decisions in a real Envoy (README "Path forwarding", "Identity"): the
// upstream (the echo, which reports the request target it got) receives the path and authority
// the policies matched, ambiguous shapes are answered 400, and x-forwarded-client-cert is read as
// Envoy delivers it (repeated headers joined with ",", the JSON format, the Issuer key).
// The listener is envoy/spiffe-rbac/envoy.yaml's (no normalize_path, merge_slashes or
// path_with_escaped_slashes_action: Envoy forwards /a/../b, %2e%2e, ;, %00 and \ untouched, so
// what reaches the upstream is the filter's doing); its policies are replaced per block.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { withFilterConfig, type Json } from "./support/bootstrap.js";
import { TestCa, type KeyPair } from "../cli/local-envoy/certs.js";
import { ENVOY_ALIAS, type RunningEnvoy } from "./support/envoy.js";
import { FRONT_ALIAS } from "./support/front-proxy.js";
import { header, request, type HttpResult } from "./support/http.js";
import { expectNoWasmErrors, startStack, type Stack } from "./support/stack.js";
import { stat, waitForStats } from "./support/stats.js";
import { suiteRuntime } from "./support/suite.js";

const runtime = await suiteRuntime();

const MTLS_PORT = 10000;
const XFCC = "x-forwarded-client-cert";
const SHOP_WEB = "spiffe://example.org/ns/shop/sa/web";
const BILLING_API = "spiffe://example.org/ns/billing/sa/api";
const GATEWAY = "spiffe://example.org/ns/edge/sa/gateway";

/** The filter configuration of the tests: DENY /admin* and the admin host, ALLOW the shop namespace. */
const config = (pathForwarding: string): Json => ({
  trust_domains: ["example.org"],
  xfcc: { trusted_proxies: [GATEWAY], strip_untrusted: true },
  path_forwarding: pathForwarding,
  decision_header: true,
  policies: [
    { name: "deny-admin", action: "DENY", to: { paths: ["/admin*"] } },
    { name: "deny-admin-host", action: "DENY", to: { hosts: ["admin.example.org"] } },
    { name: "deny-blocked-team", action: "DENY", when: [{ source: "header", name: "x-team", values: ["blocked"] }] },
    { name: "shop", action: "ALLOW", from: { namespaces: ["shop"] } },
  ],
});

const ROUTED = "routed by Envoy on the canonical path";

/** `listeners` with the test's filter configuration, and a route for /routed answered by Envoy
 *  itself: a request reaches it only if Envoy routes on the path the filter forwarded. */
function configure(listeners: readonly Json[], pathForwarding: string): Json[] {
  const out = withFilterConfig(listeners, "spiffe-rbac", config(pathForwarding));
  for (const listener of out as Array<{ filter_chains?: Array<{ filters?: Array<{ typed_config?: { route_config?: { virtual_hosts?: Array<{ routes: Json[] }> } } }> }> }>) {
    for (const chain of listener.filter_chains ?? []) {
      for (const filter of chain.filters ?? []) {
        for (const host of filter.typed_config?.route_config?.virtual_hosts ?? []) {
          host.routes = [{ match: { prefix: "/routed" }, direct_response: { status: 200, body: { inline_string: ROUTED } } }, ...host.routes];
        }
      }
    }
  }
  return out;
}

/** What the echo upstream got: the request target and the headers in arrival order. */
function echoed(res: HttpResult): { url: string; headers: Array<[string, string]> } {
  const body = JSON.parse(res.body) as { url: string; header_values: Array<[string, string]> };
  return { url: body.url, headers: body.header_values };
}

describe.skipIf(!runtime.available)("spiffe-rbac forwarding in Envoy", () => {
  let ca: TestCa;
  let ids: Record<"shopWeb" | "billingApi" | "gateway", KeyPair>;
  let stack: Stack;
  let front: RunningEnvoy;
  let jsonFront: RunningEnvoy;

  const mtls = (who: KeyPair, rawPath: string, headers: Array<[string, string]> = []): Promise<HttpResult> =>
    request(`${stack.envoy.urlFor(MTLS_PORT, true)}/`, {
      rawPath,
      headers: headers.length > 0 ? headers : undefined,
      tls: { ca: ca.cert, cert: who.cert, key: who.key, servername: ENVOY_ALIAS },
    });
  const via = (proxy: RunningEnvoy, who: KeyPair, path: string): Promise<HttpResult> =>
    request(`${proxy.urlFor(10000, true)}${path}`, { tls: { ca: ca.cert, cert: who.cert, key: who.key, servername: FRONT_ALIAS } });
  const expectReply = (res: HttpResult, status: number, reason: string): void => {
    expect(res.status, res.body).toBe(status);
    expect(header(res, "x-sluice-rbac")).toBe(reason);
  };

  beforeAll(async () => {
    ca = TestCa.create();
    ids = { shopWeb: ca.svid("shop", "web"), billingApi: ca.svid("billing", "api"), gateway: ca.svid("edge", "gateway") };
    const server = ca.issue({ name: "server", dnsNames: [ENVOY_ALIAS, "localhost"], ips: ["127.0.0.1"], usages: ["serverAuth"] });
    stack = await startStack({
      name: "spiffe-rbac",
      dynamicListeners: true,
      extra: [
        { content: ca.cert, target: "/etc/sluice/certs/ca.pem", mode: 0o644 },
        { content: server.cert, target: "/etc/sluice/certs/server.pem", mode: 0o644 },
        { content: server.key, target: "/etc/sluice/certs/server-key.pem", mode: 0o644 },
      ],
    });
    await stack.reconfigure((listeners) => configure(listeners, "normalized"));
    const proxy = { listenerPort: MTLS_PORT, sni: ENVOY_ALIAS, ca: ca.cert, cert: ids.gateway.cert, key: ids.gateway.key };
    front = await stack.startFrontProxy(proxy);
    jsonFront = await stack.startFrontProxy({ ...proxy, xfcc: { details: { uri: true, subject: true, dns: true, issuer: true }, format: "JSON" } });
  }, 60_000);
  afterAll(async () => {
    await stack?.stop();
    ca?.dispose();
  });

  describe("path_forwarding normalized (the default)", () => {
    it.each([
      ["/admin/../x", "/x"],
      ["/admin/%2e%2e/x", "/x"],
      ["/admin/..;/x?q=/../admin", "/x?q=/../admin"],
      ["/x//y/./z", "/x/y/z"],
      ["/x;jsessionid=1", "/x"],
      ["/ADMIN", "/ADMIN"],
    ])("%s reaches the upstream as %s", async (path, forwarded) => {
      const res = await mtls(ids.shopWeb, path);
      expect(res.status, res.body).toBe(200);
      expect(echoed(res).url).toBe(forwarded);
    });

    it("makes Envoy route on the canonical path (the route cache is cleared)", async () => {
      const res = await mtls(ids.shopWeb, "/admin/../routed");
      expect(res.status, res.body).toBe(200);
      expect(res.body).toBe(ROUTED);
    });

    it.each(["/x/../admin", "/x/%2e%2e/admin", "/..;/admin", "/admin;x=y", "/x/..;a=b/admin", "/%61dmin"])("%s is denied by deny-admin", async (path) => {
      expectReply(await mtls(ids.shopWeb, path), 403, "denied_by_policy; policy=deny-admin");
    });

    it.each(["/x%00", "/%2561dmin", "/x\\..\\admin", "/x%5C..%5Cadmin", "/x/..%2Fadmin", "/x%EF%BC%8F..%EF%BC%8Fadmin", "/x%C0%AFadmin"])(
      "%s is answered 400",
      async (path) => {
        const res = await mtls(ids.shopWeb, path);
        expectReply(res, 400, "path_rejected");
        expect(res.body).toBe("RBAC: ambiguous path");
      },
    );

    it("denies the admin host in any case or with a trailing dot, forwards other hosts canonical", async () => {
      expectReply(await mtls(ids.shopWeb, "/x", [["host", "ADMIN.Example.org."]]), 403, "denied_by_policy; policy=deny-admin-host");
      const shop = await mtls(ids.shopWeb, "/x", [["host", "Shop.Example.org"]]);
      expect(shop.status, shop.body).toBe(200);
      expect(echoed(shop).headers.filter(([k]) => k === "host")).toEqual([["host", "shop.example.org"]]);
    });

    it("forwards a repeated when header with the first value only, the one Envoy handed the filter", async () => {
      const res = await mtls(ids.shopWeb, "/x", [["x-team", "a"], ["x-team", "blocked"]]);
      expect(res.status, res.body).toBe(200);
      expect(echoed(res).headers.filter(([k]) => k === "x-team")).toEqual([["x-team", "a"]]);
      expectReply(await mtls(ids.shopWeb, "/x", [["x-team", "blocked"], ["x-team", "a"]]), 403, "denied_by_policy; policy=deny-blocked-team");
    });

    it("answers 400 to two Host headers (Envoy joins them: shop.example.org,admin.example.org)", async () => {
      expectReply(await mtls(ids.shopWeb, "/x", [["host", "shop.example.org"], ["host", "admin.example.org"]]), 400, "authority_rejected");
    });
  });

  describe("x-forwarded-client-cert as Envoy delivers it", () => {
    it("reads two XFCC headers from a trusted proxy as Envoy joins them: the last element names the caller", async () => {
      const forgedFirst = await mtls(ids.gateway, "/x", [[XFCC, `URI=${SHOP_WEB}`], [XFCC, `By=${GATEWAY};URI=${BILLING_API}`]]);
      expectReply(forgedFirst, 403, "no_allow_match");
      const res = await mtls(ids.gateway, "/x", [[XFCC, `URI=${BILLING_API}`], [XFCC, `By=${GATEWAY};URI=${SHOP_WEB}`]]);
      expect(res.status, res.body).toBe(200);
      expect(echoed(res).headers.filter(([k]) => k === XFCC)).toEqual([[XFCC, `URI=${BILLING_API},By=${GATEWAY};URI=${SHOP_WEB}`]]);
    });

    it("reads the text format with Issuer and the JSON format written by a front proxy", async () => {
      const text = await mtls(ids.gateway, "/x", [[XFCC, `By=${GATEWAY};Hash=ab;Subject="CN=c,O=t";URI=${SHOP_WEB};DNS=web.shop;Issuer="CN=CA,O=t"`]]);
      expect(text.status, text.body).toBe(200);
      const res = await via(jsonFront, ids.shopWeb, "/x");
      expect(res.status, res.body).toBe(200);
      const xfcc = echoed(res).headers.find(([k]) => k === XFCC)?.[1] ?? "";
      expect(xfcc).toMatch(/^\[\{"by":\[/);
      expect(xfcc).toContain(`"uri":["${SHOP_WEB}"]`);
      expect(xfcc).toContain('"issuer":"');
      expectReply(await via(jsonFront, ids.billingApi, "/x"), 403, "no_allow_match");
      expectReply(await via(front, ids.billingApi, "/x"), 403, "no_allow_match");
    });

    it("denies a malformed JSON header from a trusted proxy as an invalid identity", async () => {
      expectReply(await mtls(ids.gateway, "/x", [[XFCC, `[{"uri":["${SHOP_WEB}"]}`]]), 403, "invalid_identity");
    });
  });

  describe("path_forwarding reject", () => {
    beforeAll(async () => {
      await stack.reconfigure((listeners) => configure(listeners, "reject"));
    });

    it.each([
      ["/x?q=/../admin", 200],
      ["/admin", 403],
      ["/admin/../x", 400],
      ["/admin/%2e%2e/x", 400],
      ["/x//y", 400],
      ["/x;p", 400],
    ])("%s: %i", async (path, status) => {
      const res = await mtls(ids.shopWeb, path);
      expect(res.status, res.body).toBe(status);
      if (status === 200) expect(echoed(res).url).toBe(path);
      if (status === 400) expect(header(res, "x-sluice-rbac")).toBe("path_rejected");
    });
  });

  it("counts the outcomes in /stats and logged no Wasm error", async () => {
    const s = await waitForStats(stack.envoy.adminUrl, (x) => stat(x, "sluice.spiffe_rbac.path_rejected") >= 11 && stat(x, "sluice.spiffe_rbac.path_normalized") >= 5);
    expect(stat(s, "sluice.spiffe_rbac.authority_rejected")).toBeGreaterThanOrEqual(1);
    expect(stat(s, "sluice.spiffe_rbac.authority_normalized")).toBeGreaterThanOrEqual(1);
    expectNoWasmErrors(stack.envoy);
  });
});
