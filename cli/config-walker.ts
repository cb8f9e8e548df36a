// The filters' config walker (filters/shared/config-walker.ts) in TypeScript, over the same model
// (scripts/config-model.mjs): the same checks, messages and order, so that `sluice validate` prints
// exactly the lines proxy_on_configure logs. Unlike the filters it keeps every problem (the
// filters log the first 20 and count the rest) and where each one is in the text.
import { FORMATS, formatRegex, parseDuration } from "../scripts/config-model.mjs";
import { JsonKind, JsonValue, memberPath, numberValue, parseJson, pathOf, quoteString, renderValue } from "./json-text.js";

/** One problem: the filter's line `<filter>: <path>: <message>`, and where it is. */
export interface ConfigProblem {
  /** The JSON path: `rules[0].limits[0].per`, `$` for the document. */
  path: string;
  /** `<what is wrong>[, got <value>]`. */
  message: string;
  /** Byte offset in the config text it points at. */
  offset: number;
}

// The model's shapes (scripts/config-model.mjs).
interface Bound { text: string; exclusive: boolean }
export interface ModelNode {
  kind: "string" | "integer" | "number" | "boolean" | "array" | "object" | "any";
  enum?: string[];
  minLength?: number;
  maxLength?: number;
  format?: string;
  formatMinimum?: string;
  formatMaximum?: string;
  minimum?: Bound;
  maximum?: Bound;
  minItems?: number;
  maxItems?: number;
  items?: ModelNode;
  name?: string;
  props?: { name: string; aliases: string[] }[];
  branches?: { values: string[] | null; nodes: Map<number, { node: ModelNode; default?: string; required: boolean }> }[];
  tag?: number;
  defaultBranch?: number;
  group?: number[];
  dependent?: [number, number][];
}

const regexes = new Map<string, RegExp>();
function formatMatches(format: string, s: string): boolean {
  let re = regexes.get(format);
  if (re === undefined) {
    re = formatRegex(format);
    regexes.set(format, re);
  }
  return re.test(s);
}

/** Where a problem about `v` points: the value, or the object holding a filled-in default. */
function offsetOf(v: JsonValue): number {
  for (let at: JsonValue | null = v; at !== null; at = at.parent) if (at.offset >= 0) return at.offset;
  return 0;
}

/** Marks a filled-in default and its members as not in the text. */
function unplaced(v: JsonValue): void {
  v.offset = -1;
  for (const item of v.items) unplaced(item);
}

const loose = (s: string) => s.replace(/[_-]/g, "").replace(/[A-Z]/g, (c) => c.toLowerCase());

/** Checks `doc` against `root` (defaults filled in, enums and durations set in `number`). */
export function walkConfig(doc: JsonValue, root: ModelNode): ConfigProblem[] {
  const problems: ConfigProblem[] = [];
  const at = (v: JsonValue, problem: string, offset = offsetOf(v)) => {
    problems.push({ path: pathOf(v), message: `${problem}, got ${renderValue(v)}`, offset });
  };
  const absent = (obj: JsonValue, key: string, problem: string) => {
    problems.push({ path: memberPath(obj, key), message: `${problem}, got nothing`, offset: offsetOf(obj) });
  };

  const durationProblem = (v: JsonValue): string => {
    const s = v.string;
    if (v.kind !== JsonKind.Bool && /^[0-9]+(\.[0-9]+)?$/.test(s)) return `must be a duration with a unit: write "${s}s" or "${s}ms"`;
    const unit = ["second", "minute", "hour", "day"].indexOf(s);
    if (unit >= 0) return `must be a duration: write "1${"smhd"[unit]}"`;
    return FORMATS.duration.message;
  };

  function checkString(v: JsonValue, node: ModelNode): void {
    if (v.kind !== JsonKind.String || node.enum !== undefined) {
      const k = v.kind === JsonKind.String && node.enum !== undefined ? node.enum.indexOf(v.string) : -1;
      if (k >= 0) v.number = k;
      else if (node.enum !== undefined) at(v, `must be one of ${node.enum.map(quoteString).join(", ")}`);
      else at(v, node.format === "duration" ? durationProblem(v) : "must be a string");
      return;
    }
    const s = v.string;
    const chars = [...s].length;
    if (chars < (node.minLength ?? 0)) { at(v, countProblem(false, node.minLength!, "character")); return; }
    if (node.maxLength !== undefined && chars > node.maxLength) { at(v, countProblem(true, node.maxLength, "character")); return; }
    if (node.format === "duration") {
      const ms = parseDuration(s);
      if (ms === undefined) at(v, durationProblem(v));
      else if (node.formatMinimum !== undefined && ms < parseDuration(node.formatMinimum)!) at(v, `must be >= ${node.formatMinimum}`);
      else if (node.formatMaximum !== undefined && ms > parseDuration(node.formatMaximum)!) at(v, `must be <= ${node.formatMaximum}`);
      v.number = ms === undefined ? 0 : Number(ms);
      return;
    }
    if (node.format !== undefined && !formatMatches(node.format, s)) at(v, (FORMATS as Record<string, { message: string }>)[node.format]!.message);
  }

  function check(v: JsonValue, node: ModelNode): void {
    switch (node.kind) {
      case "string":
        checkString(v, node);
        return;
      case "integer":
      case "number": {
        const x = v.number;
        if (v.kind !== JsonKind.Number || (node.kind === "integer" && x !== Math.floor(x))) {
          at(v, node.kind === "integer" ? "must be an integer" : "must be a number");
          return;
        }
        const min = node.minimum;
        if (min !== undefined) {
          const bound = numberValue(min.text);
          if (min.exclusive ? x <= bound : x < bound) { at(v, `${min.exclusive ? "must be > " : "must be >= "}${min.text}`); return; }
        }
        const max = node.maximum;
        if (max !== undefined) {
          const bound = numberValue(max.text);
          if (max.exclusive ? x >= bound : x > bound) at(v, `${max.exclusive ? "must be < " : "must be <= "}${max.text}`);
        }
        return;
      }
      case "boolean":
        if (v.kind !== JsonKind.Bool) at(v, "must be a boolean");
        return;
      case "array": {
        if (v.kind !== JsonKind.Array) { at(v, "must be an array"); return; }
        const n = v.items.length;
        if (n < (node.minItems ?? 0)) at(v, countProblem(false, node.minItems!, "item"));
        else if (node.maxItems !== undefined && n > node.maxItems) at(v, countProblem(true, node.maxItems, "item"));
        for (const item of v.items) check(item, node.items!);
        return;
      }
      case "object":
        if (v.kind !== JsonKind.Object) { at(v, "must be an object"); return; }
        checkObject(v, node);
        return;
      default: // any value
    }
  }

  function tagValues(node: ModelNode, p: number): string {
    return node.branches!.filter((b) => p < 0 || b.nodes.has(p)).flatMap((b) => b.values ?? []).map(quoteString).join(", ");
  }

  function hint(node: ModelNode, key: string): string {
    const spelled = loose(key);
    const p = node.props!.find((q) => q.aliases.includes(key) || loose(q.name) === spelled);
    return p === undefined ? "" : ` (did you mean ${quoteString(p.name)}?)`;
  }

  function checkObject(v: JsonValue, node: ModelNode): void {
    const props = node.props!;
    const names = props.map((p) => p.name);
    const propertyOf = v.keys.map((k) => names.lastIndexOf(k));
    const memberOf = names.map((_, p) => propertyOf.lastIndexOf(p));
    let branch = 0;
    let tagValue: JsonValue | null = null;
    const tag = node.tag!;
    if (tag >= 0) {
      branch = -1;
      const i = memberOf[tag]!;
      if (i < 0) branch = node.defaultBranch!;
      else {
        const value = v.items[i]!;
        tagValue = value;
        let index = 0;
        node.branches!.forEach((b, bi) => {
          const k = branch < 0 && value.kind === JsonKind.String ? b.values!.indexOf(value.string) : -1;
          if (k >= 0) { branch = bi; value.number = index + k; }
          index += b.values!.length;
        });
      }
    }
    const allowed = (p: number) => branch < 0 || node.branches![branch]!.nodes.has(p);
    v.keys.forEach((key, i) => {
      const p = propertyOf[i]!;
      const member = v.items[i]!;
      if (p < 0) at(member, `unknown key${hint(node, key)}`, v.keyOffsets[i]);
      else if (!allowed(p)) at(member, `applies only when ${names[tag]} is ${tagValues(node, p)}`, v.keyOffsets[i]);
    });
    if (branch < 0) {
      const problem = `must be one of ${tagValues(node, -1)}`;
      if (tagValue !== null) at(tagValue, problem);
      else absent(v, names[tag]!, "is required");
      // members every branch has are checked all the same
      v.keys.forEach((_, i) => {
        const p = propertyOf[i]!;
        if (p >= 0 && p !== tag && node.branches!.every((b) => b.nodes.has(p))) check(v.items[i]!, node.branches![0]!.nodes.get(p)!.node);
      });
      return;
    }
    const entries = node.branches![branch]!.nodes;
    names.forEach((name, p) => {
      if (entries.get(p)?.required && memberOf[p]! < 0) absent(v, name, "is required");
    });
    const group = node.group!;
    if (group.length > 0) {
      const present = v.keys.map((_, i) => i).filter((i) => group.includes(propertyOf[i]!));
      if (present.length === 0) at(v, `needs one of ${group.slice().sort((a, b) => a - b).map((p) => quoteString(names[p]!)).join(", ")}`);
      else if (present.length > 1) at(v.items[present[1]!]!, `cannot be combined with ${quoteString(v.keys[present[0]!]!)}`);
    }
    for (const [a, b] of node.dependent!) {
      if (memberOf[a]! >= 0 && memberOf[b]! < 0) absent(v, names[b]!, `is required with ${quoteString(names[a]!)}`);
    }
    v.keys.forEach((_, i) => {
      const p = propertyOf[i]!;
      if (p >= 0 && p !== tag && allowed(p)) check(v.items[i]!, entries.get(p)!.node);
    });
    v.fields = names.map((name, p) => {
      const entry = entries.get(p);
      if (entry === undefined) return null;
      const i = memberOf[p]!;
      if (i >= 0) return v.items[i]!;
      if (entry.default === undefined) return null;
      const value = parseJson(Buffer.from(entry.default, "utf8")) as JsonValue;
      value.parent = v;
      value.key = name;
      unplaced(value);
      check(value, entry.node);
      return value;
    });
  }

  check(doc, root);
  return problems;
}

/** As the AS walker's countProblem: "must not be empty" for at least 1, else
 *  "must have at least|most <n> <unit>[s]". */
function countProblem(most: boolean, n: number, unit: string): string {
  if (!most && n === 1) return "must not be empty";
  return `must have at ${most ? "most" : "least"} ${n} ${unit}${n === 1 ? "" : "s"}`;
}
