// Test entry for json.ts and config-error.ts: parsing (the document re-serialized, or the error
// line), value rendering and JSON paths as config errors print them.
import { ConfigErrors } from "../config-error";
import { jsonError, JsonKind, JsonValue, parseJson } from "../json";

/** The document re-serialized compactly (numbers as written, strings as byte strings in quotes
 *  escaping only `"` and `\`), or the config error line of the syntax error. */
export function roundTrip(text: string): string {
  const doc = parseJson(text);
  if (doc === null) {
    const errors = new ConfigErrors("f");
    errors.add("$", jsonError(), null);
    return errors.lines[0];
  }
  return serialize(doc);
}

/** The error line for `{"v": <valueJson>}` failing at v, showing how the value renders. */
export function renderMember(valueJson: string): string {
  const doc = parseJson("{\"v\":" + valueJson + "}");
  if (doc === null) return "not JSON";
  const errors = new ConfigErrors("f");
  errors.at(doc.items[0]!, "bad");
  return errors.lines[0];
}

/** The error line at the first string leaf found depth-first, to check path building. */
export function firstStringPath(text: string): string {
  const doc = parseJson(text);
  if (doc === null) return "not JSON";
  const leaf = firstString(doc);
  if (leaf === null) return "none";
  const errors = new ConfigErrors("f");
  errors.at(leaf, "here");
  return errors.lines[0];
}

/** The number the module reads from a JSON number literal (NaN when it is not one). */
export function readNumber(literal: string): f64 {
  const doc = parseJson(literal);
  return doc === null || doc.kind != JsonKind.Number ? NaN : doc.number;
}

function firstString(v: JsonValue): JsonValue | null {
  if (v.kind == JsonKind.String) return v;
  for (let i = 0; i < v.items.length; i++) {
    const found = firstString(v.items[i]!);
    if (found !== null) return found;
  }
  return null;
}

function serialize(v: JsonValue): string {
  switch (v.kind) {
    case JsonKind.Null: return "null";
    case JsonKind.Bool: return v.bool ? "true" : "false";
    case JsonKind.Number: return v.string;
    case JsonKind.String: return "\"" + v.string.replaceAll("\\", "\\\\").replaceAll("\"", "\\\"") + "\"";
    case JsonKind.Array: {
      let out = "[";
      for (let i = 0; i < v.items.length; i++) out += (i > 0 ? "," : "") + serialize(v.items[i]!);
      return out + "]";
    }
    default: {
      let out = "{";
      for (let i = 0; i < v.items.length; i++) {
        out += (i > 0 ? "," : "") + "\"" + v.keys[i] + "\":" + serialize(v.items[i]!);
      }
      return out + "}";
    }
  }
}
