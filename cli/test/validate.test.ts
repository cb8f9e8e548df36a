// `sluice validate`: the schema (ajv) and the real filter agree on every fixture of every filter,
// and the command prints each problem once with the filters' exact messages.
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { FILTER_IDS, filterWasm, type FilterId } from "../paths.js";
import { renderValue, jsonPath, schemaError } from "../schema-check.js";
import { wasmErrors } from "../wasm-check.js";
import { bundleCli, ROOT, sluice, type Cli } from "./helpers.js";

function fixtures(id: string, kind: "valid" | "invalid"): [string, unknown][] {
  const dir = resolve(ROOT, "filters", id, "test/fixtures", kind);
  return readdirSync(dir).filter((f) => f.endsWith(".json")).sort().map((f) => [f, JSON.parse(readFileSync(resolve(dir, f), "utf8"))]);
}

describe.each(FILTER_IDS.map((id) => [id]))("validate agrees with the %s filter", (id: FilterId) => {
  it.each(fixtures(id, "valid"))("both checks accept valid/%s", async (_f, config) => {
    expect(schemaError(id, config)).toBeUndefined();
    expect(await wasmErrors(id, filterWasm(id), config)).toEqual([]);
  });

  it.each(fixtures(id, "invalid"))("both checks reject invalid/%s with the fixture's message", async (_f, fixture) => {
    const { config, error } = fixture as { config: unknown; error: string };
    expect(await wasmErrors(id, filterWasm(id), config)).toEqual([error]);
    const schema = schemaError(id, config);
    // where the schema can express the rule it prints the filter's exact line; semantic checks
    // (duplicates, SPIFFE patterns, timestamps, sums) are the filter's alone and the schema accepts
    if (schema !== undefined) expect(schema).toBe(error);
  });
});

describe("schema error mapping", () => {
  it("writes JSON pointers as the filters' JSON paths", () => {
    const data = { rules: [{ limits: [{ per: "x" }] }], "a/b": 1 };
    expect(jsonPath(data, "")).toBe("$");
    expect(jsonPath(data, "/rules/0/limits/0/per")).toBe("rules[0].limits[0].per");
    expect(jsonPath(data, "/rules/0", "name")).toBe("rules[0].name");
    expect(jsonPath(data, "/a~1b")).toBe("a/b");
  });

  it("renders received values as ARCHITECTURE.md says", () => {
    expect(renderValue("a\"b\n")).toBe('"a\\"b\\n"');
    expect(renderValue("x".repeat(65))).toBe(`"${"x".repeat(64)}..."`);
    expect(renderValue("é".repeat(64))).toBe(`"${"é".repeat(64)}"`);
    expect(renderValue(0.1 + 0.2)).toBe("0.30000000000000004");
    expect(renderValue(1e21)).toBe("1e+21");
    expect([renderValue(true), renderValue(null), renderValue({ a: 1 }), renderValue([1])]).toEqual(["true", "null", "{...}", "[...]"]);
  });

  it("names the branch of a oneOf the value was meant for", () => {
    const rule = (limit: unknown) => ({ rules: [{ name: "r", limits: [limit] }] });
    expect(schemaError("rate-limit", rule({ requests: 5 }))).toBe("rate-limit: rules[0].limits[0].per: is required, got nothing");
    expect(schemaError("rate-limit", rule({ max_tokens: 5, tokens_per_fill: 1, fill_interval: true })))
      .toBe("rate-limit: rules[0].limits[0].fill_interval: must be a string or an integer, got true");
    expect(schemaError("rate-limit", rule({}))).toBe("rate-limit: rules[0].limits[0].max_tokens: is required, got nothing");
    expect(schemaError("rate-limit", { rules: [{ name: "r", limits: [{ requests: 1, per: "second" }], cost: { amount: 1, header: "x" } }] }))
      .toBe("rate-limit: rules[0].cost.max: is required, got nothing"); // the header form, as the filter reads it
    expect(schemaError("rate-limit", rule("5/s"))).toBe("rate-limit: rules[0].limits[0]: must be an object, got \"5/s\"");
    expect(schemaError("rate-limit", { rules: [{ name: "r", limits: [{ requests: 1, per: "second" }], key: [{ source: "header" }] }] }))
      .toBe("rate-limit: rules[0].key[0].name: is required, got nothing");
  });

  it("lists every accepted value when no branch accepts a discriminator", () => {
    const config = { rules: [{ name: "r", limits: [{ requests: 1, per: "second" }], key: [{ source: "ip" }] }] };
    expect(schemaError("rate-limit", config)).toBe(
      "rate-limit: rules[0].key[0].source: must be one of \"header\", \"query\", \"cookie\", \"client_ip\", \"cidr\", \"path\", " +
      "\"method\", \"host\", \"spiffe_id\", \"trust_domain\", \"spiffe_ns\", \"spiffe_sa\", got \"ip\"");
  });
});

describe("sluice validate (end to end)", () => {
  let cli: Cli;
  let tmp: string;
  beforeAll(async () => {
    cli = await bundleCli();
    tmp = mkdtempSync(join(tmpdir(), "sluice-validate-"));
  });
  afterAll(() => {
    cli?.cleanup();
    rmSync(tmp, { recursive: true, force: true });
  });
  const write = (name: string, text: string) => {
    const file = join(tmp, name);
    writeFileSync(file, text);
    return file;
  };

  it("accepts the example sluice.yaml", async () => {
    const r = await sluice(cli, ["validate", "examples/sluice.yaml"]);
    expect(r).toEqual({ code: 0, stdout: "sluice.yaml: ok (spiffe-rbac, rate-limit, traffic-colour, circuit-breaker)\n", stderr: "" });
  });

  it("prints a problem both checks find once, and exits 1", async () => {
    const file = write("bad.yaml", [
      "filters:",
      "  - id: circuit-breaker",
      "    config: { circuits: [{ name: api, failure_rate: 1.5 }] }",
      "  - id: rate-limit",
      "    config: { rules: [{ name: r, limits: [{ requests: 5, per: week }] }] }",
    ].join("\n"));
    const r = await sluice(cli, ["validate", file]);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe([
      "circuit-breaker: circuits[0].failure_rate: must be <= 1, got 1.5",
      'rate-limit: rules[0].limits[0].per: must be one of "second", "minute", "hour", "day", got "week"',
      "",
    ].join("\n"));
  });

  it("prints the filter's own message for a semantic error the schema cannot see", async () => {
    const file = write("rbac.json", JSON.stringify({ policies: [{ name: "p", action: "ALLOW" }, { name: "p", action: "DENY" }] }));
    const r = await sluice(cli, ["validate", file, "--filter", "spiffe-rbac"]);
    expect([r.code, r.stdout]).toEqual([1, 'spiffe-rbac: policies[1].name: duplicate policy name, got "p"\n']);
  });

  it("prints both lines when the schema and the filter report different first problems", async () => {
    // the schema cannot see the name rule; the filter reads the name before the rate
    const file = write("circuit-breaker.json", JSON.stringify({ circuits: [{ name: "a.b", failure_rate: 1.5 }] }));
    const r = await sluice(cli, ["validate", file]);
    expect([r.code, r.stdout]).toEqual([1, [
      "circuit-breaker: circuits[0].failure_rate: must be <= 1, got 1.5",
      'circuit-breaker: circuits[0].name: must contain only letters, digits, "_" and "-", got "a.b"',
      "",
    ].join("\n")]);
  });

  it("names the filter of a standalone config from its path", async () => {
    const file = write("spiffe-rbac.json", JSON.stringify({ policies: [{ name: "p", action: "ALLOW", to: { methods: ["get"] } }] }));
    const r = await sluice(cli, ["validate", file]);
    expect([r.code, r.stdout]).toEqual([1, 'spiffe-rbac: policies[0].to.methods[0]: is not an HTTP method (uppercase letters, "-" and "_"), got "get"\n']);
  });

  it("lets the filter report JSON that does not parse", async () => {
    const file = write("cb.json", '{"circuits": [');
    const r = await sluice(cli, ["validate", "--filter", "circuit-breaker", file]);
    expect([r.code, r.stdout]).toEqual([1, "circuit-breaker: $: invalid JSON at byte 14: unexpected end of input\n"]);
  });

  it("gives one clear line for a missing file, bad YAML, an unknown filter or an unknown option", async () => {
    const cases: [string[], string][] = [
      [["validate", "nope.yaml"], "sluice: nope.yaml: no such file\n"],
      [["validate", write("broken.yaml", "filters: [\n")], `sluice: ${join(tmp, "broken.yaml")}: not valid YAML or JSON at line 2, column 1: Flow sequence in block collection must be sufficiently indented and end with a ]\n`],
      [["validate", write("unknown.yaml", "filters:\n  - id: waf\n    config: {}\n")], `sluice: ${join(tmp, "unknown.yaml")}: filters[0].id: unknown filter "waf" (known: spiffe-rbac, rate-limit, traffic-colour, circuit-breaker)\n`],
      [["validate", write("x.json", "{}")], `sluice: validate: cannot tell which filter ${join(tmp, "x.json")} configures: pass --filter <spiffe-rbac|rate-limit|traffic-colour|circuit-breaker>\n`],
      [["validate", "examples/sluice.yaml", "--strict"], "sluice: validate: unknown option --strict (see sluice validate --help)\n"],
    ];
    for (const [args, stderr] of cases) {
      const r = await sluice(cli, args);
      expect({ args, code: r.code, stdout: r.stdout, stderr: r.stderr }).toEqual({ args, code: 2, stdout: "", stderr });
    }
  });

  it("reports a module that fails the import check in one line", async () => {
    const wasm = write("bad.wasm", "\0asm\x01\0\0\0");
    const file = write("sl.yaml", `filters:\n  - id: rate-limit\n    wasm: bad.wasm\n    config: { rules: [] }\n`);
    const r = await sluice(cli, ["validate", file]);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe(`sluice: ${wasm}: not a loadable Proxy-Wasm module: Missing or unknown Proxy-Wasm ABI version\n`);
  });
});
