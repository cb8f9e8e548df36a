import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { loadEntry } from "./load.js";

interface ConfigModule {
  configError(text: string): string;
}

type Schema = Record<string, unknown> & { properties?: Record<string, Schema>; items?: Schema; enum?: string[] };

const schema = JSON.parse(readFileSync(resolve(import.meta.dirname, "../schema.json"), "utf8")) as Schema;
const ALLOWED = new Set(["$schema", "type", "properties", "required", "additionalProperties", "enum", "minimum", "exclusiveMinimum",
  "maximum", "exclusiveMaximum", "minLength", "maxLength", "minItems", "maxItems", "items", "default", "description", "oneOf"]);

let m: ConfigModule;
beforeAll(async () => {
  m = await loadEntry<ConfigModule>("config");
});

/** Every subschema with its JSON path (`rules[].split.weights[]`). */
function walk(node: Schema, path: string, visit: (node: Schema, path: string) => void): void {
  visit(node, path);
  for (const [key, child] of Object.entries(node.properties ?? {})) walk(child, path ? `${path}.${key}` : key, visit);
  if (node.items) walk(node.items, `${path}[]`, visit);
}

/** A valid config reaching each object of the schema, with the JSON path to that object. */
const colours = ["stable", "canary"];
const condition = { field: "header", name: "x", op: "equals", value: "1" };
const sticky = { cookie: "c" };
const objects: [string, (extra: Record<string, unknown>) => unknown, string][] = [
  ["the document", (x) => ({ colours, ...x }), ""],
  ["a rule", (x) => ({ colours, rules: [{ name: "r", colour: "canary", ...x }] }), "rules[0]."],
  ["a match group", (x) => ({ colours, rules: [{ name: "r", colour: "canary", match: { all: [condition], ...x } }] }), "rules[0].match."],
  ["a condition", (x) => ({ colours, rules: [{ name: "r", colour: "canary", match: { all: [{ ...condition, ...x }] } }] }), "rules[0].match.all[0]."],
  ["a nested condition", (x) => ({ colours, rules: [{ name: "r", colour: "canary", match: { all: [{ any: [{ ...condition, ...x }] }] } }] }), "rules[0].match.all[0].any[0]."],
  ["a split", (x) => ({ colours, rules: [{ name: "r", split: { weights: [{ colour: "canary", basis_points: 1 }], ...x } }] }), "rules[0].split."],
  ["a split key", (x) => ({ colours, rules: [{ name: "r", split: { key: { field: "header", name: "u", ...x }, weights: [{ colour: "canary", basis_points: 1 }] } }] }), "rules[0].split.key."],
  ["a weight", (x) => ({ colours, rules: [{ name: "r", split: { weights: [{ colour: "canary", basis_points: 1, ...x }] } }] }), "rules[0].split.weights[0]."],
  ["a sticky cookie", (x) => ({ colours, rules: [{ name: "r", split: { weights: [{ colour: "canary", basis_points: 1 }], sticky: { ...sticky, ...x } } }] }), "rules[0].split.sticky."],
];

describe("traffic-colour › schema.json", () => {
  it("uses only the keywords sluice validate maps, and closes every object", () => {
    walk(schema, "", (node, path) => {
      for (const key of Object.keys(node)) expect(ALLOWED.has(key), `${path || "$"}: ${key}`).toBe(true);
      if (node.type === "object") expect(node.additionalProperties, path || "$").toBe(false);
    });
  });

  it.each(objects)("agrees with the filter that %s accepts nothing but its schema properties", (_name, build, prefix) => {
    expect(m.configError(JSON.stringify(build({})))).toBe("");
    expect(m.configError(JSON.stringify(build({ zz: 1 })))).toBe(`traffic-colour: ${prefix}zz: unknown key, got 1`);
  });

  it.each([
    ["inbound", (v: string) => ({ colours, inbound: v }), "inbound"],
    ["rules[].match.all[].field", (v: string) => ({ colours, rules: [{ name: "r", colour: "canary", match: { all: [{ field: v, op: "present" }] } }] }), "rules[0].match.all[0].field"],
    ["rules[].match.all[].op", (v: string) => ({ colours, rules: [{ name: "r", colour: "canary", match: { all: [{ field: "path", op: v }] } }] }), "rules[0].match.all[0].op"],
    ["rules[].split.key.field", (v: string) => ({ colours, rules: [{ name: "r", split: { key: { field: v, name: "u" }, weights: [{ colour: "canary", basis_points: 1 }] } }] }), "rules[0].split.key.field"],
    ["rules[].split.sticky.same_site", (v: string) => ({ colours, rules: [{ name: "r", split: { weights: [{ colour: "canary", basis_points: 1 }], sticky: { cookie: "c", same_site: v } } }] }), "rules[0].split.sticky.same_site"],
  ] as const)("lists the enum of %s exactly as the filter does", (schemaPath, build, path) => {
    let values: string[] = [];
    walk(schema, "", (node, p) => { if (p === schemaPath) values = node.enum ?? []; });
    expect(values.length).toBeGreaterThan(0);
    const list = values.map((v) => JSON.stringify(v)).join(", ");
    expect(m.configError(JSON.stringify(build("bogus")))).toBe(`traffic-colour: ${path}: must be one of ${list}, got "bogus"`);
  });
});
