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

const FIXTURES = resolve(import.meta.dirname, "fixtures");
const base = { colours: ["stable", "canary", "v2.1"] };
const withRule = (rule: Record<string, unknown>) => ({ ...base, rules: [{ name: "r", ...rule }] });
const withMatch = (match: unknown) => withRule({ colour: "canary", match });
const withCondition = (condition: Record<string, unknown>) => withMatch({ all: [condition] });
const withSplit = (split: Record<string, unknown>) => withRule({ split });
const E = (path: string, problem: string) => `traffic-colour: ${path}: ${problem}`;

describe("traffic-colour › config errors", () => {
  const cases: [string, unknown, string][] = [
    ["an empty config", "", E("colours", "is required, got nothing")],
    ["text that is not JSON", "{colours", E("$", "invalid JSON at byte 1: expected a string key")],
    ["a document that is not an object", [], E("$", "must be an object, got [...]")],
    ["an unknown top-level key", { ...base, colors: [] }, E("colors", "unknown key, got [...]")],
    ["no colours", { colours: [] }, E("colours", "must have at least 1 items, got [...]")],
    ["an empty colour name", { colours: [""] }, E("colours[0]", "must have at least 1 characters, got \"\"")],
    ["a colour name with a space", { colours: ["new blue"] },
      E("colours[0]", "must start with a letter or digit and contain only letters, digits, \".\", \"_\" and \"-\", got \"new blue\"")],
    ["a colour starting with a dash", { colours: ["-x"] },
      E("colours[0]", "must start with a letter or digit and contain only letters, digits, \".\", \"_\" and \"-\", got \"-x\"")],
    ["a duplicate colour", { colours: ["a", "b", "a"] }, E("colours[2]", "duplicate colour, got \"a\"")],
    ["a colour name over 64 characters", { colours: ["c".repeat(65)] },
      E("colours[0]", `must have at most 64 characters, got "${"c".repeat(64)}..."`)],
    ["a header name that is not a token", { ...base, header: "x colour" },
      E("header", "must be a header name (a token: letters, digits and !#$%&'*+-.^_`|~), got \"x colour\"")],
    ["a default colour that is not configured", { ...base, default_colour: "blue" },
      E("default_colour", "is not one of the configured colours, got \"blue\"")],
    ["an unknown inbound mode", { ...base, inbound: "trust" },
      E("inbound", "must be one of \"strip\", \"keep\", \"keep_from\", got \"trust\"")],
    ["keep_from without trusted peers", { ...base, inbound: "keep_from" },
      E("inbound", "needs trusted_peers (SPIFFE ID patterns of the peers to trust), got \"keep_from\"")],
    ["trusted peers without keep_from", { ...base, trusted_peers: ["spiffe://td/ns/a"] },
      E("trusted_peers", "is only used when inbound is \"keep_from\", got [...]")],
    ["a trusted peer that is not a SPIFFE pattern", { ...base, inbound: "keep_from", trusted_peers: ["https://td/x"] },
      E("trusted_peers[0]", "is not a SPIFFE ID pattern: scheme must be \"spiffe://\" (lowercase), got \"https://td/x\"")],
    ["a trusted peer with a dot segment", { ...base, inbound: "keep_from", trusted_peers: ["spiffe://td/ns/../sa"] },
      E("trusted_peers[0]", "is not a SPIFFE ID pattern: path cannot contain dot segments, got \"spiffe://td/ns/../sa\"")],
    ["a baggage key that is not a token", { ...base, baggage_key: "colour=x" },
      E("baggage_key", "must be a baggage key (a token: letters, digits and !#$%&'*+-.^_`|~), got \"colour=x\"")],
    ["rules that are not an array", { ...base, rules: {} }, E("rules", "must be an array, got {...}")],
    ["a rule without a name", { ...base, rules: [{ colour: "canary" }] }, E("rules[0].name", "is required, got nothing")],
    ["a rule with an unknown key", withRule({ colour: "canary", when: 1 }), E("rules[0].when", "unknown key, got 1")],
    ["duplicate rule names", { ...base, rules: [{ name: "a", colour: "canary" }, { name: "a", colour: "stable" }] },
      E("rules[1].name", "duplicate rule name, got \"a\"")],
    ["a rule with neither colour nor split", withRule({}), E("rules[0]", "must have \"colour\" or \"split\", got {...}")],
    ["a rule with both colour and split", withRule({ colour: "canary", split: {} }),
      E("rules[0]", "must have either \"colour\" or \"split\", not both, got {...}")],
    ["a rule colour that is not configured", withRule({ colour: "blue" }),
      E("rules[0].colour", "is not one of the configured colours, got \"blue\"")],
    ["a bad not_before timestamp", withRule({ colour: "canary", not_before: "2026-02-30T00:00:00Z" }),
      E("rules[0].not_before", "must be an RFC 3339 timestamp like \"2026-01-31T09:00:00Z\", got \"2026-02-30T00:00:00Z\"")],
    ["a timestamp without a time zone", withRule({ colour: "canary", not_after: "2026-01-01T00:00:00" }),
      E("rules[0].not_after", "must be an RFC 3339 timestamp like \"2026-01-31T09:00:00Z\", got \"2026-01-01T00:00:00\"")],
    ["a window that ends before it starts",
      withRule({ colour: "canary", not_before: "2026-02-01T00:00:00Z", not_after: "2026-01-01T00:00:00Z" }),
      E("rules[0].not_after", "must be later than not_before, got \"2026-01-01T00:00:00Z\"")],
    ["a match with neither all nor any", withMatch({}), E("rules[0].match", "must have \"all\" or \"any\", got {...}")],
    ["a match with both all and any", withMatch({ all: [], any: [] }),
      E("rules[0].match", "must have either \"all\" or \"any\", not both, got {...}")],
    ["an empty group", withMatch({ any: [] }), E("rules[0].match.any", "must have at least 1 items, got [...]")],
    ["groups nested twice", withMatch({ all: [{ any: [{ all: [{ field: "path", op: "present" }] }] }] }),
      E("rules[0].match.all[0].any[0]", "groups can be nested only once, got {...}")],
    ["a condition without op", withCondition({ field: "path" }), E("rules[0].match.all[0].op", "is required, got nothing")],
    ["a top-level item with only an unknown key (checked like the schema's shared item)", withMatch({ all: [{ zz: 1 }] }),
      E("rules[0].match.all[0].zz", "unknown key, got 1")],
    ["a nested condition with only an unknown key", withMatch({ all: [{ any: [{ zz: 1 }] }] }),
      E("rules[0].match.all[0].any[0].field", "is required, got nothing")],
    ["a range bound beyond 2^53 - 1", withCondition({ field: "header", name: "x-user-id", op: "range", min: 1, max: 2 ** 53 }),
      E("rules[0].match.all[0].max", "must be <= 9007199254740991, got 9007199254740992")],
    ["an unknown operator", withCondition({ field: "path", op: "regex", value: "x" }),
      E("rules[0].match.all[0].op", "must be one of \"equals\", \"not_equals\", \"prefix\", \"suffix\", \"contains\", \"in\", \"not_in\", \"present\", \"absent\", \"glob\", \"range\", got \"regex\"")],
    ["an unknown field", withCondition({ field: "body", op: "present" }),
      E("rules[0].match.all[0].field", "must be one of \"header\", \"query\", \"cookie\", \"path\", \"method\", \"host\", \"peer\", got \"body\"")],
    ["a header condition without a name", withCondition({ field: "header", op: "present" }),
      E("rules[0].match.all[0].field", "needs \"name\" (the header to read), got \"header\"")],
    ["a name on a path condition", withCondition({ field: "path", name: "x", op: "present" }),
      E("rules[0].match.all[0].name", "is only used when field is \"header\", \"query\" or \"cookie\", got \"x\"")],
    ["equals without value", withCondition({ field: "header", name: "x-env", op: "equals" }),
      E("rules[0].match.all[0].op", "needs \"value\", got \"equals\"")],
    ["in without values", withCondition({ field: "header", name: "x-env", op: "in" }),
      E("rules[0].match.all[0].op", "needs \"values\", got \"in\"")],
    ["values that are not strings", withCondition({ field: "header", name: "x-env", op: "in", values: ["a", 1] }),
      E("rules[0].match.all[0].values[1]", "must be a string, got 1")],
    ["a value on present", withCondition({ field: "header", name: "x-env", op: "present", value: "x" }),
      E("rules[0].match.all[0].value", "is not used with op \"present\", got \"x\"")],
    ["range without bounds", withCondition({ field: "header", name: "x-user-id", op: "range", min: 1 }),
      E("rules[0].match.all[0].op", "needs \"min\" and \"max\", got \"range\"")],
    ["a range with a fractional bound", withCondition({ field: "header", name: "x-user-id", op: "range", min: 1.5, max: 2 }),
      E("rules[0].match.all[0].min", "must be an integer, got 1.5")],
    ["a range whose max is below its min", withCondition({ field: "header", name: "x-user-id", op: "range", min: 2000, max: 1001 }),
      E("rules[0].match.all[0].max", "must be >= min (2000), got 1001")],
    ["ignore_case on range", withCondition({ field: "header", name: "x-user-id", op: "range", min: 1, max: 2, ignore_case: true }),
      E("rules[0].match.all[0].ignore_case", "is not used with op \"range\", got true")],
    ["a split without weights", withSplit({}), E("rules[0].split.weights", "is required, got nothing")],
    ["weights over 100%", withSplit({ key: { field: "header", name: "x-user-id" }, weights: [{ colour: "canary", basis_points: 6000 }, { colour: "v2.1", basis_points: 4001 }] }),
      E("rules[0].split.weights", "basis points add up to more than 10000 (100%), got [...]")],
    ["a weight of zero basis points", withSplit({ weights: [{ colour: "canary", basis_points: 0 }] }),
      E("rules[0].split.weights[0].basis_points", "must be >= 1, got 0")],
    ["a weight over 10000 basis points", withSplit({ weights: [{ colour: "canary", basis_points: 10001 }] }),
      E("rules[0].split.weights[0].basis_points", "must be <= 10000, got 10001")],
    ["a weight colour that is not configured", withSplit({ weights: [{ colour: "blue", basis_points: 1 }] }),
      E("rules[0].split.weights[0].colour", "is not one of the configured colours, got \"blue\"")],
    ["a colour weighted twice", withSplit({ weights: [{ colour: "canary", basis_points: 1 }, { colour: "canary", basis_points: 2 }] }),
      E("rules[0].split.weights[1].colour", "duplicate colour, got \"canary\"")],
    ["a split key from the path", withSplit({ key: { field: "path", name: "x" }, weights: [{ colour: "canary", basis_points: 1 }] }),
      E("rules[0].split.key.field", "must be one of \"header\", \"query\", \"cookie\", got \"path\"")],
    ["a salt on a random split", withSplit({ salt: "s", weights: [{ colour: "canary", basis_points: 1 }] }),
      E("rules[0].split.salt", "is only used by keyed splits (with \"key\"), got \"s\"")],
    ["a sticky cookie on a keyed split",
      withSplit({ key: { field: "cookie", name: "uid" }, weights: [{ colour: "canary", basis_points: 1 }], sticky: { cookie: "c" } }),
      E("rules[0].split.sticky", "is only used by random splits (without \"key\"), got {...}")],
    ["a sticky cookie name that is not a token", withSplit({ weights: [{ colour: "canary", basis_points: 1 }], sticky: { cookie: "my cookie" } }),
      E("rules[0].split.sticky.cookie", "must be a cookie name (a token: letters, digits and !#$%&'*+-.^_`|~), got \"my cookie\"")],
    ["a sticky cookie name with a separator", withSplit({ weights: [{ colour: "canary", basis_points: 1 }], sticky: { cookie: "a;b" } }),
      E("rules[0].split.sticky.cookie", "must be a cookie name (a token: letters, digits and !#$%&'*+-.^_`|~), got \"a;b\"")],
    ["a sticky max_age of zero", withSplit({ weights: [{ colour: "canary", basis_points: 1 }], sticky: { cookie: "c", max_age: 0 } }),
      E("rules[0].split.sticky.max_age", "must be >= 1, got 0")],
    ["a sticky path with a semicolon", withSplit({ weights: [{ colour: "canary", basis_points: 1 }], sticky: { cookie: "c", path: "/;x" } }),
      E("rules[0].split.sticky.path", "must be printable ASCII without \";\", got \"/;x\"")],
    ["SameSite=None without Secure", withSplit({ weights: [{ colour: "canary", basis_points: 1 }], sticky: { cookie: "c", secure: false, same_site: "none" } }),
      E("rules[0].split.sticky.same_site", "needs secure: browsers refuse SameSite=None without Secure, got \"none\"")],
    ["an unknown SameSite", withSplit({ weights: [{ colour: "canary", basis_points: 1 }], sticky: { cookie: "c", same_site: "Lax" } }),
      E("rules[0].split.sticky.same_site", "must be one of \"lax\", \"strict\", \"none\", got \"Lax\"")],
  ];

  it.each(cases)("rejects %s", (_name, config, error) => {
    expect(m.configError(typeof config === "string" ? config : JSON.stringify(config))).toBe(error);
  });
});

describe("traffic-colour › valid configs", () => {
  it("applies the defaults to a config with colours only", () => {
    expect(m.configSummary(JSON.stringify(base)))
      .toBe("header=x-sluice-colour inbound=strip default=- baggage=- echo=- rules=0 sources=0 clock=false");
  });

  it("lowercases header names and shares sources between conditions", () => {
    const config = {
      ...base, header: "X-Colour", response_header: "X-Colour-Echo", inbound: "keep_from", baggage_key: "colour",
      trusted_peers: ["spiffe://cluster.local/ns/*/sa/gateway", "spiffe://*/**"], default_colour: "stable",
      rules: [
        { name: "a", colour: "v2.1", match: { any: [{ field: "header", name: "X-Release", op: "equals", value: "v2.1" }, { field: "query", name: "version", op: "equals", value: "v2.1" }] } },
        { name: "b", colour: "canary", match: { all: [{ field: "header", name: "x-release", op: "present" }, { any: [{ field: "path", op: "prefix", value: "/api" }, { field: "peer", op: "glob", value: "spiffe://*" }] }] } },
        { name: "c", split: { key: { field: "cookie", name: "uid" }, salt: "exp", weights: [{ colour: "canary", basis_points: 25 }] }, not_before: "2026-01-01T00:00:00+01:00" },
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
});

describe("traffic-colour › config fixtures", () => {
  const names = (kind: string) => readdirSync(resolve(FIXTURES, kind)).filter((f) => f.endsWith(".json")).sort();

  it.each(names("valid"))("accepts fixtures/valid/%s", (file) => {
    expect(m.configError(readFileSync(resolve(FIXTURES, "valid", file), "utf8"))).toBe("");
  });

  it.each(names("invalid"))("rejects fixtures/invalid/%s with its error", (file) => {
    const fixture = JSON.parse(readFileSync(resolve(FIXTURES, "invalid", file), "utf8")) as { config: unknown; error: string };
    expect(m.configError(JSON.stringify(fixture.config))).toBe(fixture.error);
  });
});

describe("traffic-colour › hostile configs", () => {
  type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
  const replacements: Json[] = [null, true, -1, 1e300, 0.5, "", "x".repeat(300), [], [1], {}, { all: [] }];

  /** Copies of `doc` with one node replaced by each replacement. */
  function* mutations(doc: Json): Generator<Json> {
    for (const r of replacements) yield r;
    if (Array.isArray(doc)) {
      for (let i = 0; i < doc.length; i++) {
        for (const m of mutations(doc[i])) yield doc.map((v, j) => (j === i ? m : v));
      }
    } else if (doc !== null && typeof doc === "object") {
      for (const key of Object.keys(doc)) {
        for (const m of mutations(doc[key])) yield { ...doc, [key]: m };
      }
    }
  }

  const files = readdirSync(resolve(FIXTURES, "valid")).filter((f) => f.endsWith(".json")).sort();
  it.each(files)("rejects every wrong-typed value in fixtures/valid/%s with one error line, never a trap", (file) => {
    const doc = JSON.parse(readFileSync(resolve(FIXTURES, "valid", file), "utf8")) as Json;
    let checked = 0;
    for (const mutated of mutations(doc)) {
      const error = m.configError(JSON.stringify(mutated));
      expect(error === "" || /^traffic-colour: \S+: .+/.test(error), error).toBe(true);
      checked++;
    }
    expect(checked).toBeGreaterThan(100);
  });
});
