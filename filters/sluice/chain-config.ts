// The bundle's configuration: the `filters:` list of sluice.yaml as JSON,
//   {"filters": [{"id": "spiffe-rbac", "config": {...}}, ...]}
// in chain order. Each member's config goes to that filter's own configuration code as JSON text,
// whatever it is (the filter says what is wrong with it, as it would on its own).
import { ConfigErrors } from "../shared/config-error";
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
  if (list.items.length == 0) errors.at(list, "must not be empty");
  const entries: ChainEntry[] = [];
  const spans = configSpans(text);
  let seen: u32 = 0;
  for (let i = 0; i < list.items.length; i++) {
    const start = spans[2 * i];
    const configText = start < 0 ? "" : text.substring(start, spans[2 * i + 1]);
    const entry = readEntry(changetype<JsonValue>(list.items[i]), configText, errors, seen);
    if (entry !== null) {
      seen |= <u32>1 << entry.kind;
      entries.push(entry);
    }
  }
  return errors.failed ? null : entries;
}

function readEntry(entry: JsonValue, configText: string, errors: ConfigErrors, seen: u32): ChainEntry | null {
  if (entry.kind != JsonKind.Object) {
    errors.at(entry, "must be an object");
    return null;
  }
  let id: JsonValue | null = null;
  for (let i = 0; i < entry.keys.length; i++) {
    const key = entry.keys[i];
    const v = changetype<JsonValue>(entry.items[i]);
    if (key == "id") id = v;
    else if (key != "config") errors.at(v, "unknown key");
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
  return new ChainEntry(kind, configText);
}

/** Where each entry of the `filters` list of valid JSON `text` has its `config` value: a start and
 *  an end offset per entry (-1, -1 without one). The text goes to the filter exactly as written. */
function configSpans(text: string): i32[] {
  const spans: i32[] = [];
  const p = new JsonParser(text);
  p.skipSpace();
  p.pos++; // {
  while (nextMember(p)) {
    const key = p.parseString();
    p.skipSpace();
    p.pos++; // :
    p.skipSpace();
    if (key != "filters" || text.charCodeAt(p.pos) != 0x5b) {
      p.parseValue(1);
      continue;
    }
    p.pos++; // [
    while (nextMember(p)) {
      let start = -1;
      let end = -1;
      if (text.charCodeAt(p.pos) == 0x7b) {
        p.pos++; // {
        while (nextMember(p)) {
          const member = p.parseString();
          p.skipSpace();
          p.pos++; // :
          p.skipSpace();
          const at = p.pos;
          p.parseValue(2);
          if (member == "config") {
            start = at;
            end = p.pos;
          }
        }
      } else {
        p.parseValue(2);
      }
      spans.push(start);
      spans.push(end);
    }
  }
  return spans;
}

/** Steps over the space and separator before the next member or element of an object or array
 *  of valid JSON; false (having stepped over its closing bracket) when there is none. */
function nextMember(p: JsonParser): bool {
  p.skipSpace();
  const c = p.text.charCodeAt(p.pos);
  if (c == 0x2c) { // ,
    p.pos++;
    p.skipSpace();
    return true;
  }
  if (c == 0x7d || c == 0x5d) { // } ]
    p.pos++;
    return false;
  }
  return true;
}
