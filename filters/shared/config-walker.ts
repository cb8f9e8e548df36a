// Checks a configuration against its filter's validation table (filters/<id>/config-schema.ts,
// generated from schema.json by scripts/config-table.mjs; the layout is described there) and
// records every problem in schema vocabulary, in one stable order (docs/config.md, "Errors"):
// for each object, unknown keys (with a "did you mean" when the key is a known alias or another
// spelling of a property) and keys of another branch of a discriminated union, then a wrong or
// missing discriminator (the object is not checked further), missing required members, key
// groups (exactly one of), dependent members, then each member in document order. A value gets
// at most one problem of its own. Absent members with a default get it (so configure code never
// repeats a default), string enums their index in `number`, durations their milliseconds.
// cli/config-walker.ts is this walker in TypeScript, over the same model.
import { ConfigErrors } from "./config-error";
import { INVALID_DURATION, parseDuration } from "./duration";
import { endJson, jsonError, JsonKind, JsonValue, NO_ITEMS, numberValue, parseJson, quoteString } from "./json";
import { decimal } from "./number-text";

// @ts-ignore: decorator
@inline const STRING = 0;
// @ts-ignore: decorator
@inline const INTEGER = 1;
// @ts-ignore: decorator
@inline const BOOLEAN = 3;
// @ts-ignore: decorator
@inline const ARRAY = 4;
// @ts-ignore: decorator
@inline const OBJECT = 5;
// @ts-ignore: decorator
@inline const DURATION = 1;
// @ts-ignore: decorator
@inline const NONE8 = 0xff;
// @ts-ignore: decorator
@inline const NONE16 = 0xffff;

/** Parses `text` (blank text is `{}`) and checks it against `table`: the checked document, or null
 *  when `found` recorded a problem (invalid JSON stops at once). */
export function readConfig(text: string, schemaTable: usize, found: ConfigErrors): JsonValue | null {
  let doc: JsonValue | null = new JsonValue(JsonKind.Object);
  if (!isBlank(text)) {
    doc = parseJson(text);
    if (doc === null) {
      found.add("$", jsonError(), null);
      endJson();
      return null;
    }
  }
  table = schemaTable;
  errors = found;
  check(doc, load<u16>(schemaTable));
  // no reference kept past configure: a collection on the request path would mark it
  errors = changetype<ConfigErrors>(0);
  endJson();
  return found.failed ? null : doc;
}

// ---- reading a checked document (indexes from config-schema.ts) ----

/** Member `i` of checked object `obj`, or null when `obj` is null or the member absent. */
export function field(obj: JsonValue | null, i: i32): JsonValue | null {
  return obj === null ? null : unchecked(obj.fields[i]);
}

/** A number, enum index or duration in ms; 0 when absent. */
export function num(obj: JsonValue | null, i: i32): f64 {
  const v = field(obj, i);
  return v === null ? 0 : v.number;
}

/** A string; "" when absent. */
export function text(obj: JsonValue | null, i: i32): string {
  const v = field(obj, i);
  return v === null ? "" : v.string;
}

/** A boolean; false when absent. */
export function flag(obj: JsonValue | null, i: i32): bool {
  const v = field(obj, i);
  return v !== null && v.bool;
}

/** Element `i` of a checked array's elements (never null). */
// @ts-ignore: decorator
@inline export function element(list: Array<JsonValue | null>, i: i32): JsonValue {
  return changetype<JsonValue>(unchecked(list[i]));
}

/** An array's elements; none when absent. */
export function items(obj: JsonValue | null, i: i32): Array<JsonValue | null> {
  const v = field(obj, i);
  return v === null ? NO_ITEMS : v.items;
}

// ---- the walker ----

/** Whether `text` is only JSON whitespace (a filter reads it as `{}`). */
export function isBlank(text: string): bool {
  for (let i = 0, n = text.length; i < n; i++) {
    const c = text.charCodeAt(i);
    if (c != 0x20 && c != 0x0a && c != 0x0d && c != 0x09) return false;
  }
  return true;
}

/** UTF-8 characters in a byte string, as JSON Schema counts string length. */
function charCount(s: string): i32 {
  let n = 0;
  for (let i = 0, len = s.length; i < len; i++) if ((s.charCodeAt(i) & 0xc0) != 0x80) n++;
  return n;
}

/** Digits with an optional fraction: a duration written without its unit. */
function isBareNumber(s: string): bool {
  let dot = -1;
  const n = s.length;
  for (let i = 0; i < n; i++) {
    const c = s.charCodeAt(i);
    if (c == 0x2e && dot < 0 && i > 0) dot = i;
    else if (<u32>(c - 0x30) > 9) return false;
  }
  return n > 0 && dot != n - 1;
}

/** A key spelled without case, `_` and `-`, to find what a mistyped key meant. */
function loose(s: string): string {
  let out = "";
  for (let i = 0, n = s.length; i < n; i++) {
    const c = s.charCodeAt(i);
    if (c != 0x5f && c != 0x2d) out += String.fromCharCode(<u32>(c - 0x41) < 26 ? c | 0x20 : c);
  }
  return out;
}

// The table being checked against and where its problems go, for the one check readConfig runs
// (module state rather than a walker object: every table read is then a global, not a field).
let table: usize = 0;
let errors: ConfigErrors = changetype<ConfigErrors>(0);

// @ts-ignore: decorator
@inline function read8(at: i32): i32 { return load<u8>(table + <usize>at); }
// @ts-ignore: decorator
@inline function read16(at: i32): i32 { return load<u16>(table + <usize>at); }
// @ts-ignore: decorator
@inline function read32(at: i32): u32 { return load<u32>(table + <usize>at); }

/** The table string at `ref`. */
function str(ref: i32): string {
  const p = table + <usize>ref;
  const n = <i32>load<u8>(p);
  const s = changetype<string>(__new(<usize>n << 1, idof<string>()));
  for (let i = 0; i < n; i++) store<u16>(changetype<usize>(s) + (<usize>i << 1), load<u8>(p + 1 + <usize>i));
  return s;
}

/** Whether byte string `s` is the table string at `ref`. */
function is(s: string, ref: i32): bool {
  const n = read8(ref);
  if (s.length != n) return false;
  for (let i = 0; i < n; i++) if (s.charCodeAt(i) != read8(ref + 1 + i)) return false;
  return true;
}

/** The index of `s` in the table list at `ref` (0: no list), or -1. */
function find(s: string, ref: i32): i32 {
  if (ref == 0) return -1;
  for (let i = 0, n = read8(ref); i < n; i++) if (is(s, read16(ref + 1 + 2 * i))) return i;
  return -1;
}

/** `"a", "b"` of the table list at `ref`, after `out`. */
function quoted(out: string, ref: i32): string {
  for (let i = 0, n = ref == 0 ? 0 : read8(ref); i < n; i++) out = listed(out, str(read16(ref + 1 + 2 * i)));
  return out;
}

/** `item` quoted after the list `out` (`"a", "b"`). */
function listed(out: string, item: string): string {
  return out + (out.length > 0 ? ", " : "") + quoteString(item);
}

/** Format `id`'s entry. */
function format(id: i32): i32 {
  return read16(read16(2) + 1 + 2 * (id - 1));
}

/** The name of property `p` of object `node`. */
function name(node: i32, p: i32): string {
  return str(read16(node + 12 + 2 * p));
}

/** Where branch `b` of object `node` starts. */
function branchAt(node: i32, b: i32): i32 {
  let at = node + 12 + 2 * read8(node + 1) + 2 * read8(node + 5);
  while (b-- > 0) at += 11 + 2 * popcnt(read32(at)) + 3 * read8(at + 10);
  return at;
}

/** The node of property `p` in the branch at `at` (which has it). */
function nodeOf(at: i32, p: i32): i32 {
  return read16(at + 11 + 2 * popcnt(read32(at) & ((<u32>1 << p) - 1)));
}

function check(v: JsonValue, node: i32): void {
  const kind = read8(node);
  const e = errors;
  if (kind == STRING) {
    checkString(v, node);
  } else if (kind <= 2) { // integer, number
    const x = v.number;
    if (v.kind != JsonKind.Number || (kind == INTEGER && x != Math.floor(x))) {
      e.at(v, kind == INTEGER ? "must be an integer" : "must be a number");
      return;
    }
    // the minimum, then the maximum (flag bit b: exclusive)
    for (let b = 0; b < 2; b++) {
      const ref = read16(node + 2 + 2 * b);
      if (ref == 0) continue;
      const bound = numberValue(str(ref));
      const exclusive = (read8(node + 1) >> b & 1) != 0;
      if (x == bound ? exclusive : (b == 0) == (x < bound)) {
        e.at(v, (b == 0 ? (exclusive ? "must be > " : "must be >= ") : exclusive ? "must be < " : "must be <= ") + str(ref));
        return;
      }
    }
  } else if (kind == BOOLEAN) {
    if (v.kind != JsonKind.Bool) e.at(v, "must be a boolean");
  } else if (kind == ARRAY) {
    if (v.kind != JsonKind.Array) { e.at(v, "must be an array"); return; }
    const list = v.items;
    const n = list.length;
    const max = read16(node + 4);
    if (n < read16(node + 2)) e.at(v, countProblem(false, read16(node + 2), "item"));
    else if (max != NONE16 && n > max) e.at(v, countProblem(true, max, "item"));
    const itemNode = read16(node + 6);
    for (let i = 0; i < n; i++) check(changetype<JsonValue>(unchecked(list[i])), itemNode);
  } else if (kind == OBJECT) {
    if (v.kind != JsonKind.Object) { e.at(v, "must be an object"); return; }
    checkObject(v, node);
  } // else any value
}

function checkString(v: JsonValue, node: i32): void {
  const e = errors;
  const fmt = read8(node + 1);
  const values = read16(node + 6);
  if (v.kind != JsonKind.String || values != 0) {
    const k = v.kind == JsonKind.String ? find(v.string, values) : -1;
    if (k >= 0) v.number = k;
    else if (values != 0) e.at(v, "must be one of " + quoted("", values));
    else e.at(v, fmt == DURATION ? durationProblem(v) : "must be a string");
    return;
  }
  const s = v.string;
  const chars = charCount(s);
  const max = read16(node + 4);
  if (chars < read16(node + 2)) { e.at(v, countProblem(false, read16(node + 2), "character")); return; }
  if (max != NONE16 && chars > max) { e.at(v, countProblem(true, max, "character")); return; }
  if (fmt == DURATION) {
    const ms = parseDuration(s);
    const min = read16(node + 8);
    const most = read16(node + 10);
    if (ms == INVALID_DURATION) e.at(v, durationProblem(v));
    else if (min != 0 && ms < parseDuration(str(min))) e.at(v, "must be >= " + str(min));
    else if (most != 0 && ms > parseDuration(str(most))) e.at(v, "must be <= " + str(most));
    v.number = <f64>ms;
    return;
  }
  if (fmt == 0) return;
  const entry = format(fmt);
  for (let i = 0, n = s.length; i < n; i++) {
    const c = s.charCodeAt(i);
    const mask = read16(entry + (i == 0 ? 0 : 2));
    if (c >= 0x80 || (read8(mask + (c >> 3)) & (1 << (c & 7))) == 0) {
      e.at(v, str(read16(entry + 4)));
      return;
    }
  }
}

/** A duration given as a bare number gets the units to write, a unit's name its duration;
 *  anything else the format's text. */
function durationProblem(v: JsonValue): string {
  const s = v.string;
  if (v.kind != JsonKind.Bool && isBareNumber(s)) return "must be a duration with a unit: write \"" + s + "s\" or \"" + s + "ms\"";
  const unit = ["second", "minute", "hour", "day"].indexOf(s);
  if (unit >= 0) return "must be a duration: write \"1" + "smhd".charAt(unit) + "\"";
  return str(read16(format(DURATION) + 4));
}

function checkObject(v: JsonValue, node: i32): void {
  const e = errors;
  const count = read8(node + 1);
  const tag = read8(node + 2);
  const branchCount = read8(node + 3);
  const dependents = read8(node + 5);
  const group = read32(node + 6);
  const keys = v.keys;
  const members = v.items;
  const n = keys.length;
  // the property of each member, the properties present (at most 32) and the tag's member
  const propertyOf = new StaticArray<i32>(n);
  let present: u32 = 0;
  let tagAt = -1;
  for (let i = 0; i < n; i++) {
    let p = count - 1;
    while (p >= 0 && !is(unchecked(keys[i]), read16(node + 12 + 2 * p))) p--;
    unchecked(propertyOf[i] = p);
    if (p >= 0) present |= <u32>1 << p;
    if (p >= 0 && p == tag) tagAt = i;
  }
  // the branch of a discriminated union: the tag's value, or the default branch
  let branch = 0;
  let tagValue: JsonValue | null = null;
  if (tag != NONE8) {
    branch = -1;
    const at = tagAt;
    if (at < 0) {
      const fallback = read8(node + 4);
      if (fallback != NONE8) branch = fallback;
    } else {
      const value = changetype<JsonValue>(unchecked(members[at]));
      tagValue = value;
      let index = 0;
      for (let b = 0; b < branchCount && branch < 0; b++) {
        const values = read16(branchAt(node, b) + 8);
        const k = value.kind == JsonKind.String ? find(value.string, values) : -1;
        if (k >= 0) { branch = b; value.number = index + k; }
        index += read8(values);
      }
    }
  }
  // a wrong tag: only the members every branch has are checked (against the first branch)
  const bp = branchAt(node, max(branch, 0));
  let allowed = read32(bp);
  if (branch < 0) {
    for (let b = 0; b < branchCount; b++) allowed &= read32(branchAt(node, b));
  }
  for (let i = 0; i < n; i++) {
    const p = unchecked(propertyOf[i]);
    const member = changetype<JsonValue>(unchecked(members[i]));
    if (p < 0) e.at(member, "unknown key" + hint(node, unchecked(keys[i])));
    else if (branch >= 0 && (allowed & (<u32>1 << p)) == 0) e.at(member, "applies only when " + name(node, tag) + " is " + tagValues(node, p));
  }
  if (branch < 0) {
    if (tagValue !== null) e.at(tagValue, "must be one of " + tagValues(node, -1));
    else e.absent(v, name(node, tag), "is required");
  } else {
    const required = read32(bp + 4);
    for (let p = 0; p < count; p++) {
      if ((required & ~present & (<u32>1 << p)) != 0) e.absent(v, name(node, p), "is required");
    }
    if (group != 0) {
      let first = -1;
      for (let i = 0; i < n; i++) {
        const p = unchecked(propertyOf[i]);
        if (p < 0 || (group & (<u32>1 << p)) == 0) continue;
        if (first < 0) { first = i; continue; }
        e.at(changetype<JsonValue>(unchecked(members[i])), "cannot be combined with " + quoteString(unchecked(keys[first])));
        break;
      }
      if (first < 0) {
        let list = "";
        for (let p = 0; p < count; p++) if ((group & (<u32>1 << p)) != 0) list = listed(list, name(node, p));
        e.at(v, "needs one of " + list);
      }
    }
    const deps = node + 12 + 2 * count;
    for (let d = 0; d < dependents; d++) {
      const a = read8(deps + 2 * d);
      const b = read8(deps + 2 * d + 1);
      if ((present >> a & 1) != 0 && (present >> b & 1) == 0) {
        e.absent(v, name(node, b), "is required with " + quoteString(name(node, a)));
      }
    }
  }
  // the members, the tag excepted (its value is the union's enum index), and them by property
  const fields = new Array<JsonValue | null>(count);
  for (let i = 0; i < n; i++) {
    const p = unchecked(propertyOf[i]);
    if (p < 0) continue;
    const member = changetype<JsonValue>(unchecked(members[i]));
    unchecked(fields[p] = member);
    if (p != tag && (allowed & (<u32>1 << p)) != 0) check(member, nodeOf(bp, p));
  }
  if (branch < 0) return;
  // the defaults of absent members
  const defaults = bp + 11 + 2 * popcnt(allowed);
  for (let d = 0, nd = read8(bp + 10); d < nd; d++) {
    const p = read8(defaults + 3 * d);
    if ((present >> p & 1) != 0) continue;
    const value = parseJson(str(read16(defaults + 3 * d + 1)));
    if (value === null) continue;
    value.parent = v;
    value.key = name(node, p);
    check(value, nodeOf(bp, p));
    unchecked(fields[p] = value);
  }
  v.fields = fields;
}

/** ` (did you mean "<property>"?)` for a key that is a property's alias or its spelling in
 *  another case or with `-`; "" otherwise. */
function hint(node: i32, key: string): string {
  const aliases = read16(node + 10);
  let p = -1;
  for (let i = 0, n = aliases == 0 ? 0 : read8(aliases); i < n && p < 0; i++) {
    if (is(key, read16(aliases + 1 + 3 * i))) p = read8(aliases + 3 + 3 * i);
  }
  const spelled = loose(key);
  for (let q = 0, count = read8(node + 1); q < count && p < 0; q++) if (loose(name(node, q)) == spelled) p = q;
  return p < 0 ? "" : " (did you mean " + quoteString(name(node, p)) + "?)";
}

/** The quoted tag values of the branches that allow property `p` (-1: of every branch). */
function tagValues(node: i32, p: i32): string {
  let out = "";
  for (let b = 0, n = read8(node + 3); b < n; b++) {
    const at = branchAt(node, b);
    if (p < 0 || (read32(at) & (<u32>1 << p)) != 0) out = quoted(out, read16(at + 8));
  }
  return out;
}

/** A list or string with fewer (or, `most`, more) than `n` `unit`s: "must not be empty" for at
 *  least 1, else "must have at least|most <n> <unit>[s]". */
function countProblem(most: bool, n: u32, unit: string): string {
  if (!most && n == 1) return "must not be empty";
  return (most ? "must have at most " : "must have at least ") + decimal(n) + " " + unit + (n == 1 ? "" : "s");
}
