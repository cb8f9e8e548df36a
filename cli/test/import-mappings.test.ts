// The small translations the importers share: Istio principals to SPIFFE patterns, VirtualService
// regexes to traffic-colour operators, Sentinel resources to request matches.
import { describe, expect, it } from "vitest";
import { regexCondition } from "../import/gray-match.js";
import { principalPatterns } from "../import/istio-authz.js";
import { Report } from "../import/report.js";
import { requestsOf } from "../import/resource.js";
import type { Value } from "../import/source.js";

describe("Istio principals as spiffe-rbac patterns", () => {
  it.each([
    ["cluster.local/ns/prod/sa/user", ["spiffe://cluster.local/ns/prod/sa/user"]],
    ["*", ["spiffe://*", "spiffe://*/**"]],
    ["cluster.local/ns/prod/*", ["spiffe://cluster.local/ns/prod/**"]],
    ["cluster.local/ns/prod/sa/api-*", ["spiffe://cluster.local/ns/prod/sa/api-*", "spiffe://cluster.local/ns/prod/sa/api-*/**"]],
    ["*/ns/prod/sa/user", ["spiffe://*/ns/prod/sa/user"]],
  ])("%s is %j", (principal, patterns) => {
    expect(principalPatterns(principal)).toEqual(patterns);
  });

  it.each([
    ["cluster.*", "matches part of a trust domain; spiffe-rbac's trust domains are exact or *"],
    ["cluster.local/ns/prod/sa/*-canary", "matches inside a path segment or a trust domain, which spiffe-rbac patterns cannot say (a trust domain is exact or *, a segment glob is one segment)"],
    ["Cluster.Local/ns/x/sa/y", "is not a SPIFFE ID without its scheme, so no workload has it"],
    ["cluster.local/ns//sa/y", "is not a SPIFFE ID without its scheme, so no workload has it"],
  ])("%s has none: %s", (principal, why) => {
    expect(principalPatterns(principal)).toBe(why);
  });
});

describe("VirtualService regexes (whole-value RE2) as traffic-colour operators", () => {
  it.each([
    ["jason", { op: "equals", value: "jason" }],
    ["^jason$", { op: "equals", value: "jason" }],
    ["v1\\.2", { op: "equals", value: "v1.2" }],
    [".*Mobile.*", { op: "contains", value: "Mobile" }],
    ["Mozilla.*", { op: "prefix", value: "Mozilla" }],
    [".*\\.example\\.com", { op: "suffix", value: ".example.com" }],
    ["(a|b|c)", { op: "in", values: ["a", "b", "c"] }],
    ["^(?:yes|1)$", { op: "in", values: ["yes", "1"] }],
    ["(?i)jason", { op: "equals", value: "jason", ignore_case: true }],
  ])("%s is %j", (regex, condition) => {
    expect(regexCondition(regex)).toEqual(condition);
  });

  it.each(["^(.*?;)?(user=jason)(;.*)?$", "\\d+", "a.c", "[abc]", "a+", "a|b.*"])("%s has no operator", (regex) => {
    expect(regexCondition(regex)).toBeUndefined();
  });
});

describe("Sentinel resources and hystrix commands as requests", () => {
  const at = { at: "rules.json:3" } as Value;
  const read = (name: string, lossy = false) => {
    const report = new Report(lossy);
    const notes: string[] = [];
    return { set: requestsOf(name, at, `resource "${name}"`, report, notes, new Map([["orderService", "POST:/orders"]])), errors: report.errors, notes };
  };

  it.each([
    ["/api/orders", { paths: [{ exact: "/api/orders" }] }],
    ["GET:/api/orders", { methods: ["GET"], paths: [{ exact: "/api/orders" }] }],
    ["/api/**", { paths: [{ exact: "/api" }, { prefix: "/api/" }] }],
    ["/**", { paths: [{ prefix: "/" }] }],
    ["orderService", { methods: ["POST"], paths: [{ exact: "/orders" }] }],
  ])("%s covers %j", (name, set) => {
    expect(read(name).set).toEqual(set);
  });

  it("refuses a pattern whose segments a glob would cross, unless --lossy", () => {
    expect(read("/users/{id}/orders").errors).toEqual([
      'rules.json:3: resource "/users/{id}/orders": path pattern "/users/{id}/orders", Spring matches {variables}, * and ? within one path segment, a glob also across "/" (--lossy writes glob "/users/*/orders")',
    ]);
    expect(read("/users/{id}/orders", true).set).toEqual({ paths: [{ glob: "/users/*/orders" }] });
  });

  it("refuses a name that is not a path", () => {
    expect(read("com.shop.Orders:create()").errors).toEqual([
      'rules.json:3: resource "com.shop.Orders:create()": the name is not an HTTP path, the application names it (a method, a Dubbo service): pass --resource "com.shop.Orders:create()"=/path (or METHOD:/path)',
    ]);
  });
});
