// The bundle's configuration: the `filters:` list of sluice.yaml as JSON. Each filter's config
// goes to that filter's own code, so its problems are the filter's own lines with the path in
// the bundle's document (as `sluice validate` prints them for sluice.yaml); the list's own
// problems are the bundle's.
import { describe, expect, it } from "vitest";
import { Proxy } from "../../../host-sim/src/index.js";
import { wasmPath } from "../../../bench/setup.js";
import type { CorpusCase } from "../../../cli/test/corpus.js";
import { CORPUS as CIRCUIT_BREAKER } from "../../circuit-breaker/test/corpus.js";
import { CORPUS as RATE_LIMIT } from "../../rate-limit/test/corpus.js";
import { CORPUS as SPIFFE_RBAC } from "../../spiffe-rbac/test/corpus.js";
import { CORPUS as TRAFFIC_COLOUR } from "../../traffic-colour/test/corpus.js";

const VALID: Record<string, unknown> = {
  "spiffe-rbac": { policies: [{ name: "p", action: "DENY", to: { paths: ["/admin*"] } }] },
  "rate-limit": { rules: [{ name: "r", limits: [{ requests: 5, per: "1s" }] }] },
  "traffic-colour": { colours: ["stable"], default_colour: "stable" },
  "circuit-breaker": { circuits: [{ name: "api", consecutive_failures: 3 }] },
};

/** The critical lines the bundle logs for `config` (none when it starts). */
async function bundleLines(config: string): Promise<string[]> {
  const proxy = new Proxy({ workers: 1, logLevel: "critical" });
  const plugin = await proxy.addPlugin({ name: "sluice", rootId: "sluice", vmId: "sluice", wasm: wasmPath("sluice"), config });
  if (plugin.ok) {
    plugin.shutdown();
    return [];
  }
  return plugin.logs("critical");
}

/** A filter's line for its own config, with the path where the bundle's document has it. */
function located(line: string, prefix: string): string {
  return line.replace(/^([a-z-]+): (\S*?): /, (_all, id: string, path: string) =>
    `${id}: ${path === "$" ? prefix : path.startsWith("[") ? prefix + path : `${prefix}.${path}`}: `);
}

/** The corpus cases whose config is a JSON value the bundle's document can hold as it is (raw
 *  text and bytes cannot be a member of another document). */
function embeddable(corpus: CorpusCase[]): CorpusCase[] {
  return corpus.filter((c) => typeof c.config === "object" && c.config !== null && !(c.config instanceof Uint8Array));
}

const CORPORA: [string, CorpusCase[]][] = [
  ["spiffe-rbac", SPIFFE_RBAC], ["rate-limit", RATE_LIMIT], ["traffic-colour", TRAFFIC_COLOUR], ["circuit-breaker", CIRCUIT_BREAKER],
];

describe.each(CORPORA)("the bundle with a bad %s config", (id, corpus) => {
  const first = id === "spiffe-rbac" ? "rate-limit" : "spiffe-rbac";
  it.each(embeddable(corpus).map((c) => [c.name, c] as const))("%s: logs the filter's lines at filters[1].config", async (_name, c) => {
    const config = JSON.stringify({ filters: [{ id: first, config: VALID[first] }, { id, config: c.config }] });
    expect(await bundleLines(config)).toEqual(c.lines.map((l) => located(l, "filters[1].config")));
  });
});

describe("the bundle's own configuration", () => {
  it("starts with the four filters in any order", async () => {
    const ids = ["circuit-breaker", "traffic-colour", "rate-limit", "spiffe-rbac"];
    expect(await bundleLines(JSON.stringify({ filters: ids.map((id) => ({ id, config: VALID[id] })) }))).toEqual([]);
  });

  it("gives a filter without a config an empty one, as the filter alone would get", async () => {
    expect(await bundleLines(JSON.stringify({ filters: [{ id: "rate-limit" }] }))).toEqual(["rate-limit: filters[0].config.rules: is required, got nothing"]);
  });

  it("reports every problem of every filter, in chain order", async () => {
    const config = { filters: [{ id: "rate-limit", config: { rules: [] } }, { id: "circuit-breaker", config: { circuits: [{ name: "a", max_keys: 0 }] } }] };
    expect(await bundleLines(JSON.stringify(config))).toEqual([
      "rate-limit: filters[0].config.rules: must not be empty, got [...]",
      "circuit-breaker: filters[1].config.circuits[0].key: is required with \"max_keys\", got nothing",
      "circuit-breaker: filters[1].config.circuits[0].max_keys: must be >= 1, got 0",
    ]);
  });

  const CASES: [string, string, string[]][] = [
    ["invalid JSON", "{\"filters\": [", ["sluice: $: invalid JSON at line 1, column 14: unexpected end of input"]],
    ["a document that is an array", "[]", ["sluice: $: must be an object, got [...]"]],
    ["no filters list", "{}", ["sluice: filters: is required, got nothing"]],
    ["an empty configuration", "", ["sluice: $: invalid JSON at line 1, column 1: unexpected end of input"]],
    ["filters that is not a list", "{\"filters\": {}}", ["sluice: filters: must be an array, got {...}"]],
    ["an empty list", "{\"filters\": []}", ["sluice: filters: must not be empty, got [...]"]],
    ["an unknown top-level key", "{\"filters\": [{\"id\": \"rate-limit\", \"config\": {\"rules\": [{\"name\": \"r\", \"limits\": [{\"requests\": 1, \"per\": \"1s\"}]}]}}], \"vm\": 1}",
      ["sluice: vm: unknown key, got 1"]],
    ["an entry that is not an object", "{\"filters\": [\"rate-limit\"]}", ["sluice: filters[0]: must be an object, got \"rate-limit\""]],
    ["an entry without an id", "{\"filters\": [{\"config\": {}}]}", ["sluice: filters[0].id: is required, got nothing"]],
    ["an unknown filter", "{\"filters\": [{\"id\": \"waf\"}]}",
      ["sluice: filters[0].id: must be one of \"spiffe-rbac\", \"rate-limit\", \"traffic-colour\", \"circuit-breaker\", got \"waf\""]],
    ["an id that is not a string", "{\"filters\": [{\"id\": 3}]}",
      ["sluice: filters[0].id: must be one of \"spiffe-rbac\", \"rate-limit\", \"traffic-colour\", \"circuit-breaker\", got 3"]],
    ["a filter twice", "{\"filters\": [{\"id\": \"spiffe-rbac\", \"config\": {\"policies\": []}}, {\"id\": \"spiffe-rbac\"}]}",
      ["sluice: filters[1].id: appears twice: a bundle runs each filter once, got \"spiffe-rbac\""]],
    ["a deployment key (sluice.yaml's, not the module's)", "{\"filters\": [{\"id\": \"spiffe-rbac\", \"config\": {\"policies\": []}, \"fail_strategy\": \"FAIL_OPEN\"}]}",
      ["sluice: filters[0].fail_strategy: unknown key, got \"FAIL_OPEN\""]],
  ];
  it.each(CASES)("refuses %s", async (_name, config, lines) => {
    expect(await bundleLines(config)).toEqual(lines);
  });
});
