import { readdirSync, readFileSync } from "node:fs";
import { resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { load } from "./harness.js";

const allow = (extra: Record<string, unknown> = {}) => ({ name: "p", action: "ALLOW", ...extra });
const withPolicy = (policy: Record<string, unknown>, top: Record<string, unknown> = {}) => ({ ...top, policies: [policy] });

async function rejection(config: unknown): Promise<string[]> {
  const { plugin } = await load(config);
  expect(plugin.ok).toBe(false);
  return plugin.logs("critical");
}

const INVALID: [string, unknown, string][] = [
  ["an empty configuration", "", "policies: is required, got nothing"],
  ["invalid JSON", "{\"policies\": [}", "$: invalid JSON at byte 14: unexpected character"],
  ["a document that is not an object", [], "$: must be an object, got [...]"],
  ["an unknown top-level key", { policies: [], rules: [] }, "rules: unknown key, got [...]"],
  ["policies that are not an array", { policies: {} }, "policies: must be an array, got {...}"],
  ["an unknown mode", { mode: "dry-run", policies: [] }, "mode: must be one of \"enforce\", \"shadow\", got \"dry-run\""],
  ["an unknown default action", { default_action: "AUDIT", policies: [] }, "default_action: must be one of \"ALLOW\", \"DENY\", got \"AUDIT\""],
  ["an empty trust domain list", { trust_domains: [], policies: [] }, "trust_domains: must have at least 1 items, got [...]"],
  ["an uppercase trust domain", { trust_domains: ["Prod.example"], policies: [] },
    "trust_domains[0]: is not a valid trust domain: trust domain characters are limited to lowercase letters, numbers, dots, dashes, and underscores, got \"Prod.example\""],
  ["a trust domain with a port", { trust_domains: ["prod.example:443"], policies: [] },
    "trust_domains[0]: is not a valid trust domain: trust domain cannot have a port or userinfo, got \"prod.example:443\""],
  ["xfcc without trusted proxies", { xfcc: {}, policies: [] }, "xfcc.trusted_proxies: is required, got nothing"],
  ["an unknown xfcc element choice", { xfcc: { trusted_proxies: ["spiffe://td/gw"], use: "middle" }, policies: [] },
    "xfcc.use: must be one of \"last\", \"first\", got \"middle\""],
  ["a malformed trusted proxy pattern", { xfcc: { trusted_proxies: ["spiffe://td/gw/"] }, policies: [] },
    "xfcc.trusted_proxies[0]: is not a valid SPIFFE ID pattern: path cannot have a trailing slash, got \"spiffe://td/gw/\""],
  ["an unknown encoded-slash mode", { path_normalization: { encoded_slashes: "allow" }, policies: [] },
    "path_normalization.encoded_slashes: must be one of \"reject\", \"decode\", \"keep\", got \"allow\""],
  ["a non-boolean merge_slashes", { path_normalization: { merge_slashes: "yes" }, policies: [] },
    "path_normalization.merge_slashes: must be a boolean, got \"yes\""],
  ["a non-string deny body", { deny_response: { body: 403 }, policies: [] }, "deny_response.body: must be a string, got 403"],
  ["a policy without a name", { policies: [{ action: "ALLOW" }] }, "policies[0].name: is required, got nothing"],
  ["a policy name with a dot", withPolicy(allow({ name: "a.b" })), "policies[0].name: must contain only letters, digits, \"-\" and \"_\", got \"a.b\""],
  ["a policy name over 64 characters", withPolicy(allow({ name: "p".repeat(65) })),
    `policies[0].name: must have at most 64 characters, got "${"p".repeat(64)}..."`],
  ["an unknown action", withPolicy(allow({ action: "CUSTOM" })), "policies[0].action: must be one of \"ALLOW\", \"DENY\", \"AUDIT\", got \"CUSTOM\""],
  ["a lowercase action", withPolicy(allow({ action: "allow" })), "policies[0].action: must be one of \"ALLOW\", \"DENY\", \"AUDIT\", got \"allow\""],
  ["a duplicate policy name", { policies: [allow(), allow()] }, "policies[1].name: duplicate policy name, got \"p\""],
  ["an unknown policy key", withPolicy(allow({ rules: [] })), "policies[0].rules: unknown key, got [...]"],
  ["an empty from", withPolicy(allow({ from: {} })), "policies[0].from: must name at least one identity field or \"unauthenticated\": true, got {...}"],
  ["a from with only unauthenticated false", withPolicy(allow({ from: { unauthenticated: false } })),
    "policies[0].from: must name at least one identity field or \"unauthenticated\": true, got {...}"],
  ["an empty to", withPolicy(allow({ to: {} })), "policies[0].to: must name at least one field, got {...}"],
  ["an empty principal list", withPolicy(allow({ from: { principals: [] } })), "policies[0].from.principals: must have at least 1 items, got [...]"],
  ["an Istio-style principal without scheme", withPolicy(allow({ from: { principals: ["cluster.local/ns/default/sa/sleep"] } })),
    "policies[0].from.principals[0]: is not a valid SPIFFE ID pattern: scheme must be \"spiffe://\" (lowercase), got \"cluster.local/ns/default/sa/sleep\""],
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
  ["a non-boolean unauthenticated", withPolicy(allow({ from: { unauthenticated: 1 } })), "policies[0].from.unauthenticated: must be a boolean, got 1"],
  ["a lowercase method", withPolicy(allow({ to: { methods: ["get"] } })),
    "policies[0].to.methods[0]: is not an HTTP method (uppercase letters, \"-\" and \"_\"), got \"get\""],
  ["a method with a space", withPolicy(allow({ to: { not_methods: ["GET POST"] } })),
    "policies[0].to.not_methods[0]: is not an HTTP method (uppercase letters, \"-\" and \"_\"), got \"GET POST\""],
  ["port 0", withPolicy(allow({ to: { ports: [0] } })), "policies[0].to.ports[0]: must be >= 1, got 0"],
  ["port 65536", withPolicy(allow({ to: { not_ports: [65536] } })), "policies[0].to.not_ports[0]: must be <= 65535, got 65536"],
  ["a fractional port", withPolicy(allow({ to: { ports: [80.5] } })), "policies[0].to.ports[0]: must be an integer, got 80.5"],
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
  ["an empty when", withPolicy(allow({ when: [] })), "policies[0].when: must have at least 1 items, got [...]"],
  ["a condition without a header", withPolicy(allow({ when: [{ values: ["x"] }] })), "policies[0].when[0].header: is required, got nothing"],
  ["an uppercase header name", withPolicy(allow({ when: [{ header: "X-Team", values: ["a"] }] })),
    "policies[0].when[0].header: must be a lowercase HTTP header name, got \"X-Team\""],
  ["a condition without values", withPolicy(allow({ when: [{ header: "x-team" }] })),
    "policies[0].when[0]: must have \"values\" or \"not_values\", got {...}"],
  ["an unknown condition key", withPolicy(allow({ when: [{ header: "x-team", value: "a" }] })), "policies[0].when[0].value: unknown key, got \"a\""],
];

describe("configuration errors", () => {
  it.each(INVALID)("rejects %s", async (_name, config, message) => {
    expect(await rejection(config)).toEqual([`spiffe-rbac: ${message}`]);
  });
});

const VALID: [string, unknown][] = [
  ["no policies (allow by default)", { policies: [] }],
  ["deny by default", { default_action: "DENY", policies: [] }],
  ["a policy without from/to/when", { policies: [{ name: "all", action: "DENY" }] }],
  ["every field", {
    mode: "enforce",
    default_action: "ALLOW",
    trust_domains: ["prod.example", "partner.example"],
    xfcc: { trusted_proxies: ["spiffe://prod.example/ns/istio-system/sa/gateway"], use: "first", strip_untrusted: true },
    path_normalization: { encoded_slashes: "keep", merge_slashes: false, dot_segments: "reject" },
    deny_response: { body: "forbidden", decision_header: true },
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
      when: [{ header: "x-team", values: ["payments", "ops*"], not_values: ["*-test"] }, { header: ":authority", values: ["*"] }],
    }],
  }],
];

describe("valid configurations", () => {
  it.each(VALID)("accepts %s", async (_name, config) => {
    const { plugin } = await load(config);
    expect(plugin.logs("critical")).toEqual([]);
    expect(plugin.ok).toBe(true);
  });
});

describe("fixtures", () => {
  const dir = resolve(import.meta.dirname, "fixtures");
  it.each(readdirSync(resolve(dir, "valid")))("accepts valid/%s", async (file) => {
    const { plugin } = await load(JSON.parse(readFileSync(resolve(dir, "valid", file), "utf8")));
    expect(plugin.logs("critical")).toEqual([]);
    expect(plugin.ok).toBe(true);
  });
  it.each(readdirSync(resolve(dir, "invalid")))("rejects invalid/%s with its message", async (file) => {
    const { config, error } = JSON.parse(readFileSync(resolve(dir, "invalid", file), "utf8"));
    expect(await rejection(config)).toEqual([error]);
  });
});
