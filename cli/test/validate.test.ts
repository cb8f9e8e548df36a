// `sluice validate` end to end through the bundle: every problem of every filter config, each with
// file:line:column, the path in the file and the filter's own message; sluice.yaml problems the
// same way. (Agreement with the filters over the corpus: config-corpus.test.ts.)
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { FILTER_IDS, filterWasm } from "../paths.js";
import { wasmErrors } from "../wasm-check.js";
import { bundleCli, sluice, type Cli } from "./helpers.js";
import { readdirSync, readFileSync } from "node:fs";
import { resolve } from "node:path";
import { ROOT } from "./helpers.js";

describe.each(FILTER_IDS.map((id) => [id]))("the %s fixtures", (id) => {
  const dir = resolve(ROOT, "filters", id, "test/fixtures/valid");
  it.each(readdirSync(dir).sort())("the filter accepts valid/%s", async (f) => {
    expect(await wasmErrors(id, filterWasm(id), readFileSync(resolve(dir, f)))).toEqual([]);
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
  const write = (name: string, text: string | Buffer) => {
    const file = join(tmp, name);
    writeFileSync(file, text);
    return file;
  };

  it("accepts the example sluice.yaml", async () => {
    const r = await sluice(cli, ["validate", "examples/sluice.yaml"]);
    expect(r).toEqual({ code: 0, stdout: "sluice.yaml: ok (spiffe-rbac, rate-limit, traffic-colour, circuit-breaker)\n", stderr: "" });
  });

  it("prints every problem of every filter with file:line:column and the path in the file, and exits 1", async () => {
    const file = write("bad.yaml", [
      "filters:",
      "  - id: circuit-breaker",
      "    config:",
      "      circuits:",
      "        - name: api",
      "          failure_rate: 1.5",
      "          window: { type: time, size: 3000 }",
      "          open_duration: 60",
      "  - id: rate-limit",
      "    config:",
      "      rules:",
      "        - name: r",
      "          limits: [{ requests: 5, per: week }]",
      "  - id: traffic-colour",
      "    config:",
      "      colours: [stable, canary]",
      "      rules:",
      "        - name: canary",
      "          split: { weights: [{ colour: canary, percent: 5 }] }",
      "  - id: spiffe-rbac",
      "    config:",
      "      policies:",
      "        - name: p",
      "          action: ALLOW",
      "          from: { principals: [cluster.local/ns/x/sa/y] }",
    ].join("\n"));
    const r = await sluice(cli, ["validate", file]);
    expect([r.code, r.stderr]).toEqual([1, ""]);
    expect(r.stdout.split("\n")).toEqual([
      `${file}:6:25: circuit-breaker: filters[0].config.circuits[0].failure_rate: must be <= 1, got 1.5`,
      `${file}:7:33: circuit-breaker: filters[0].config.circuits[0].window.size: applies only when type is "count", got 3000`,
      `${file}:8:26: circuit-breaker: filters[0].config.circuits[0].open_duration: must be a duration with a unit: write "60s" or "60ms", got 60`,
      `${file}:13:40: rate-limit: filters[1].config.rules[0].limits[0].per: must be a duration like "300ms", "10s" or "1m", got "week"`,
      `${file}:19:48: traffic-colour: filters[2].config.rules[0].split.weights[0].percent: unknown key (did you mean "basis_points"?), got 5`,
      `${file}:19:30: traffic-colour: filters[2].config.rules[0].split.weights[0].basis_points: is required, got nothing`,
      `${file}:25:32: spiffe-rbac: filters[3].config.policies[0].from.principals[0]: is not a valid SPIFFE ID pattern: scheme must be "spiffe://" (lowercase); write "spiffe://cluster.local/ns/x/sa/y", got "cluster.local/ns/x/sa/y"`,
      "",
    ]);
  });

  it("stops render, replay --chain and dev on the same lines, filter checks included", async () => {
    const file = write("render.yaml", [
      "upstreams: { app: { address: app, port: 80 } }",
      "filters:",
      "  - id: rate-limit",
      "    config:",
      "      rules:",
      "        - { name: r, limits: [{ requests: 5, per: 1s }] }",
      "        - { name: r, limits: [{ requests: 5, per: 60 }] }",
    ].join("\n"));
    const lines = [
      `${file}:7:51: rate-limit: filters[0].config.rules[1].limits[0].per: must be a duration with a unit: write "60s" or "60ms", got 60`,
    ];
    const withDuplicate = [
      `${file}:7:19: rate-limit: filters[0].config.rules[1].name: duplicate rule name, got "r"`,
      `${file}:7:11: rate-limit: filters[0].config.rules[1]: is unreachable: rules[0] applies to every request, got {...}`,
    ];
    const validate = await sluice(cli, ["validate", file]);
    expect(validate.stdout.split("\n").filter(Boolean)).toEqual(lines);
    for (const args of [["render", "envoy", file], ["replay", "--chain", file]]) {
      const r = await sluice(cli, args);
      expect([r.code, r.stderr]).toEqual([1, lines.map((l) => `sluice: ${l}\n`).join("")]);
    }
    writeFileSync(file, readFileSync(file, "utf8").replace("per: 60", "per: 1m"));
    const r = await sluice(cli, ["dev", "--config", file]);
    expect([r.code, r.stderr]).toEqual([1, withDuplicate.map((l) => `sluice: ${l}\n`).join("")]);
  });

  it("points at the line of a problem only the filter can see", async () => {
    const file = write("rbac.json", JSON.stringify({ policies: [{ name: "p", action: "ALLOW" }, { name: "p", action: "DENY" }] }, null, 2));
    const r = await sluice(cli, ["validate", file, "--filter", "spiffe-rbac"]);
    expect([r.code, r.stdout]).toEqual([1, `${file}:8:15: spiffe-rbac: policies[1].name: duplicate policy name, got "p"\n`]);
  });

  it("names the filter of a standalone config from its path", async () => {
    const file = write("spiffe-rbac.json", JSON.stringify({ policies: [{ name: "p", action: "ALLOW", to: { methods: ["get"] } }] }));
    const r = await sluice(cli, ["validate", file]);
    expect([r.code, r.stdout]).toEqual([1, `${file}:1:60: spiffe-rbac: policies[0].to.methods[0]: is not an HTTP method (uppercase letters, "-" and "_"), got "get"\n`]);
  });

  it("reports JSON that does not parse at its line and column", async () => {
    const file = write("cb.json", '{\n  "circuits": [\n');
    const r = await sluice(cli, ["validate", "--filter", "circuit-breaker", file]);
    expect([r.code, r.stdout]).toEqual([1, `${file}:3:1: circuit-breaker: $: invalid JSON at line 3, column 1: unexpected end of input\n`]);
  });

  it("rejects a duplicate key in a JSON config as the filter does", async () => {
    const file = write("traffic-colour.json", '{"colours": ["a"], "colours": ["b"]}');
    const r = await sluice(cli, ["validate", file]);
    expect([r.code, r.stdout]).toEqual([1, `${file}:1:20: traffic-colour: $: invalid JSON at line 1, column 20: duplicate key "colours"\n`]);
  });

  it("survives 10,000-level nesting in JSON and in YAML", async () => {
    const json = write("rate-limit.json", `{"rules": ${"[".repeat(10_000)}${"]".repeat(10_000)}}`);
    const r = await sluice(cli, ["validate", json]);
    expect([r.code, r.stdout]).toEqual([1, `${json}:1:74: rate-limit: $: invalid JSON at line 1, column 74: nesting deeper than 64\n`]);
    const yaml = write("deep.yaml", `filters:\n  - id: rate-limit\n    config: { rules: ${"[".repeat(10_000)}${"]".repeat(10_000)} }\n`);
    const y = await sluice(cli, ["validate", yaml]);
    expect(y.code).toBe(2);
    expect(y.stderr).toMatch(new RegExp(`^sluice: ${yaml}:3:\\d+: not valid YAML or JSON: nesting too deep\n$`));
    const moderate = write("moderate.yaml", `filters:\n  - id: rate-limit\n    config: { rules: ${"[".repeat(100)}${"]".repeat(100)} }\n`);
    const m = await sluice(cli, ["validate", moderate]);
    expect([m.code, m.stdout]).toEqual([1, `${moderate}:3:85: rate-limit: filters[0].config: nesting deeper than 64\n`]);
  });

  it("echoes numbers as written and escapes bytes that are not UTF-8", async () => {
    const file = write("circuit-breaker.yaml", "circuits: [{ name: api, failure_rate: 1e400 }]\n");
    const r = await sluice(cli, ["validate", file]);
    expect([r.code, r.stdout]).toEqual([1, `${file}:1:39: circuit-breaker: circuits[0].failure_rate: must be <= 1, got 1e400\n`]);
    const bytes = write("spiffe-rbac.json", Buffer.concat([Buffer.from('{"policies": [{"name": "p'), Buffer.from([0xff]), Buffer.from('", "action": "ALLOW"}]}')]));
    const b = await sluice(cli, ["validate", bytes]);
    expect([b.code, b.stdout]).toEqual([1, `${bytes}:1:26: spiffe-rbac: $: invalid JSON at line 1, column 26: invalid UTF-8 byte 0xff\n`]);
  });

  it("reports every sluice.yaml problem at once, each where it is", async () => {
    const file = write("structure.yaml", [
      "namespaces: shop",
      "upstreams:",
      "  app: { address: app, port: 99999 }",
      "filters:",
      "  - id: waf",
      "    config: {}",
      "  - id: rate-limit",
      "    colour: red",
    ].join("\n"));
    const r = await sluice(cli, ["validate", file]);
    expect([r.code, r.stdout]).toEqual([2, ""]);
    expect(r.stderr.split("\n")).toEqual([
      `sluice: ${file}:1:1: namespaces: unknown key (known: namespace, selector, registry, upstreams, default_upstream, service, tls, filters)`,
      `sluice: ${file}:3:30: upstreams.app.port: must be an integer from 1 to 65535`,
      `sluice: ${file}:5:9: filters[0].id: unknown filter "waf" (known: spiffe-rbac, rate-limit, traffic-colour, circuit-breaker)`,
      `sluice: ${file}:8:5: filters[1].colour: unknown key (known: id, config, vm_id, phase, priority, fail_strategy, image, wasm, namespace, selector, target_refs, match, image_pull_policy, image_pull_secret, sha256, env)`,
      `sluice: ${file}:7:5: filters[1].config: is required: the filter's plugin config (a mapping)`,
      "",
    ]);
  });

  it("gives one clear line for a missing file, bad YAML, an unknown filter or an unknown option", async () => {
    const cases: [string[], string][] = [
      [["validate", "nope.yaml"], "sluice: nope.yaml: no such file\n"],
      [["validate", write("broken.yaml", "filters: [\n")], `sluice: ${join(tmp, "broken.yaml")}:2:1: not valid YAML or JSON: Flow sequence in block collection must be sufficiently indented and end with a ]\n`],
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
