// spiffe-rbac › config: the checks a JSON Schema cannot say (SPIFFE patterns, trust domains, globs,
// path patterns, unique names), through the built module. Schema-level errors are in the corpus
// (test/corpus.ts), checked through the built module and `sluice validate` alike
// (cli/test/config-corpus.test.ts).
import { readdirSync, readFileSync } from "node:fs";
import { resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { load } from "./harness.js";

const allow = (extra: Record<string, unknown> = {}) => ({ name: "p", action: "ALLOW", ...extra });
const withPolicy = (policy: Record<string, unknown>, top: Record<string, unknown> = {}) => ({ ...top, policies: [policy] });

async function rejection(config: unknown): Promise<string[]> {
  const { plugin } = await load(config);
  expect(plugin.ok).toBe(false);
  return [...new Set(plugin.logs("critical"))];
}

const INVALID: [string, unknown, string][] = [
  ["an uppercase trust domain", { trust_domains: ["Prod.example"], policies: [] },
    "trust_domains[0]: is not a valid trust domain: trust domain characters are limited to lowercase letters, numbers, dots, dashes, and underscores, got \"Prod.example\""],
  ["a trust domain with a port", { trust_domains: ["prod.example:443"], policies: [] },
    "trust_domains[0]: is not a valid trust domain: trust domain cannot have a port or userinfo, got \"prod.example:443\""],
  ["a malformed trusted proxy pattern", { xfcc: { trusted_proxies: ["spiffe://td/gw/"] }, policies: [] },
    "xfcc.trusted_proxies[0]: is not a valid SPIFFE ID pattern: path cannot have a trailing slash, got \"spiffe://td/gw/\""],
  ["a duplicate policy name", { policies: [allow(), allow()] }, "policies[1].name: duplicate policy name, got \"p\""],
  ["an empty from", withPolicy(allow({ from: {} })), "policies[0].from: must name at least one identity field or \"unauthenticated\": true, got {...}"],
  ["a from with only unauthenticated false", withPolicy(allow({ from: { unauthenticated: false } })),
    "policies[0].from: must name at least one identity field or \"unauthenticated\": true, got {...}"],
  ["an empty to", withPolicy(allow({ to: {} })), "policies[0].to: must name at least one field, got {...}"],
  ["an Istio-style principal without scheme", withPolicy(allow({ from: { principals: ["cluster.local/ns/default/sa/sleep"] } })),
    "policies[0].from.principals[0]: is not a valid SPIFFE ID pattern: scheme must be \"spiffe://\" (lowercase); write \"spiffe://cluster.local/ns/default/sa/sleep\", got \"cluster.local/ns/default/sa/sleep\""],
  ["a principal with a dot segment", withPolicy(allow({ from: { not_principals: ["spiffe://td/ns/../sa/x"] } })),
    "policies[0].from.not_principals[0]: is not a valid SPIFFE ID pattern: path cannot contain dot segments, got \"spiffe://td/ns/../sa/x\""],
  ["a principal with two stars in a segment", withPolicy(allow({ from: { principals: ["spiffe://td/ns/*a*"] } })),
    "policies[0].from.principals[0]: is not a valid SPIFFE ID pattern: a path segment may contain at most one \"*\", got \"spiffe://td/ns/*a*\""],
  ["a principal with ** before the end", withPolicy(allow({ from: { principals: ["spiffe://td/**/sa/x"] } })),
    "policies[0].from.principals[0]: is not a valid SPIFFE ID pattern: \"**\" must be the whole last path segment, got \"spiffe://td/**/sa/x\""],
  ["a partial trust-domain glob", withPolicy(allow({ from: { principals: ["spiffe://*.example/x"] } })),
    "policies[0].from.principals[0]: is not a valid SPIFFE ID pattern: trust domain must be exact or \"*\", got \"spiffe://*.example/x\""],
  ["a percent-encoded principal", withPolicy(allow({ from: { principals: ["spiffe://td/%61"] } })),
    "policies[0].from.principals[0]: is not a valid SPIFFE ID pattern: cannot contain percent-encoding, got \"spiffe://td/%61\""],
  ["a namespace with a slash", withPolicy(allow({ from: { namespaces: ["a/b"] } })),
    "policies[0].from.namespaces[0]: must be a SPIFFE path segment with at most one \"*\", got \"a/b\""],
  ["a service account without a namespace", withPolicy(allow({ from: { service_accounts: ["sleep"] } })),
    "policies[0].from.service_accounts[0]: must be \"<namespace>/<service-account>\", each a SPIFFE path segment with at most one \"*\", got \"sleep\""],
  ["a relative path", withPolicy(allow({ to: { paths: ["admin"] } })),
    "policies[0].to.paths[0]: is not a valid path pattern: must start with \"/\" or \"*\", got \"admin\""],
  ["a star in the middle of a path", withPolicy(allow({ to: { paths: ["/a/*/b"] } })),
    "policies[0].to.paths[0]: is not a valid path pattern: \"*\" may only be the first or the last character (use {*} or {**} templates), got \"/a/*/b\""],
  ["{**} before the end of a template", withPolicy(allow({ to: { paths: ["/a/{**}/b"] } })),
    "policies[0].to.paths[0]: is not a valid path pattern: {**} must be the last segment of a template, got \"/a/{**}/b\""],
  ["a partial template segment", withPolicy(allow({ to: { not_paths: ["/a/x{*}"] } })),
    "policies[0].to.not_paths[0]: is not a valid path pattern: template operators {*} and {**} must be whole segments, got \"/a/x{*}\""],
  ["an unknown template operator", withPolicy(allow({ to: { paths: ["/a/{id}"] } })),
    "policies[0].to.paths[0]: is not a valid path pattern: template operators {*} and {**} must be whole segments, got \"/a/{id}\""],
  ["a condition without values", withPolicy(allow({ when: [{ source: "header", name: "x-team" }] })),
    "policies[0].when[0]: needs \"values\" or \"not_values\", got {...}"],
];

describe("configuration errors a schema cannot say", () => {
  it.each(INVALID)("rejects %s", async (_name, config, message) => {
    expect(await rejection(config)).toEqual([`spiffe-rbac: ${message}`]);
  });
});

const VALID: [string, unknown][] = [
  ["no policies (allow by default)", { policies: [] }],
  ["deny by default", { default_action: "DENY", policies: [] }],
  ["a policy without from/to/when", { policies: [{ name: "all", action: "DENY" }] }],
  ["a header name in any case", { policies: [allow({ when: [{ source: "header", name: "TraceParent", values: ["*"] }] })] }],
  ["every field", {
    mode: "enforce",
    default_action: "ALLOW",
    trust_domains: ["prod.example", "partner.example"],
    xfcc: { trusted_proxies: ["spiffe://prod.example/ns/istio-system/sa/gateway"], use: "first", strip_untrusted: true },
    path_normalization: { encoded_slashes: "keep", merge_slashes: false, dot_segments: "reject" },
    reply: { status: 401, body: "forbidden", headers: [{ name: "www-authenticate", value: "mTLS" }], grpc_status: 16 },
    decision_header: true,
    policies: [{
      name: "everything_1",
      action: "AUDIT",
      mode: "shadow",
      from: {
        principals: ["spiffe://prod.example/ns/*/sa/api-*", "spiffe://*/**"], not_principals: ["spiffe://prod.example/ns/x/sa/y"],
        trust_domains: ["prod.example"], not_trust_domains: ["evil.example"], namespaces: ["prod-*"], not_namespaces: ["kube-system"],
        service_accounts: ["prod/api"], not_service_accounts: ["*/default"], unauthenticated: true,
      },
      to: {
        methods: ["GET", "M-SEARCH"], not_methods: ["DELETE"], hosts: ["*.example"], not_hosts: ["admin.*"], ports: [443], not_ports: [8080],
        paths: ["/api/{*}/items/{**}", "/exact", "/prefix*", "*.json", "*"], not_paths: ["/admin*"],
      },
      when: [{ source: "header", name: "x-team", values: ["payments", "ops*"], not_values: ["*-test"] }, { source: "header", name: ":authority", values: ["*"] }],
    }, {
      name: "needs-traceparent",
      action: "DENY",
      when: [{ source: "header", name: "traceparent", not_values: ["*"] }],
      reply: { status: 400, body: "traceparent is required\n" },
    }],
  }],
];

describe("valid configurations", () => {
  it.each(VALID)("accepts %s", async (_name, config) => {
    const { plugin } = await load(config);
    expect(plugin.logs("critical")).toEqual([]);
    expect(plugin.ok).toBe(true);
  });

  it.each(readdirSync(resolve(import.meta.dirname, "fixtures/valid")))("accepts fixtures/valid/%s", async (file) => {
    const { plugin } = await load(JSON.parse(readFileSync(resolve(import.meta.dirname, "fixtures/valid", file), "utf8")));
    expect(plugin.logs("critical")).toEqual([]);
    expect(plugin.ok).toBe(true);
  });
});
