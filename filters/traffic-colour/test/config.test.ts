// traffic-colour › config: compilation and the checks a JSON Schema cannot say. Schema-level
// errors are in the corpus (test/corpus.ts), checked through the built module and `sluice
// validate` alike (cli/test/config-corpus.test.ts).
import { readdirSync, readFileSync } from "node:fs";
import { resolve } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { loadEntry } from "./load.js";

interface ConfigModule {
  configError(text: string): string;
  configSummary(text: string): string;
  stickyCookies(text: string, rule: number): string;
}

let m: ConfigModule;
beforeAll(async () => {
  m = await loadEntry<ConfigModule>("config");
});

const VALID = resolve(import.meta.dirname, "fixtures/valid");
const base = { colours: ["stable", "canary", "v2.1"] };
const withRule = (rule: Record<string, unknown>) => ({ ...base, rules: [{ name: "r", ...rule }] });
const withCondition = (condition: Record<string, unknown>) => withRule({ colour: "canary", match: condition });
const withSplit = (split: Record<string, unknown>) => withRule({ split });
const E = (path: string, problem: string) => `traffic-colour: ${path}: ${problem}`;

describe("traffic-colour › config errors a schema cannot say", () => {
  const cases: [string, unknown, string][] = [
    ["a duplicate colour", { colours: ["a", "b", "a"] }, E("colours[2]", "duplicate colour, got \"a\"")],
    ["a default colour that is not configured", { ...base, default_colour: "blue" }, E("default_colour", "is not one of the configured colours, got \"blue\"")],
    ["a trusted peer that is not a SPIFFE ID pattern", { ...base, inbound: "keep_from", trusted_peers: ["spiffe://a/**/b"] },
      E("trusted_peers[0]", "is not a valid SPIFFE ID pattern: \"**\" must be the whole last path segment, got \"spiffe://a/**/b\"")],
    ["an Istio principal as a trusted peer", { ...base, inbound: "keep_from", trusted_peers: ["cluster.local/ns/x/sa/y"] },
      E("trusted_peers[0]", "is not a valid SPIFFE ID pattern: scheme must be \"spiffe://\" (lowercase); write \"spiffe://cluster.local/ns/x/sa/y\", got \"cluster.local/ns/x/sa/y\"")],
    ["a duplicate rule name", { ...base, rules: [{ name: "r", colour: "canary" }, { name: "r", colour: "stable" }] }, E("rules[1].name", "duplicate rule name, got \"r\"")],
    ["a rule colour that is not configured", withRule({ colour: "blue" }), E("rules[0].colour", "is not one of the configured colours, got \"blue\"")],
    ["a header condition without a name", withCondition({ source: "header", op: "present" }), E("rules[0].match.source", "needs \"name\" (which one to read), got \"header\"")],
    ["a name on a path condition", withCondition({ source: "path", name: "x", op: "present" }),
      E("rules[0].match.name", "applies only when source is \"header\", \"query\", \"cookie\", got \"x\"")],
    ["a range with max below min", withCondition({ source: "header", name: "x-id", op: "range", min: 10, max: 9 }), E("rules[0].match.max", "must be >= min (10), got 9")],
    ["a timestamp that is not RFC 3339", withRule({ colour: "canary", not_before: "tomorrow" }),
      E("rules[0].not_before", "must be an RFC 3339 timestamp like \"2026-01-31T09:00:00Z\", got \"tomorrow\"")],
    ["not_after before not_before", withRule({ colour: "canary", not_before: "2026-01-02T00:00:00Z", not_after: "2026-01-01T00:00:00Z" }),
      E("rules[0].not_after", "must be later than not_before, got \"2026-01-01T00:00:00Z\"")],
    ["weights over 100%", withSplit({ key: { source: "header", name: "x-user-id" }, weights: [{ colour: "canary", basis_points: 6000 }, { colour: "v2.1", basis_points: 4001 }] }),
      E("rules[0].split.weights", "basis points add up to more than 10000 (100%), got [...]")],
    ["a weight colour that is not configured", withSplit({ weights: [{ colour: "blue", basis_points: 1 }] }),
      E("rules[0].split.weights[0].colour", "is not one of the configured colours, got \"blue\"")],
    ["a colour weighted twice", withSplit({ weights: [{ colour: "canary", basis_points: 1 }, { colour: "canary", basis_points: 2 }] }),
      E("rules[0].split.weights[1].colour", "duplicate colour, got \"canary\"")],
    ["a sticky cookie on a keyed split", withSplit({ key: { source: "cookie", name: "uid" }, weights: [{ colour: "canary", basis_points: 1 }], sticky: { cookie: "c" } }),
      E("rules[0].split.sticky", "applies only to random splits (without \"key\"), got {...}")],
    ["SameSite=None without Secure", withSplit({ weights: [{ colour: "canary", basis_points: 1 }], sticky: { cookie: "c", secure: false, same_site: "none" } }),
      E("rules[0].split.sticky.same_site", "needs secure: browsers refuse SameSite=None without Secure, got \"none\"")],
  ];

  it.each(cases)("rejects %s", (_name, config, error) => {
    expect(m.configError(typeof config === "string" ? config : JSON.stringify(config))).toBe(error);
  });
});

describe("traffic-colour › valid configs", () => {
  it.each(readdirSync(VALID).filter((f) => f.endsWith(".json")).sort())("accepts fixtures/valid/%s", (file) => {
    expect(m.configError(readFileSync(resolve(VALID, file), "utf8"))).toBe("");
  });

  it("applies the defaults to a config with colours only", () => {
    expect(m.configSummary(JSON.stringify(base)))
      .toBe("header=x-sluice-colour inbound=strip default=- baggage=- echo=- rules=0 sources=0 clock=false");
  });

  it("lowercases header names and shares sources between conditions", () => {
    const config = {
      ...base, header: "X-Colour", response_header: "X-Colour-Echo", inbound: "keep_from", baggage_key: "colour",
      trusted_peers: ["spiffe://cluster.local/ns/*/sa/gateway", "spiffe://*/**"], default_colour: "stable",
      rules: [
        { name: "a", colour: "v2.1", match: { op: "any", conditions: [{ source: "header", name: "X-Release", op: "equals", value: "v2.1" }, { source: "query", name: "version", op: "equals", value: "v2.1" }] } },
        { name: "b", colour: "canary", match: { op: "all", conditions: [{ source: "header", name: "x-release", op: "present" }, { op: "any", conditions: [{ source: "path", op: "prefix", value: "/api" }, { source: "peer_id", op: "glob", value: "spiffe://*" }] }] } },
        { name: "c", split: { key: { source: "cookie", name: "uid" }, salt: "exp", weights: [{ colour: "canary", basis_points: 25 }] }, not_before: "2026-01-01T00:00:00+01:00" },
      ],
    };
    expect(m.configSummary(JSON.stringify(config)))
      .toBe("header=x-colour inbound=keep_from default=stable baggage=colour echo=x-colour-echo rules=3 sources=5 clock=true");
  });

  it("builds one Set-Cookie value per outcome of a sticky split, the last for 'not selected'", () => {
    const config = withSplit({
      weights: [{ colour: "canary", basis_points: 500 }, { colour: "v2.1", basis_points: 100 }],
      sticky: { cookie: "sluice-colour", max_age: 3600, path: "/shop", domain: "example.com", same_site: "strict" },
    });
    expect(m.stickyCookies(JSON.stringify(config), 0).split("\n")).toEqual([
      "sluice-colour=canary; Max-Age=3600; Path=/shop; Domain=example.com; Secure; HttpOnly; SameSite=Strict",
      "sluice-colour=v2.1; Max-Age=3600; Path=/shop; Domain=example.com; Secure; HttpOnly; SameSite=Strict",
      "sluice-colour=-; Max-Age=3600; Path=/shop; Domain=example.com; Secure; HttpOnly; SameSite=Strict",
    ]);
  });

  it("defaults sticky cookies to a day, Path=/, Secure, HttpOnly and SameSite=Lax", () => {
    const config = withSplit({ weights: [{ colour: "canary", basis_points: 1 }], sticky: { cookie: "c", secure: false, http_only: false } });
    expect(m.stickyCookies(JSON.stringify(config), 0).split("\n")[0]).toBe("c=canary; Max-Age=86400; Path=/; SameSite=Lax");
  });

  it("accepts weights adding up to exactly 100%", () => {
    const config = withSplit({ weights: [{ colour: "canary", basis_points: 5000 }, { colour: "v2.1", basis_points: 5000 }] });
    expect(m.configError(JSON.stringify(config))).toBe("");
  });

  it("accepts a single condition as the match, without a group", () => {
    expect(m.configSummary(JSON.stringify(withCondition({ source: "header", name: "x-beta", op: "present" })))).toContain("rules=1 sources=1");
  });
});
