// Test entry for json.ts and config-error.ts: a sample config read through ConfigReader, value
// rendering, and number formatting.
import { formatNumber } from "../config-error";
import { ConfigReader, JsonKind, JsonValue } from "../json";

const MODES = ["fast", "safe"];

/** Reads a sample rate-limit-like config; returns "empty", the error line, or a summary. */
export function readSample(text: string): string {
  const r = new ConfigReader("sample");
  const root = r.parse(text);
  if (r.empty) return "empty";
  const name = r.requiredString(root, "name", 1, 16);
  const limit = r.requiredInteger(root, "limit", 1, 1000);
  const ratio = r.optionalNumber(root, "ratio", 1, 0, 1, true, false);
  const enabled = r.optionalBool(root, "enabled", true);
  const mode = r.optionalEnum(root, "mode", MODES, 0);
  const timeout = r.optionalDuration(root, "timeout", 250, 1, 60_000);
  const rules = r.optionalArray(root, "rules", 1, 3);
  let ruleNames = "";
  if (rules !== null) {
    for (let i = 0; i < rules.items.length; i++) {
      const rule = r.asObject(rules.items[i]);
      const ruleName = r.requiredString(rule, "name", 1);
      r.unknownKeys(rule, ["name"]);
      if (rule !== null && ruleNames.includes("<" + ruleName + ">")) {
        const nameNode = rule.member("name");
        if (nameNode !== null) r.fail(nameNode, "duplicate rule name");
      }
      ruleNames += "<" + ruleName + ">";
    }
  }
  r.optionalObject(root, "extra");
  r.unknownKeys(root, ["name", "limit", "ratio", "enabled", "mode", "timeout", "rules", "extra"]);
  if (r.failed) return r.message();
  return "name=" + name + " limit=" + limit.toString() + " ratio=" + formatNumber(ratio) +
    " enabled=" + (enabled ? "true" : "false") + " mode=" + MODES[mode] + " timeout=" + timeout.toString() +
    " rules=" + ruleNames;
}

/** The error line for `{"v": <valueJson>}` failing at v, showing how the value renders. */
export function renderMember(valueJson: string): string {
  const r = new ConfigReader("f");
  const root = r.parse("{\"v\":" + valueJson + "}");
  const v = r.member(root, "v", true);
  if (v !== null) r.fail(v, "bad");
  return r.message();
}

/** The parsed document re-serialized compactly (strings as byte strings in quotes, escaping only
 *  `"` and `\`), or the error line. */
export function roundTrip(text: string): string {
  const r = new ConfigReader("f");
  const root = r.parse(text);
  return root === null ? r.message() : serialize(root);
}

/** The path of the first string leaf found depth-first, to check path building. */
export function firstStringPath(text: string): string {
  const r = new ConfigReader("f");
  const root = r.parse(text);
  if (root === null) return r.message();
  const leaf = firstString(root);
  if (leaf === null) return "none";
  r.fail(leaf, "here");
  return r.message();
}

export function formatNumberOf(v: f64): string {
  return formatNumber(v);
}

function firstString(v: JsonValue): JsonValue | null {
  if (v.kind == JsonKind.String) return v;
  for (let i = 0; i < v.items.length; i++) {
    const found = firstString(v.items[i]);
    if (found !== null) return found;
  }
  return null;
}

function serialize(v: JsonValue): string {
  switch (v.kind) {
    case JsonKind.Null: return "null";
    case JsonKind.Bool: return v.bool ? "true" : "false";
    case JsonKind.Number: return formatNumber(v.number);
    case JsonKind.String: return "\"" + v.string.replaceAll("\\", "\\\\").replaceAll("\"", "\\\"") + "\"";
    case JsonKind.Array: {
      let out = "[";
      for (let i = 0; i < v.items.length; i++) out += (i > 0 ? "," : "") + serialize(v.items[i]);
      return out + "]";
    }
    default: {
      let out = "{";
      for (let i = 0; i < v.items.length; i++) {
        out += (i > 0 ? "," : "") + "\"" + v.keys[i] + "\":" + serialize(v.items[i]);
      }
      return out + "}";
    }
  }
}

/** The number the module's own reader makes of a JSON number literal (NaN when it is not one). */
export function readNumber(literal: string): f64 {
  const root = new ConfigReader("f").parse("{\"a\":" + literal + "}");
  if (root === null) return NaN;
  const a = root.member("a");
  return a === null || a.kind != JsonKind.Number ? NaN : a.number;
}
