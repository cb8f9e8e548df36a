import { readdirSync, readFileSync } from "node:fs";
import { resolve } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { loadEntry } from "./load.js";

interface ConfigEntry {
  configError(text: string): string;
  configSummary(text: string): string;
}

let entry: ConfigEntry;
beforeAll(async () => {
  entry = await loadEntry<ConfigEntry>("config");
});

const LIMIT = { requests: 10, per: "second" };
const rule = (extra: Record<string, unknown> = {}) => ({ name: "r", limits: [LIMIT], ...extra });
const withRule = (extra: Record<string, unknown>) => ({ rules: [rule(extra)] });

// [description, config, exact error line]
const INVALID: [string, unknown, string][] = [
  ["an empty configuration", "", "rate-limit: rules: is required, got nothing"],
  ["text that is not JSON", "{rules", "rate-limit: $: invalid JSON at byte 1: expected a string key"],
  ["a document that is not an object", [], "rate-limit: $: must be an object, got [...]"],
  ["an unknown top-level key", { rules: [rule()], limit: 5 }, "rate-limit: limit: unknown key, got 5"],
  ["no rules", { rules: [] }, "rate-limit: rules: must have at least 1 items, got [...]"],
  ["a rule without a name", { rules: [{ limits: [LIMIT] }] }, "rate-limit: rules[0].name: is required, got nothing"],
  ["a rule name with a dot", { rules: [rule({ name: "a.b" })] },
    "rate-limit: rules[0].name: must contain only letters, digits, \"_\" and \"-\", got \"a.b\""],
  ["duplicate rule names", { rules: [rule({ match: { methods: ["GET"] } }), rule()] },
    "rate-limit: rules[1].name: duplicate rule name, got \"r\""],
  ["a rule after one that takes every request", { rules: [rule(), rule({ name: "s" })] },
    "rate-limit: rules[1]: is unreachable: rules[0] applies to every request, got {...}"],
  ["a default rule after one that takes every request", { rules: [rule()], default_rule: rule({ name: "d" }) },
    "rate-limit: default_rule: is unreachable: rules[0] applies to every request, got {...}"],
  ["a default rule with a match", { rules: [rule({ match: { methods: ["GET"] } })], default_rule: rule({ name: "d", match: {} }) },
    "rate-limit: default_rule.match: unknown key, got {...}"],
  ["a rule without limits", { rules: [{ name: "r" }] }, "rate-limit: rules[0].limits: is required, got nothing"],
  ["five limits", withRule({ limits: [LIMIT, LIMIT, LIMIT, LIMIT, LIMIT] }),
    "rate-limit: rules[0].limits: must have at most 4 items, got [...]"],
  ["zero requests", withRule({ limits: [{ requests: 0, per: "second" }] }),
    "rate-limit: rules[0].limits[0].requests: must be >= 1, got 0"],
  ["fractional requests", withRule({ limits: [{ requests: 1.5, per: "second" }] }),
    "rate-limit: rules[0].limits[0].requests: must be an integer, got 1.5"],
  ["an unknown unit", withRule({ limits: [{ requests: 5, per: "week" }] }),
    "rate-limit: rules[0].limits[0].per: must be one of \"second\", \"minute\", \"hour\", \"day\", got \"week\""],
  ["requests mixed with max_tokens", withRule({ limits: [{ requests: 5, per: "second", max_tokens: 5 }] }),
    "rate-limit: rules[0].limits[0].max_tokens: unknown key, got 5"],
  ["a bucket without tokens_per_fill", withRule({ limits: [{ max_tokens: 5, fill_interval: "1s" }] }),
    "rate-limit: rules[0].limits[0].tokens_per_fill: is required, got nothing"],
  ["negative max_tokens", withRule({ limits: [{ max_tokens: -1, tokens_per_fill: 1, fill_interval: "1s" }] }),
    "rate-limit: rules[0].limits[0].max_tokens: must be >= 1, got -1"],
  ["a fill interval under 50ms", withRule({ limits: [{ max_tokens: 5, tokens_per_fill: 1, fill_interval: "10ms" }] }),
    "rate-limit: rules[0].limits[0].fill_interval: must be >= 50ms, got \"10ms\""],
  ["a fill interval that is not a duration", withRule({ limits: [{ max_tokens: 5, tokens_per_fill: 1, fill_interval: "soon" }] }),
    "rate-limit: rules[0].limits[0].fill_interval: must be a duration like \"1s\" or \"250ms\", got \"soon\""],
  ["max_keys of 0", withRule({ key: [{ source: "method" }], max_keys: 0 }),
    "rate-limit: rules[0].max_keys: must be >= 1, got 0"],
  ["max_keys over 65536", withRule({ key: [{ source: "method" }], max_keys: 65537 }),
    "rate-limit: rules[0].max_keys: must be <= 65536, got 65537"],
  ["an unknown key source", withRule({ key: [{ source: "ip" }] }),
    "rate-limit: rules[0].key[0].source: must be one of \"header\", \"query\", \"cookie\", \"path\", \"method\", \"host\", \"client_ip\", \"cidr\", \"spiffe_id\", \"trust_domain\", \"spiffe_ns\", \"spiffe_sa\", got \"ip\""],
  ["a header key without a name", withRule({ key: [{ source: "header" }] }),
    "rate-limit: rules[0].key[0].name: is required, got nothing"],
  ["a name on a method key", withRule({ key: [{ source: "method", name: "x" }] }),
    "rate-limit: rules[0].key[0].name: unknown key, got \"x\""],
  ["too many trusted hops", withRule({ key: [{ source: "client_ip", trusted_hops: 17 }] }),
    "rate-limit: rules[0].key[0].trusted_hops: must be <= 16, got 17"],
  ["a bad CIDR", withRule({ key: [{ source: "cidr", groups: [{ name: "office", ranges: ["10.0.0.0/33"] }] }] }),
    "rate-limit: rules[0].key[0].groups[0].ranges[0]: is not a valid CIDR, got \"10.0.0.0/33\""],
  ["a CIDR with host bits", withRule({ key: [{ source: "cidr", groups: [{ name: "office", ranges: ["10.0.0.1/8"] }] }] }),
    "rate-limit: rules[0].key[0].groups[0].ranges[0]: is not a valid CIDR, got \"10.0.0.1/8\""],
  ["an unknown missing-key policy", withRule({ on_missing_key: "deny" }),
    "rate-limit: rules[0].on_missing_key: must be one of \"skip\", \"default\", got \"deny\""],
  ["an unknown mode", withRule({ mode: "dry-run" }),
    "rate-limit: rules[0].mode: must be one of \"enforce\", \"shadow\", got \"dry-run\""],
  ["a negative cost", withRule({ cost: { amount: -1 } }), "rate-limit: rules[0].cost.amount: must be >= 0, got -1"],
  ["a cost header without max", withRule({ cost: { header: "x-cost" } }), "rate-limit: rules[0].cost.max: is required, got nothing"],
  ["a cost default above max", withRule({ cost: { header: "x-cost", max: 5, default: 6 } }),
    "rate-limit: rules[0].cost.default: must be <= max, got 6"],
  ["an unknown cost policy", withRule({ cost: { header: "x-cost", max: 5, on_invalid: "ignore" } }),
    "rate-limit: rules[0].cost.on_invalid: must be one of \"reject\", \"clamp\", got \"ignore\""],
  ["a path match with two kinds", withRule({ match: { path: { prefix: "/a", exact: "/b" } } }),
    "rate-limit: rules[0].match.path.prefix: cannot be combined with \"exact\", got \"/a\""],
  ["a host match without a kind", withRule({ match: { host: { ignore_case: true } } }),
    "rate-limit: rules[0].match.host: needs one of \"exact\", \"prefix\", \"suffix\", \"glob\", got {...}"],
  ["an unsatisfiable header match", withRule({ match: { headers: [{ name: "x", present: false, exact: "1" }] } }),
    "rate-limit: rules[0].match.headers[0]: is unsatisfiable: \"present\": false with a value to match, got {...}"],
  ["an empty any", withRule({ match: { any: [] } }), "rate-limit: rules[0].match.any: must have at least 1 items, got [...]"],
  ["any nested in any", withRule({ match: { any: [{ any: [{ methods: ["GET"] }] }] } }),
    "rate-limit: rules[0].match.any[0].any: unknown key, got [...]"],
  ["an empty method", withRule({ match: { methods: [""] } }),
    "rate-limit: rules[0].match.methods[0]: must have at least 1 characters, got \"\""],
  ["a SPIFFE pattern without the scheme", withRule({ match: { peer_spiffe_id: "cluster.local/ns/*" } }),
    "rate-limit: rules[0].match.peer_spiffe_id: scheme must be \"spiffe://\" (lowercase), got \"cluster.local/ns/*\""],
  ["a SPIFFE pattern with two stars in a segment", withRule({ match: { peer_spiffe_id: "spiffe://td/ns/*a*" } }),
    "rate-limit: rules[0].match.peer_spiffe_id: a path segment may contain at most one \"*\", got \"spiffe://td/ns/*a*\""],
  ["an unknown headers mode", { rules: [rule()], headers_mode: "draft04" },
    "rate-limit: headers_mode: must be one of \"none\", \"draft03\", \"ietf\", got \"draft04\""],
  ["enforce_percent over 100", { rules: [rule()], enforce_percent: 101 }, "rate-limit: enforce_percent: must be <= 100, got 101"],
  ["a string failure_mode_deny", { rules: [rule()], failure_mode_deny: "yes" },
    "rate-limit: failure_mode_deny: must be a boolean, got \"yes\""],
  ["a reject status under 400", { rules: [rule()], reject: { status: 200 } }, "rate-limit: reject.status: must be >= 400, got 200"],
  ["a global rule without rls", withRule({ global: true }), "rate-limit: rules[0].global: needs \"rls\" at the top level, got true"],
  ["rls without a cluster", { rules: [rule()], rls: { domain: "d" } }, "rate-limit: rls.cluster: is required, got nothing"],
  ["an rls timeout over 60s", { rules: [rule()], rls: { cluster: "c", domain: "d", timeout: "2m" } },
    "rate-limit: rls.timeout: must be <= 60000ms, got \"2m\""],
  ["a reject header without a value", { rules: [rule()], reject: { headers: [{ name: "x" }] } },
    "rate-limit: reject.headers[0].value: is required, got nothing"],
];

const text = (config: unknown) => (typeof config === "string" ? config : JSON.stringify(config));

describe("config errors", () => {
  it.each(INVALID)("rejects %s", (_what, config, error) => {
    expect(entry.configError(text(config))).toBe(error);
  });
});

describe("valid configs", () => {
  it("accepts a minimal rule and keeps the defaults", () => {
    expect(entry.configSummary(text({ rules: [rule()] }))).toBe("rules=r;pairs=false;mode=0;enforce=100");
  });

  it("appends the default rule after the rules", () => {
    const config = { rules: [rule({ match: { methods: ["POST"] } })], default_rule: rule({ name: "rest" }), headers_mode: "ietf" };
    expect(entry.configSummary(text(config))).toBe("rules=r,rest;pairs=false;mode=2;enforce=100");
  });

  it("reads all headers in one call when rules need more than one header", () => {
    const config = { rules: [rule({ match: { methods: ["GET"] }, key: [{ source: "header", name: "X-User" }] })] };
    expect(entry.configSummary(text(config))).toBe("rules=r;pairs=true;mode=0;enforce=100");
  });

  it("reads one header by name when rules need a single header", () => {
    const config = { rules: [rule({ key: [{ source: "header", name: "x-user" }, { source: "client_ip" }] })] };
    expect(entry.configSummary(text(config))).toBe("rules=r;pairs=false;mode=0;enforce=100");
  });
});

const FIXTURES = resolve(import.meta.dirname, "fixtures");

describe("fixtures", () => {
  it.each(readdirSync(resolve(FIXTURES, "valid")))("accepts valid/%s", (file) => {
    expect(entry.configError(readFileSync(resolve(FIXTURES, "valid", file), "utf8"))).toBe("");
  });

  it.each(readdirSync(resolve(FIXTURES, "invalid")))("rejects invalid/%s with its message", (file) => {
    const { config, error } = JSON.parse(readFileSync(resolve(FIXTURES, "invalid", file), "utf8"));
    expect(entry.configError(JSON.stringify(config))).toBe(error);
  });
});
