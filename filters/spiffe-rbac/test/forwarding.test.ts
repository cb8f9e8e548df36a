// What the upstream gets: the path and authority the policies matched (path_forwarding), every
// bypass shape of README "Path forwarding" decided, through the built module in host-sim.
import { describe, expect, it } from "vitest";
import type { Proxy, RequestResult } from "../../../host-sim/src/index.js";
import { decisionHeader, send, start, status } from "./harness.js";

const DENY_ADMIN = { name: "deny-admin", action: "DENY", to: { paths: ["/admin*"] } };

/** The header `name` as the upstream received it (every value, joined with " | "). */
function upstream(r: RequestResult, name: string): string | undefined {
  const values = (r.requestHeaders ?? []).filter(([k]) => k === name).map(([, v]) => v);
  return values.length === 0 ? undefined : values.join(" | ");
}

/** Checks that `r` went upstream with `header` as `outcome.forwarded`, or got the local reply. */
function expectOutcome(r: RequestResult, outcome: Outcome, header: string): void {
  if ("forwarded" in outcome) {
    expect(status(r)).toBe(200);
    expect(upstream(r, header)).toBe(outcome.forwarded);
  } else {
    expect(status(r)).toBe(outcome.status);
    expect(decisionHeader(r)).toBe(outcome.reason);
  }
}

function request(proxy: Proxy, headers: [string, string][]): RequestResult {
  return proxy.request({ headers: [[":method", "GET"], [":scheme", "https"], ...headers], response: { headers: { ":status": "200" } } });
}

/** [shape, :path sent, what happens: the forwarded :path, or the local reply's status and decision header]. */
type Outcome = { forwarded: string } | { status: number; reason: string };
const FORWARDED = (path: string): Outcome => ({ forwarded: path });
const DENIED: Outcome = { status: 403, reason: "denied_by_policy; policy=deny-admin" };
const REJECTED: Outcome = { status: 400, reason: "path_rejected" };

const SHAPES: [string, string, Outcome][] = [
  ["canonical path", "/x/y?q=1", FORWARDED("/x/y?q=1")],
  ["dot-dot out of /admin", "/admin/../x", FORWARDED("/x")],
  ["encoded dot-dot out of /admin", "/admin/%2e%2e/x", FORWARDED("/x")],
  ["dot-dot into /admin", "/x/../admin", DENIED],
  ["query kept as sent", "/a/./b?next=/../admin&x=%2F", FORWARDED("/a/b?next=/../admin&x=%2F")],
  ["merged slashes", "/x//y", FORWARDED("/x/y")],
  ["double slash before admin", "//admin", DENIED],
  ["path parameter on admin", "/admin;x=y", DENIED],
  ["parameter in a dot segment before admin", "/..;/admin", DENIED],
  ["parameter in a dot segment after admin", "/admin/..;/x", FORWARDED("/x")],
  ["parameters inside dot segments", "/x/..;a=b/.;c/admin", DENIED],
  ["parameters stripped from the forwarded path", "/x;jsessionid=1/y", FORWARDED("/x/y")],
  ["encoded semicolon is data", "/x%3Bx/y", FORWARDED("/x%3Bx/y")],
  ["double encoding", "/%2561dmin", REJECTED],
  ["double encoding of the hex digits", "/%25%36%31dmin", REJECTED],
  ["encoded percent sign", "/100%25", REJECTED],
  ["encoded NUL", "/admin%00.html", REJECTED],
  ["encoded NUL elsewhere", "/x%00/../admin", REJECTED],
  ["encoded control character", "/x%0A", REJECTED],
  ["backslash", "/x\\..\\admin", REJECTED],
  ["encoded backslash", "/x%5C..%5Cadmin", REJECTED],
  ["encoded slash", "/x/..%2Fadmin", REJECTED],
  ["fullwidth solidus", "/x%EF%BC%8F..%EF%BC%8Fadmin", REJECTED],
  ["fullwidth letter", "/%EF%BD%81dmin", REJECTED],
  ["one-dot leader", "/x/%E2%80%A4%E2%80%A4/admin", REJECTED],
  ["overlong UTF-8 slash", "/x%C0%AF..%C0%AFadmin", REJECTED],
  ["truncated UTF-8", "/caf%C3", REJECTED],
  ["UTF-16 surrogate", "/x%ED%A0%80", REJECTED],
  ["Latin-1 byte", "/caf%E9", REJECTED],
  ["UTF-8, encoded", "/caf%C3%A9", FORWARDED("/caf%C3%A9")],
  ["UTF-8, lowercase hex", "/caf%c3%a9", FORWARDED("/caf%C3%A9")],
  ["encoded unreserved letters", "/%61dmin", DENIED],
  ["encoded reserved character, lowercase hex", "/x%3fy", FORWARDED("/x%3Fy")],
  ["bad escape", "/x%zz", REJECTED],
  ["uppercase against a case-sensitive policy", "/ADMIN", FORWARDED("/ADMIN")],
];

describe("path_forwarding normalized (the default): the upstream gets the path that was checked", () => {
  it.each(SHAPES)("%s: %s", async (_shape, path, outcome) => {
    const proxy = await start({ decision_header: true, policies: [DENY_ADMIN] });
    expectOutcome(send(proxy, { path }), outcome, ":path");
  });

  it("answers an ambiguous path 400 with details rbac_path_rejected, and gRPC calls INVALID_ARGUMENT", async () => {
    const proxy = await start({ policies: [DENY_ADMIN] });
    const r = send(proxy, { path: "/x%00" });
    expect(r.localResponse).toMatchObject({ status: 400, body: "RBAC: ambiguous path", details: "rbac_path_rejected" });
    expect(decisionHeader(r)).toBeUndefined();
    const grpc = send(proxy, { path: "/x%00", method: "POST", headers: { "content-type": "application/grpc" } });
    expect(grpc.localResponse?.grpcStatus).toBe(3);
  });

  it("counts each outcome: path_normalized, path_rejected", async () => {
    const proxy = await start({ policies: [DENY_ADMIN] });
    for (const path of ["/x", "/a/../x", "/b//x", "/%2561"]) send(proxy, { path });
    proxy.advance(1000);
    expect(proxy.metric("sluice.spiffe_rbac.path_normalized")).toBe(2);
    expect(proxy.metric("sluice.spiffe_rbac.path_rejected")).toBe(1);
    expect(proxy.metric("sluice.spiffe_rbac.path_forwarded_raw")).toBe(0);
  });

  it("leaves the path alone when no enforced policy reads it", async () => {
    const proxy = await start({ policies: [{ name: "all", action: "ALLOW", from: { unauthenticated: true } }] });
    const r = send(proxy, { path: "/a/../x%00" });
    expect(status(r)).toBe(200);
    expect(upstream(r, ":path")).toBe("/a/../x%00");
  });

  it("clears the route cache when it replaces the path, so Envoy routes on the canonical path", async () => {
    const proxy = await start({ policies: [DENY_ADMIN] });
    expect(send(proxy, { path: "/admin/../x" }).routeCacheCleared).toBe(1);
    expect(send(proxy, { path: "/x" }).routeCacheCleared).toBe(0);
  });

  it("changes nothing in global shadow mode, where nothing is enforced", async () => {
    const proxy = await start({ mode: "shadow", policies: [DENY_ADMIN] });
    for (const path of ["/admin/../x", "/x%00"]) {
      const r = send(proxy, { path });
      expect(status(r)).toBe(200);
      expect(upstream(r, ":path")).toBe(path);
    }
  });

  it("matches ignore_case paths whatever the case, and forwards the path as sent", async () => {
    const proxy = await start({ decision_header: true, policies: [{ ...DENY_ADMIN, to: { paths: ["/Admin*", "/api/{*}/Secret"], ignore_case: true } }] });
    for (const path of ["/ADMIN", "/admin/x", "/aDmIn", "/api/v1/SECRET"]) {
      expect(decisionHeader(send(proxy, { path })), path).toBe("denied_by_policy; policy=deny-admin");
    }
    const r = send(proxy, { path: "/Public" });
    expect(status(r)).toBe(200);
    expect(upstream(r, ":path")).toBe("/Public");
  });
});

describe("path_forwarding reject: any path that normalization changes is answered 400", () => {
  it.each([
    ["/x/y?q=/../", 200],
    ["/admin", 403],
    ["/admin/../x", 400],
    ["/x//y", 400],
    ["/%78", 400],
    ["/x;p", 400],
    ["/x%00", 400],
  ])("%s: %i", async (path, expected) => {
    const proxy = await start({ path_forwarding: "reject", policies: [DENY_ADMIN] });
    const r = send(proxy, { path });
    expect(status(r)).toBe(expected);
    if (expected === 200) expect(upstream(r, ":path")).toBe(path);
    if (expected === 400) expect(r.localResponse?.details).toBe("rbac_path_rejected");
  });
});

describe("path_forwarding raw (unsafe: the upstream routes on what was not checked)", () => {
  it("matches the canonical path, forwards the raw one and counts it", async () => {
    const proxy = await start({ path_forwarding: "raw", decision_header: true, policies: [DENY_ADMIN] });
    const r = send(proxy, { path: "/admin/../x" });
    expect(status(r)).toBe(200);
    expect(upstream(r, ":path")).toBe("/admin/../x");
    const bad = send(proxy, { path: "/x%00" });
    expect(status(bad)).toBe(403);
    expect(decisionHeader(bad)).toBe("invalid_path");
    proxy.advance(1000);
    expect(proxy.metric("sluice.spiffe_rbac.path_forwarded_raw")).toBe(1);
  });
});

describe(":authority: what the hosts policies matched is what goes upstream", () => {
  const config = (forwarding = "normalized") => ({
    path_forwarding: forwarding,
    decision_header: true,
    policies: [{ name: "deny-admin-host", action: "DENY", to: { hosts: ["admin.example.com"] } }],
  });
  const DENIED_HOST: Outcome = { status: 403, reason: "denied_by_policy; policy=deny-admin-host" };
  const AMBIGUOUS: Outcome = { status: 400, reason: "authority_rejected" };

  it.each<[string, string[], Outcome]>([
    ["exact", ["admin.example.com"], DENIED_HOST],
    ["mixed case", ["ADMIN.Example.COM"], DENIED_HOST],
    ["trailing dot", ["admin.example.com."], DENIED_HOST],
    ["trailing dot and port", ["admin.example.com.:8443"], DENIED_HOST],
    ["another host with a port", ["shop.example.com:8080"], FORWARDED("shop.example.com:8080")],
    ["another host, mixed case and trailing dot", ["Shop.Example.com."], FORWARDED("shop.example.com")],
    ["IPv6 literal", ["[::1]:80"], FORWARDED("[::1]:80")],
    ["two Host headers (Envoy joins them)", ["shop.example.com", "admin.example.com"], AMBIGUOUS],
    ["userinfo", ["user@admin.example.com"], AMBIGUOUS],
    ["percent-encoding", ["admin%2Eexample.com"], AMBIGUOUS],
    ["empty port", ["admin.example.com:"], AMBIGUOUS],
    ["port with a leading zero", ["admin.example.com:0443"], DENIED_HOST],
    ["port of six digits", ["admin.example.com:100000"], AMBIGUOUS],
    ["port with a letter", ["admin.example.com:8o"], AMBIGUOUS],
    ["empty label", ["admin..example.com"], AMBIGUOUS],
    ["backslash", ["admin.example.com\\x"], AMBIGUOUS],
    ["fullwidth dot", ["admin\u00ef\u00bc\u008eexample.com"], AMBIGUOUS],
  ])("%s: %j", async (_shape, authorities, outcome) => {
    const proxy = await start(config());
    const r = request(proxy, [[":path", "/"], ...authorities.map((a): [string, string] => [":authority", a])]);
    expectOutcome(r, outcome, ":authority");
  });

  it("answers 400 to a non-canonical authority with reject, and forwards it raw with raw", async () => {
    const reject = await start(config("reject"));
    const r = send(reject, { host: "Shop.example.com" });
    expect(r.localResponse).toMatchObject({ status: 400, body: "RBAC: ambiguous authority", details: "rbac_authority_rejected" });
    const raw = await start(config("raw"));
    const forwarded = send(raw, { host: "Shop.example.com" });
    expect(upstream(forwarded, ":authority")).toBe("Shop.example.com");
    expect(status(send(raw, { host: "ADMIN.example.com." }))).toBe(403);
  });

  it("counts authority_normalized and authority_rejected", async () => {
    const proxy = await start(config());
    for (const host of ["shop.example.com", "Shop.example.com", "a@b"]) send(proxy, { host });
    proxy.advance(1000);
    expect(proxy.metric("sluice.spiffe_rbac.authority_normalized")).toBe(1);
    expect(proxy.metric("sluice.spiffe_rbac.authority_rejected")).toBe(1);
  });
});

describe("when headers: the upstream gets the value the condition matched", () => {
  const config = (forwarding: string) => ({
    path_forwarding: forwarding,
    policies: [{ name: "team-a", action: "ALLOW", when: [{ source: "header", name: "x-team", values: ["a"] }] }],
  });
  const twoTeams: [string, string][] = [[":path", "/"], [":authority", "svc"], ["x-team", "a"], ["x-team", "b"]];

  it("keeps only the matched first value of a repeated header (Envoy hands a filter the first)", async () => {
    const r = request(await start(config("normalized")), twoTeams);
    expect(status(r)).toBe(200);
    expect(upstream(r, "x-team")).toBe("a");
  });

  it("leaves every value with path_forwarding raw", async () => {
    const r = request(await start(config("raw")), twoTeams);
    expect(upstream(r, "x-team")).toBe("a | b");
  });

  it("leaves a header no condition read", async () => {
    const r = request(await start(config("normalized")), [...twoTeams, ["x-other", "1"], ["x-other", "2"]]);
    expect(upstream(r, "x-other")).toBe("1 | 2");
  });
});
