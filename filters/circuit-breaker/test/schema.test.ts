// schema.json mirrors config.ts: a small evaluator of the schema keywords we use, printing the
// ARCHITECTURE.md vocabulary as `sluice validate` does, gives every invalid fixture's exact message
// and accepts every valid fixture.
import { readdirSync, readFileSync } from "node:fs";
import { resolve } from "node:path";
import { describe, expect, it } from "vitest";

type Schema = Record<string, any>;
const schema = JSON.parse(readFileSync(resolve(import.meta.dirname, "../schema.json"), "utf8")) as Schema;
const FIXTURES = resolve(import.meta.dirname, "fixtures");

const ARTICLE: Record<string, string> = {
  string: "a string", integer: "an integer", number: "a number", boolean: "a boolean", object: "an object", array: "an array",
};

function render(v: unknown): string {
  if (typeof v === "string") return JSON.stringify([...v].length > 64 ? [...v].slice(0, 64).join("") + "..." : v);
  if (Array.isArray(v)) return "[...]";
  if (v !== null && typeof v === "object") return "{...}";
  return String(v);
}

function typeOk(type: string, v: unknown): boolean {
  switch (type) {
    case "integer": return Number.isInteger(v);
    case "number": return typeof v === "number";
    case "array": return Array.isArray(v);
    case "object": return v !== null && typeof v === "object" && !Array.isArray(v);
    default: return typeof v === type;
  }
}

const join = (path: string, key: string | number) =>
  typeof key === "number" ? `${path}[${key}]` : path === "$" ? key : `${path}.${key}`;

/** The first error as `<path>: <problem>, got <value>`, or null. */
function check(s: Schema, v: unknown, path: string): string | null {
  const fail = (problem: string, got: unknown = v) => `${path}: ${problem}, got ${render(got)}`;
  const types: string[] = Array.isArray(s.type) ? s.type : s.type ? [s.type] : [];
  if (types.length > 0 && !types.some((t) => typeOk(t, v))) return fail(`must be ${types.map((t) => ARTICLE[t]).join(" or ")}`);
  if (s.enum && !s.enum.includes(v)) return fail(`must be one of ${s.enum.map((e: string) => JSON.stringify(e)).join(", ")}`);
  if (typeof v === "number") {
    if (s.minimum !== undefined && v < s.minimum) return fail(`must be >= ${s.minimum}`);
    if (s.exclusiveMinimum !== undefined && v <= s.exclusiveMinimum) return fail(`must be > ${s.exclusiveMinimum}`);
    if (s.maximum !== undefined && v > s.maximum) return fail(`must be <= ${s.maximum}`);
    if (s.exclusiveMaximum !== undefined && v >= s.exclusiveMaximum) return fail(`must be < ${s.exclusiveMaximum}`);
  }
  if (typeof v === "string") {
    const n = [...v].length;
    if (s.minLength !== undefined && n < s.minLength) return fail(`must have at least ${s.minLength} characters`);
    if (s.maxLength !== undefined && n > s.maxLength) return fail(`must have at most ${s.maxLength} characters`);
  }
  if (Array.isArray(v)) {
    if (s.minItems !== undefined && v.length < s.minItems) return fail(`must have at least ${s.minItems} items`);
    if (s.maxItems !== undefined && v.length > s.maxItems) return fail(`must have at most ${s.maxItems} items`);
    for (let i = 0; i < v.length && s.items; i++) {
      const e = check(s.items, v[i], join(path, i));
      if (e) return e;
    }
  }
  if (typeOk("object", v) && (s.properties || s.required)) {
    const obj = v as Record<string, unknown>;
    for (const key of s.required ?? []) if (!(key in obj)) return `${join(path, key)}: is required, got nothing`;
    for (const [key, value] of Object.entries(obj)) {
      const sub = s.properties?.[key];
      if (!sub) {
        if (s.additionalProperties === false) return `${join(path, key)}: unknown key, got ${render(value)}`;
        continue;
      }
      const e = check(sub, value, join(path, key));
      if (e) return e;
    }
  }
  return null;
}

const schemaError = (config: unknown) => {
  const e = check(schema, config, "$");
  return e === null ? "" : `circuit-breaker: ${e}`;
};

function fixtures(kind: string): [string, string][] {
  const dir = resolve(FIXTURES, kind);
  return readdirSync(dir).filter((f) => f.endsWith(".json")).sort().map((f) => [f, readFileSync(resolve(dir, f), "utf8")]);
}

describe("circuit-breaker › schema.json", () => {
  it.each(fixtures("invalid"))("gives the filter's message for %s", (_file, text) => {
    const fixture = JSON.parse(text) as { config: unknown; error: string };
    expect(schemaError(fixture.config)).toBe(fixture.error);
  });

  it.each(fixtures("valid"))("accepts %s", (_file, text) => {
    expect(schemaError(JSON.parse(text))).toBe("");
  });

  it("forbids unknown keys in every object", () => {
    const open: string[] = [];
    const walk = (s: Schema, at: string) => {
      if (s.type === "object" && s.additionalProperties !== false) open.push(at);
      for (const [k, sub] of Object.entries(s.properties ?? {})) walk(sub as Schema, `${at}.${k}`);
      if (s.items) walk(s.items, `${at}[]`);
    };
    walk(schema, "$");
    expect(open).toEqual([]);
  });
});
