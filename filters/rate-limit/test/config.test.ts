// rate-limit › config: compilation and the checks a JSON Schema cannot say. Schema-level errors
// are in the corpus (test/corpus.ts), checked through the built module and `sluice validate`
// alike (cli/test/config-corpus.test.ts).
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

const LIMIT = { requests: 10, per: "1s" };
const rule = (extra: Record<string, unknown> = {}) => ({ name: "r", limits: [LIMIT], ...extra });
const withRule = (extra: Record<string, unknown>) => ({ rules: [rule(extra)] });

// [description, config, exact error line]
const SEMANTIC: [string, unknown, string][] = [
  ["duplicate rule names", { rules: [rule({ match: { methods: ["GET"] } }), rule()] },
    "rate-limit: rules[1].name: duplicate rule name, got \"r\""],
  ["a rule after one that takes every request", { rules: [rule(), rule({ name: "s" })] },
    "rate-limit: rules[1]: is unreachable: rules[0] applies to every request, got {...}"],
  ["a default rule after one that takes every request", { rules: [rule()], default_rule: rule({ name: "d" }) },
    "rate-limit: default_rule: is unreachable: rules[0] applies to every request, got {...}"],
  ["a bad CIDR", withRule({ key: [{ source: "cidr", groups: [{ name: "office", ranges: ["10.0.0.0/33"] }] }] }),
    "rate-limit: rules[0].key[0].groups[0].ranges[0]: is not a valid CIDR, got \"10.0.0.0/33\""],
  ["a CIDR with host bits", withRule({ key: [{ source: "cidr", groups: [{ name: "office", ranges: ["10.0.0.1/8"] }] }] }),
    "rate-limit: rules[0].key[0].groups[0].ranges[0]: is not a valid CIDR, got \"10.0.0.1/8\""],
  ["a cost amount above max", withRule({ cost: { header: "x-cost", max: 5, amount: 6 } }),
    "rate-limit: rules[0].cost.amount: must be <= max, got 6"],
  ["an Istio principal as a SPIFFE pattern", withRule({ match: { peer_id: "cluster.local/ns/x/sa/y" } }),
    "rate-limit: rules[0].match.peer_id: is not a valid SPIFFE ID pattern: scheme must be \"spiffe://\" (lowercase); write \"spiffe://cluster.local/ns/x/sa/y\", got \"cluster.local/ns/x/sa/y\""],
  ["a SPIFFE pattern with two stars in a segment", withRule({ match: { peer_id: "spiffe://td/ns/*a*" } }),
    "rate-limit: rules[0].match.peer_id: is not a valid SPIFFE ID pattern: a path segment may contain at most one \"*\", got \"spiffe://td/ns/*a*\""],
  ["a global rule without rls", withRule({ global: true }), "rate-limit: rules[0].global: needs \"rls\" at the top level, got true"],
  ["a shared overflow bucket without limits", withRule({ key: [{ source: "method" }], overflow: "shared_bucket" }),
    "rate-limit: rules[0].overflow: needs overflow_limits, got \"shared_bucket\""],
  ["overflow limits with another overflow policy", withRule({ key: [{ source: "method" }], overflow: "deny", overflow_limits: [LIMIT] }),
    "rate-limit: rules[0].overflow: takes no overflow_limits (only shared_bucket does), got \"deny\""],
];

const text = (config: unknown) => (typeof config === "string" ? config : JSON.stringify(config));

describe("config errors a schema cannot say", () => {
  it.each(SEMANTIC)("rejects %s", (_what, config, error) => {
    expect(entry.configError(text(config))).toBe(error);
  });

  it("reports every one, a line each", () => {
    const config = { rules: [rule(), rule({ global: true })] };
    expect(entry.configError(text(config)).split("\n")).toEqual([
      "rate-limit: rules[1].name: duplicate rule name, got \"r\"",
      "rate-limit: rules[1].global: needs \"rls\" at the top level, got true",
      "rate-limit: rules[1]: is unreachable: rules[0] applies to every request, got {...}",
    ]);
  });
});

describe("valid configs", () => {
  it("accepts a minimal rule and keeps the defaults", () => {
    expect(entry.configSummary(text({ rules: [rule()] }))).toBe("rules=r(10/10/1000ms);pairs=false;mode=0;enforce=100;reply=429/8");
  });

  it("reads a limit as requests per duration, with a burst", () => {
    const config = withRule({ limits: [{ requests: 5, per: "1m" }, { requests: 2, per: "250ms", burst: 20 }] });
    expect(entry.configSummary(text(config))).toContain("rules=r(5/5/60000ms+20/2/250ms)");
  });

  it("appends the default rule after the rules", () => {
    const config = { rules: [rule({ match: { methods: ["POST"] } })], default_rule: rule({ name: "rest" }), headers_mode: "ietf" };
    expect(entry.configSummary(text(config))).toBe("rules=r(10/10/1000ms),rest(10/10/1000ms);pairs=false;mode=2;enforce=100;reply=429/8");
  });

  it("reads the default rule's key, slots and cost like a rule's", () => {
    const config = { rules: [rule({ match: { methods: ["POST"] } })], default_rule: rule({ name: "rest", key: [{ source: "method" }], max_keys: 7 }) };
    expect(entry.configSummary(text(config))).toContain("rest(10/10/1000ms key 4 slots 7)");
  });

  it.each([
    [{ source: "header", name: "X-User" }, "0:x-user"],
    [{ source: "colour" }, "0:x-sluice-colour"],
    [{ source: "colour", header: "X-Release" }, "0:x-release"],
    [{ source: "peer_namespace" }, "10"],
    [{ source: "client_ip", trusted_hops: 1 }, "6"],
  ])("keys on %j", (part, described) => {
    expect(entry.configSummary(text(withRule({ key: [part] })))).toContain(`key ${described} slots 1024`);
  });

  it("reads all headers in one call when rules need more than one header", () => {
    const config = { rules: [rule({ match: { methods: ["GET"] }, key: [{ source: "header", name: "X-User" }] })] };
    expect(entry.configSummary(text(config))).toContain(";pairs=true;");
  });

  it("reads one header by name when rules need a single header", () => {
    const config = { rules: [rule({ key: [{ source: "header", name: "x-user" }, { source: "client_ip" }] })] };
    expect(entry.configSummary(text(config))).toContain(";pairs=false;");
  });

  it("takes the reply's status and gRPC status from the config", () => {
    expect(entry.configSummary(text({ rules: [rule()], reply: { status: 503, grpc_status: 14 } }))).toContain(";reply=503/14");
  });

  it.each(readdirSync(resolve(import.meta.dirname, "fixtures/valid")))("accepts fixtures/valid/%s", (file) => {
    expect(entry.configError(readFileSync(resolve(import.meta.dirname, "fixtures/valid", file), "utf8"))).toBe("");
  });
});
