// `sluice validate` says exactly what the filter says: every case of every filter's corpus
// (filters/<id>/test/corpus.ts) through the built module in host-sim and through validate's own
// checks, which must print the same lines; ajv over schema.json gives the same verdict; and
// thousands of mutations of the valid fixtures give the same lines from the filters' walker and
// the CLI's.
import { readdirSync, readFileSync } from "node:fs";
import { resolve } from "node:path";
import fc from "fast-check";
import { beforeAll, describe, expect, it } from "vitest";
import { CORPUS as CIRCUIT_BREAKER } from "../../filters/circuit-breaker/test/corpus.js";
import { CORPUS as RATE_LIMIT } from "../../filters/rate-limit/test/corpus.js";
import { CORPUS as SPIFFE_RBAC } from "../../filters/spiffe-rbac/test/corpus.js";
import { CORPUS as TRAFFIC_COLOUR } from "../../filters/traffic-colour/test/corpus.js";
import { loadEntryFrom } from "../../filters/shared/test/load.js";
import { problems, type Target } from "../commands/validate.js";
import { lineColumn } from "../json-text.js";
import { FILTER_IDS, filterWasm, type FilterId } from "../paths.js";
import { parseConfig, schemaProblems } from "../schema-check.js";
import { ajvAccepts } from "../schemas.js";
import { wasmErrors } from "../wasm-check.js";
import { caseBytes, type CorpusCase } from "./corpus.js";
import { ROOT } from "./helpers.js";

const CORPORA: Record<FilterId, CorpusCase[]> = {
  "spiffe-rbac": SPIFFE_RBAC,
  "rate-limit": RATE_LIMIT,
  "traffic-colour": TRAFFIC_COLOUR,
  "circuit-breaker": CIRCUIT_BREAKER,
};

/** A target as `sluice validate rate-limit.json` makes it for these bytes. */
function target(id: FilterId, bytes: Uint8Array): Target {
  const where = (offset: number) => {
    const { line, column } = lineColumn(bytes, offset);
    return `${id}.json:${line}:${column}`;
  };
  return { id, wasm: filterWasm(id), text: bytes, prefix: "", where, converted: false };
}

const SUMMARY = /: \$: (\d+) more errors not shown$/;

/** The filter's lines from `all` (every problem): the first 20, then a count of the rest. */
function asLogged(id: string, all: string[]): string[] {
  return all.length <= 20 ? all : [...all.slice(0, 20), `${id}: $: ${all.length - 20} more errors not shown`];
}

describe.each(FILTER_IDS.map((id) => [id]))("%s › the corpus", (id: FilterId) => {
  const corpus = CORPORA[id];

  it("holds at least 60 invalid configs, each named once", () => {
    expect(corpus.length).toBeGreaterThanOrEqual(60);
    expect(new Set(corpus.map((c) => c.name)).size).toBe(corpus.length);
    expect(corpus.every((c) => c.lines.length > 0)).toBe(true);
  });

  it.each(corpus.map((c) => [c.name, c]))("%s: the filter logs the expected lines", async (_name, c) => {
    expect(await wasmErrors(id, filterWasm(id), caseBytes(c.config))).toEqual(c.lines);
  });

  it.each(corpus.map((c) => [c.name, c]))("%s: sluice validate prints the same lines, each where it is", async (_name, c) => {
    const printed = await problems(target(id, caseBytes(c.config)));
    for (const line of printed) expect(line).toMatch(new RegExp(`^${id}\\.json:\\d+:\\d+: ${id}: `));
    expect(asLogged(id, printed.map((l) => l.replace(/^[^:]+:\d+:\d+: /, "")))).toEqual(c.lines);
  });

  it.each(corpus.map((c) => [c.name, c]))("%s: validate's own checks agree with the filter's, ajv too", (_name, c) => {
    const bytes = caseBytes(c.config);
    const { problems: found, doc } = schemaProblems(id, bytes);
    if (found.length > 0) expect(asLogged(id, found.map((p) => `${id}: ${p.path}: ${p.message}`))).toEqual(c.lines);
    else expect(c.lines.some((l) => SUMMARY.test(l))).toBe(false);
    if (doc !== null) {
      // ajv reads the same document (what the JSON parser accepted) and gives the same verdict
      const data = JSON.parse(Buffer.from(bytes).toString("utf8").trim() || "{}");
      expect(ajvAccepts(id, data)).toBe(found.length === 0);
    }
  });
});

describe("sluice validate › where each problem is", () => {
  const at = async (id: FilterId, text: string) => (await problems(target(id, Buffer.from(text, "utf8")))).map((l) => l.split(`: ${id}: `)[0]);

  it("points at the value, the key of an unknown member, and the object missing a member", async () => {
    const text = "{\n  \"circuits\": [\n    {\n      \"name\": \"api\",\n      \"failure_rate\": 2,\n      \"colour\": 1\n    },\n    {}\n  ]\n}";
    expect(await at("circuit-breaker", text)).toEqual([
      "circuit-breaker.json:6:7", // "colour": the key
      "circuit-breaker.json:5:23", // 2
      "circuit-breaker.json:8:5", // {} lacks its name
    ]);
  });

  it("points at the place of a syntax error, in characters", async () => {
    expect(await at("rate-limit", "{\"rules\": [\n  {\"name\": \"é\", x}]}")).toEqual(["rate-limit.json:2:17"]);
  });

  it("points at the value the filter's own check is about", async () => {
    const text = "{\"policies\": [\n  {\"name\": \"p\", \"action\": \"ALLOW\"},\n  {\"name\": \"p\", \"action\": \"DENY\"}\n]}";
    expect(await problems(target("spiffe-rbac", Buffer.from(text)))).toEqual([
      'spiffe-rbac.json:3:12: spiffe-rbac: policies[1].name: duplicate policy name, got "p"',
    ]);
  });
});

describe("the filters' walker and the CLI's on mutated configs", () => {
  type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
  const entries = new Map<FilterId, { configError(text: string): string }>();
  beforeAll(async () => {
    for (const id of FILTER_IDS) entries.set(id, await loadEntryFrom(`test/${id}`, "config"));
  });

  /** Every path to a value of `doc`. */
  function paths(doc: Json, at: (string | number)[] = []): (string | number)[][] {
    const out = [at];
    if (Array.isArray(doc)) doc.forEach((v, i) => out.push(...paths(v, [...at, i])));
    else if (doc !== null && typeof doc === "object") for (const [k, v] of Object.entries(doc)) out.push(...paths(v, [...at, k]));
    return out;
  }

  function replaced(doc: Json, path: (string | number)[], value: Json): Json {
    if (path.length === 0) return value;
    const [head, ...rest] = path;
    if (Array.isArray(doc)) return doc.map((v, i) => (i === head ? replaced(v, rest, value) : v));
    const obj = doc as Record<string, Json>;
    return { ...obj, [head!]: replaced(obj[head!]!, rest, value) };
  }

  const values = fc.constantFrom<Json>(null, true, false, 0, -1, 0.5, 1e300, 65536, "", "x", "x".repeat(300), "10s", "10", "GET", "spiffe://td/**",
    "header", "all", [], [1], {}, { op: "all" }, { source: "header" });
  const keys = fc.constantFrom("source", "op", "name", "value", "type", "per", "exact", "present", "action", "reply", "weight", "maxKeys", "extra");

  /** `doc` with the value at `path` replaced, or (with `key`) a member added to the object there. */
  function mutate(doc: Json, path: (string | number)[], value: Json, key: string | null): Json {
    if (key === null) return replaced(doc, path, value);
    let target: Json = doc;
    for (const step of path) target = (target as Record<string | number, Json>)[step]!;
    if (target === null || typeof target !== "object" || Array.isArray(target)) return replaced(doc, path, value);
    return replaced(doc, path, { ...target, [key]: value });
  }

  it.each(FILTER_IDS.map((id) => [id]))("%s: the same lines for every mutation of the valid fixtures", (id: FilterId) => {
    const dir = resolve(ROOT, "filters", id, "test/fixtures/valid");
    const docs = readdirSync(dir).filter((f) => f.endsWith(".json")).map((f) => JSON.parse(readFileSync(resolve(dir, f), "utf8")) as Json);
    const entry = entries.get(id)!;
    fc.assert(fc.property(fc.nat(docs.length - 1), fc.nat(), values, fc.option(keys), (d, p, value, key) => {
      const doc = docs[d]!;
      const all = paths(doc);
      const mutated = mutate(doc, all[p % all.length]!, value, key);
      const bytes = Buffer.from(JSON.stringify(mutated), "utf8");
      const found = schemaProblems(id, bytes).problems;
      const logged = entry.configError(bytes.toString("latin1"));
      if (found.length > 0) {
        expect(logged.split("\n")).toEqual(found.slice(0, 20).map((x) => `${id}: ${x.path}: ${x.message}`));
        expect(ajvAccepts(id, mutated)).toBe(false);
      } else {
        expect(ajvAccepts(id, mutated)).toBe(true);
      }
    }), { numRuns: 400 });
  });

  it("parses every fixture as the filters do", () => {
    for (const id of FILTER_IDS) {
      const dir = resolve(ROOT, "filters", id, "test/fixtures/valid");
      for (const f of readdirSync(dir)) expect(parseConfig(readFileSync(resolve(dir, f))) instanceof Object).toBe(true);
    }
  });
});
