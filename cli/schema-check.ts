// Check (a) of `sluice validate`: ajv (draft 2020-12, strict, first error only) over
// filters/<id>/schema.json, with ajv's error mapped to the filters' own message format
// (ARCHITECTURE.md, "Config errors"): `<filter>: <json.path>: <what is wrong>, got <value>`.
import * as Ajv2020Module from "ajv/dist/2020.js";
import type { ErrorObject, ValidateFunction } from "ajv/dist/2020.js";
import { SCHEMAS } from "./schemas.js";
import type { FilterId } from "./paths.js";

// ajv's CommonJS default export seen through ESM interop
const Ajv2020 = Ajv2020Module.default as unknown as typeof Ajv2020Module.Ajv2020;

const validators = new Map<string, ValidateFunction>();

function validator(id: FilterId): ValidateFunction {
  let v: ValidateFunction | undefined = validators.get(id);
  if (v === undefined) {
    const ajv = new Ajv2020({ allErrors: false, strict: true, allowUnionTypes: true, verbose: true });
    v = ajv.compile(SCHEMAS[id]);
    validators.set(id, v);
  }
  return v;
}

/** A received JSON value as config errors print it. */
export function renderValue(v: unknown): string {
  if (v === undefined) return "nothing";
  if (typeof v === "string") {
    const chars = [...v];
    return chars.length > 64 ? JSON.stringify(chars.slice(0, 64).join("")).slice(0, -1) + '..."' : JSON.stringify(v);
  }
  if (typeof v === "number") return String(v);
  if (v === null || typeof v === "boolean") return String(v);
  return Array.isArray(v) ? "[...]" : "{...}";
}

/** JSON path of a JSON pointer into `data`: `/rules/0/name` -> `rules[0].name`, `` -> `$`. */
export function jsonPath(data: unknown, pointer: string, extraKey?: string): string {
  const segments = pointer === "" ? [] : pointer.slice(1).split("/").map((s) => s.replace(/~1/g, "/").replace(/~0/g, "~"));
  if (extraKey !== undefined) segments.push(extraKey);
  let path = "";
  let node: unknown = data;
  for (const seg of segments) {
    if (Array.isArray(node)) {
      path += `[${seg}]`;
      node = node[Number(seg)];
    } else {
      path += path === "" ? seg : `.${seg}`;
      node = node !== null && typeof node === "object" ? (node as Record<string, unknown>)[seg] : undefined;
    }
  }
  return path === "" ? "$" : path;
}

const ARTICLE: Record<string, string> = {
  string: "a string", integer: "an integer", number: "a number", boolean: "a boolean",
  object: "an object", array: "an array", null: "null",
};

const quoteList = (values: unknown[]) => values.map((v) => JSON.stringify(v)).join(", ");

function describe(e: ErrorObject, data: unknown): string {
  const at = (extra?: string) => jsonPath(data, e.instancePath, extra);
  const got = `, got ${renderValue(e.data)}`;
  const p = e.params as Record<string, any>;
  switch (e.keyword) {
    case "type": {
      const types: string[] = Array.isArray(e.schema) ? (e.schema as string[]) : [String(e.schema)];
      return `${at()}: must be ${types.map((t) => ARTICLE[t] ?? t).join(" or ")}${got}`;
    }
    case "required":
      return `${at(p.missingProperty)}: is required, got nothing`;
    case "additionalProperties": {
      const obj = e.data as Record<string, unknown>;
      return `${at(p.additionalProperty)}: unknown key, got ${renderValue(obj[p.additionalProperty])}`;
    }
    case "enum": return `${at()}: must be one of ${quoteList(p.allowedValues)}${got}`;
    case "const": return `${at()}: must be ${JSON.stringify(p.allowedValue)}${got}`;
    case "minimum": return `${at()}: must be >= ${p.limit}${got}`;
    case "maximum": return `${at()}: must be <= ${p.limit}${got}`;
    case "exclusiveMinimum": return `${at()}: must be > ${p.limit}${got}`;
    case "exclusiveMaximum": return `${at()}: must be < ${p.limit}${got}`;
    case "minLength": return `${at()}: must have at least ${p.limit} characters${got}`;
    case "maxLength": return `${at()}: must have at most ${p.limit} characters${got}`;
    case "minItems": return `${at()}: must have at least ${p.limit} items${got}`;
    case "maxItems": return `${at()}: must have at most ${p.limit} items${got}`;
    case "minProperties": return `${at()}: must have at least ${p.limit} keys${got}`;
    case "maxProperties": return `${at()}: must have at most ${p.limit} keys${got}`;
    case "pattern": return `${at()}: must match ${JSON.stringify(p.pattern)}${got}`;
    case "uniqueItems": return `${at()}: must not repeat an item${got}`;
    case "oneOf": return `${at()}: must match exactly one form${got}`;
    default: return `${at()}: ${e.message ?? e.keyword}${got}`;
  }
}

const depth = (e: ErrorObject) => (e.instancePath === "" ? 0 : e.instancePath.split("/").length - 1) +
  (e.keyword === "required" || e.keyword === "additionalProperties" ? 1 : 0);

/** How well `data` fits a oneOf/anyOf branch: keys it declares, discriminators it satisfies. */
function fit(branch: any, data: unknown): number {
  if (data === null || typeof data !== "object" || Array.isArray(data) || !branch?.properties) return 0;
  let score = 0;
  for (const [key, value] of Object.entries(data as Record<string, unknown>)) {
    const prop = branch.properties[key];
    if (!prop) continue;
    score += 1;
    if (Array.isArray(prop.enum)) score += prop.enum.includes(value) ? 2 : -1;
    if ("const" in prop) score += prop.const === value ? 2 : -1;
  }
  return score;
}

/** The one error that decides: for a failed oneOf/anyOf, the error of the branch the value was
 *  meant for (the filter reads the same discriminating keys). */
function decisive(errors: ErrorObject[]): ErrorObject {
  const last = errors[errors.length - 1]!;
  if ((last.keyword !== "oneOf" && last.keyword !== "anyOf") || !Array.isArray(last.schema)) return last;
  if ((last.params as any)?.passingSchemas) return last;
  const prefix = `${last.schemaPath}/`;
  const branches = new Map<number, ErrorObject[]>();
  for (const e of errors.slice(0, -1)) {
    if (!e.schemaPath.startsWith(prefix)) continue;
    const i = Number(e.schemaPath.slice(prefix.length).split("/")[0]);
    branches.set(i, [...(branches.get(i) ?? []), e]);
  }
  if (branches.size === 0) return last;
  const schemas = last.schema as any[];
  const data = last.data;
  // a discriminator no branch accepts (every branch declares the key with an enum): one error
  // listing every accepted value, as the filter reads that key first
  if (data !== null && typeof data === "object" && !Array.isArray(data)) {
    for (const [key, value] of Object.entries(data as Record<string, unknown>)) {
      const enums = schemas.map((b) => b?.properties?.[key]?.enum as unknown[] | undefined);
      if (enums.every((e) => Array.isArray(e)) && !enums.some((e) => e!.includes(value))) {
        return {
          ...last, keyword: "enum", instancePath: `${last.instancePath}/${key.replace(/~/g, "~0").replace(/\//g, "~1")}`,
          params: { allowedValues: [...new Set(enums.flat())] }, data: value,
        };
      }
    }
  }
  const picks = [...branches.entries()].map(([i, errs]) => ({ i, e: decisive(errs), fit: fit(schemas[i], data) }));
  // on a tie the later form wins: the filters test for the specific form's key and fall back to
  // the general one (rate-limit: a limit without "requests" is the bucket form)
  picks.sort((a, b) => b.fit - a.fit || depth(b.e) - depth(a.e) || b.i - a.i);
  return picks[0]!.e;
}

/** The schema's first problem with `config` as the filter prints it, or undefined when valid. */
export function schemaError(id: FilterId, config: unknown): string | undefined {
  const v = validator(id);
  if (v(config)) return undefined;
  const errors = v.errors ?? [];
  if (errors.length === 0) return `${id}: $: does not match the schema`;
  return `${id}: ${describe(decisive(errors), config)}`;
}
