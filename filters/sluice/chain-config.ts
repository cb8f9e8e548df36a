// The bundle's configuration: the `filters:` list of sluice.yaml as JSON,
//   {"filters": [{"id": "spiffe-rbac", "config": {...}}, ...]}
// in chain order. Each member's config goes to that filter's own configuration code as JSON text.
import { ConfigErrors } from "../shared/config-error";
import { hex } from "../shared/number-text";
import { JsonKind, JsonParser, JsonValue, quoteString } from "../shared/json";
import { memberKind, MEMBER_IDS } from "./members";

export class ChainEntry {
  constructor(readonly kind: i32, readonly configText: string) {}
}

/** The chain `text` lists, or null after recording its problems in `errors`. */
export function parseChain(text: string, errors: ConfigErrors): ChainEntry[] | null {
  const parser = new JsonParser(text);
  const doc = parser.parseDocument();
  if (doc === null) {
    errors.add("$", parser.describeError(), null);
    return null;
  }
  if (doc.kind != JsonKind.Object) {
    errors.at(doc, "must be an object");
    return null;
  }
  let list: JsonValue | null = null;
  for (let i = 0; i < doc.keys.length; i++) {
    const v = changetype<JsonValue>(doc.items[i]);
    if (doc.keys[i] == "filters") list = v;
    else errors.at(v, "unknown key");
  }
  if (list === null) {
    errors.absent(doc, "filters", "is required");
    return null;
  }
  if (list.kind != JsonKind.Array) {
    errors.at(list, "must be an array");
    return null;
  }
  if (list.items.length == 0) errors.at(list, "must have at least 1 items");
  const entries: ChainEntry[] = [];
  let seen: u32 = 0;
  for (let i = 0; i < list.items.length; i++) {
    const entry = readEntry(changetype<JsonValue>(list.items[i]), errors, seen);
    if (entry !== null) {
      seen |= <u32>1 << entry.kind;
      entries.push(entry);
    }
  }
  return errors.failed ? null : entries;
}

function readEntry(entry: JsonValue, errors: ConfigErrors, seen: u32): ChainEntry | null {
  if (entry.kind != JsonKind.Object) {
    errors.at(entry, "must be an object");
    return null;
  }
  let id: JsonValue | null = null;
  let config: JsonValue | null = null;
  for (let i = 0; i < entry.keys.length; i++) {
    const key = entry.keys[i];
    const v = changetype<JsonValue>(entry.items[i]);
    if (key == "id") id = v;
    else if (key == "config") config = v;
    else errors.at(v, "unknown key");
  }
  if (id === null) {
    errors.absent(entry, "id", "is required");
    return null;
  }
  const kind = id.kind == JsonKind.String ? memberKind(id.string) : -1;
  if (kind < 0) {
    let list = "";
    for (let i = 0; i < MEMBER_IDS.length; i++) list += (i > 0 ? ", " : "") + quoteString(MEMBER_IDS[i]);
    errors.at(id, "must be one of " + list);
    return null;
  }
  if ((seen & (<u32>1 << kind)) != 0) {
    errors.at(id, "appears twice: a bundle runs each filter once");
    return null;
  }
  if (config !== null && config.kind != JsonKind.Object) {
    errors.at(config, "must be an object");
    return null;
  }
  return new ChainEntry(kind, config === null ? "" : jsonText(config));
}

/** `value` as JSON text that parses back to the same value (numbers as written). */
function jsonText(value: JsonValue): string {
  switch (value.kind) {
    case JsonKind.Null: return "null";
    case JsonKind.Bool: return value.bool ? "true" : "false";
    case JsonKind.Number: return value.string;
    case JsonKind.String: return stringText(value.string);
    case JsonKind.Array: {
      let out = "[";
      for (let i = 0; i < value.items.length; i++) out += (i > 0 ? "," : "") + jsonText(changetype<JsonValue>(value.items[i]));
      return out + "]";
    }
    default: {
      let out = "{";
      for (let i = 0; i < value.items.length; i++) {
        out += (i > 0 ? "," : "") + stringText(value.keys[i]) + ":" + jsonText(changetype<JsonValue>(value.items[i]));
      }
      return out + "}";
    }
  }
}

/** A byte string as a JSON string literal, every byte kept (UTF-8 stays as it was). */
function stringText(s: string): string {
  let out = "\"";
  for (let i = 0, n = s.length; i < n; i++) {
    const c = s.charCodeAt(i);
    if (c == 0x22) out += "\\\"";
    else if (c == 0x5c) out += "\\\\";
    else if (c < 0x20) out += "\\u00" + hex(c, 2);
    else out += String.fromCharCode(c);
  }
  return out + "\"";
}
