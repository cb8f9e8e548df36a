// The bundle's configuration: the `filters:` list of sluice.yaml as JSON,
//   {"filters": [{"id": "spiffe-rbac", "config": {...}}, ...]}
// in chain order. Each member's config goes to that filter's own configuration code as JSON text,
// whatever it is (the filter says what is wrong with it, as it would on its own).
import { ConfigErrors } from "../shared/config-error";
import { field, isBlank, items, num, readConfig } from "../shared/config-walker";
import { endJson, jsonError, jsonPosition, JsonValue, parseJson, parseString, parseValue, skipSpace, startJson, stepOver } from "../shared/json";
import { Member, Root, schema } from "./config-schema";

export class ChainEntry {
  constructor(readonly kind: i32, readonly configText: string) {}
}

/** The chain `text` lists, or null after recording its problems in `errors`. The list's shape is
 *  checked by the shared walker against schema.json; each filter's `config` is left to that filter. */
export function parseChain(text: string, errors: ConfigErrors): ChainEntry[] | null {
  if (isBlank(text)) { // not the empty chain: a filter reads blank text as {}, the bundle needs its list
    parseJson(text);
    errors.add("$", jsonError(), null);
    endJson();
    return null;
  }
  const root = readConfig(text, schema(), errors);
  if (root === null) return null;
  const list = items(root, Root.filters);
  const entries: ChainEntry[] = [];
  const spans = configSpans(text);
  let seen: u32 = 0;
  for (let i = 0; i < list.length; i++) {
    const id = changetype<JsonValue>(field(list[i], Member.id));
    const kind = <i32>num(list[i], Member.id); // the enum's index: schema.json lists MEMBER_IDS in order
    if ((seen & (<u32>1 << kind)) != 0) {
      errors.at(id, "appears twice: a bundle runs each filter once");
      continue;
    }
    seen |= <u32>1 << kind;
    const start = spans[2 * i];
    entries.push(new ChainEntry(kind, start < 0 ? "" : text.substring(start, spans[2 * i + 1])));
  }
  return errors.failed ? null : entries;
}

/** Where each entry of the `filters` list of valid JSON `text` has its `config` value: a start and
 *  an end offset per entry (-1, -1 without one). The text goes to the filter exactly as written. */
function configSpans(text: string): i32[] {
  const spans: i32[] = [];
  startJson(text);
  skipSpace();
  stepOver(); // {
  while (nextMember(text)) {
    const key = memberName();
    if (key != "filters" || text.charCodeAt(jsonPosition()) != 0x5b) {
      parseValue(1);
      continue;
    }
    stepOver(); // [
    while (nextMember(text)) {
      let start = -1;
      let end = -1;
      if (text.charCodeAt(jsonPosition()) == 0x7b) {
        stepOver(); // {
        while (nextMember(text)) {
          const member = memberName();
          const at = jsonPosition();
          parseValue(2);
          if (member == "config") {
            start = at;
            end = jsonPosition();
          }
        }
      } else {
        parseValue(2);
      }
      spans.push(start);
      spans.push(end);
    }
  }
  endJson();
  return spans;
}

/** The name of the object member at the position, stepping over it and its `:` to the value. */
function memberName(): string | null {
  const name = parseString();
  skipSpace();
  stepOver(); // :
  skipSpace();
  return name;
}

/** Steps over the space and separator before the next member or element of an object or array
 *  of valid JSON `text` (the one being parsed); false (having stepped over its closing bracket)
 *  when there is none. */
function nextMember(text: string): bool {
  skipSpace();
  const c = text.charCodeAt(jsonPosition());
  if (c == 0x2c) { // ,
    stepOver();
    skipSpace();
    return true;
  }
  if (c == 0x7d || c == 0x5d) { // } ]
    stepOver();
    return false;
  }
  return true;
}
