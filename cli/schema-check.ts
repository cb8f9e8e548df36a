// The schema half of `sluice validate`: a filter config's text through the filters' parser and
// walker (TypeScript copies, over the model of filters/<id>/schema.json), giving the same lines
// as proxy_on_configure with where each problem is; ajv over the same schema confirms the verdict.
import { walkConfig, type ConfigProblem } from "./config-walker.js";
import { describeSyntaxError, JsonKind, JsonSyntaxError, JsonValue, parseJson } from "./json-text.js";
import { ajvAccepts, configModel } from "./schemas.js";
import type { FilterId } from "./paths.js";

export type { ConfigProblem };

/** The document of a config text (blank text is `{}`, as the filters read it), or its syntax
 *  error as a problem. */
export function parseConfig(bytes: Uint8Array): JsonValue | ConfigProblem {
  if (bytes.every((b) => b === 0x20 || b === 0x0a || b === 0x0d || b === 0x09)) {
    const empty = new JsonValue(JsonKind.Object);
    empty.offset = 0;
    return empty;
  }
  const doc = parseJson(bytes);
  if (doc instanceof JsonSyntaxError) return { path: "$", message: describeSyntaxError(bytes, doc), offset: doc.offset };
  return doc;
}

/** Plain data of a checked document (what ajv sees). */
function plain(v: JsonValue): unknown {
  switch (v.kind) {
    case JsonKind.Null: return null;
    case JsonKind.Bool: return v.bool;
    case JsonKind.Number: return Number(v.string);
    case JsonKind.String: return v.string;
    case JsonKind.Array: return v.items.map(plain);
    default: return Object.fromEntries(v.keys.map((k, i) => [k, plain(v.items[i]!)]));
  }
}

/** The schema problems of filter `id`'s config text, in the filter's order; none when valid. */
export function schemaProblems(id: FilterId, bytes: Uint8Array): { problems: ConfigProblem[]; doc: JsonValue | null } {
  const doc = parseConfig(bytes);
  if (!(doc instanceof JsonValue)) return { problems: [doc], doc: null };
  const problems = walkConfig(doc, configModel(id));
  if (problems.length === 0 && !ajvAccepts(id, plain(doc))) {
    // the model and ajv read schema.json differently: a bug to report, never to hide
    problems.push({ path: "$", message: "rejected by schema.json (ajv) but not by the filters' model: please report", offset: 0 });
  }
  return { problems, doc };
}

/** Splits a JSON path at the start of `text` from what follows (`: ...`); null when `text` does
 *  not start with a path. Paths: `$`, or keys (`a`, `.b`, `["c d"]`) and indexes (`[0]`). */
export function splitPath(text: string): { path: string; rest: string } | null {
  if (text.startsWith("$")) return text.startsWith("$: ") ? { path: "$", rest: text.slice(3) } : null;
  let i = 0;
  while (i < text.length) {
    if (text.startsWith(": ", i)) return i === 0 ? null : { path: text.slice(0, i), rest: text.slice(i + 2) };
    if (text[i] === "[" && text[i + 1] === "\"") {
      i += 2;
      while (i < text.length && text[i] !== "\"") i += text[i] === "\\" ? 2 : 1;
      i += 2; // `"]`
    } else {
      i++;
    }
  }
  return null;
}

/** The steps of a path: keys and indexes. */
function steps(path: string): (string | number)[] {
  const out: (string | number)[] = [];
  const re = /\[(\d+)\]|\[("(?:[^"\\]|\\.)*")\]|\.?([A-Za-z_][A-Za-z0-9_]*)/y;
  let m: RegExpExecArray | null;
  while (re.lastIndex < path.length && (m = re.exec(path)) !== null) {
    out.push(m[1] !== undefined ? Number(m[1]) : m[2] !== undefined ? (JSON.parse(m[2]) as string).replace(/\.\.\.$/, "") : m[3]!);
  }
  return out;
}

/** The byte offset of the value at `path` in `doc`, or of the nearest value above it. */
export function offsetOfPath(doc: JsonValue | null, path: string): number {
  if (doc === null) return 0;
  let at = doc;
  if (path === "$") return at.offset;
  for (const step of steps(path)) {
    const next = typeof step === "number" ? at.items[step] : at.member(step);
    if (next === undefined || next === null) break;
    at = next;
  }
  return Math.max(at.offset, 0);
}
