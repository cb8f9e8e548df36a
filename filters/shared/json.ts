// Strict JSON (RFC 8259) parsed into a tree of JsonValue, and how config errors print a value and
// its place (docs/config.md, "Errors"). Used at configure time only.
//
// Input and strings are byte strings (one code unit per byte): \u escapes decode to UTF-8 bytes,
// other bytes must be valid UTF-8. Rejected: trailing commas, comments, leading zeros, raw control
// characters in strings, lone surrogate escapes, invalid UTF-8, duplicate keys, nesting deeper than
// 64, objects with more than 4096 members. A syntax error is `invalid JSON at line L, column C:
// <reason>` (columns count characters). Numbers keep the text they were written with (errors echo
// it: `got 1e400`); their value is correctly rounded when the digits fit a double exactly and the
// exponent is within ±22 (every realistic config number), within a few units in the last place
// beyond (no strtod is linked: it costs 2 KB of every filter). cli/json-text.ts is the same parser
// in TypeScript; the two must stay in step (cli/test/config-corpus.test.ts compares them).
// The scans read past the end without a length check: String#charCodeAt is -1 there, which no
// test of a character accepts.
import { decimal, digitAt, hex } from "./number-text";

export const enum JsonKind { Null, Bool, Number, String, Array, Object }

/** The items of a scalar, and of no value (config-walker.ts): always empty, never written. */
export const NO_ITEMS: Array<JsonValue | null> = [];
const NO_KEYS: string[] = [];

/** A parsed JSON value. Objects keep key order: `keys[i]` names `items[i]`. */
export class JsonValue {
  bool: bool = false;
  /** The number; once checked (config-walker.ts), a string enum's index or a duration's ms. */
  number: f64 = 0;
  /** The string (bytes); for a number, its text as written. */
  string: string = "";
  /** Array elements, or object member values in document order (empty for scalars; the parser
   *  gives a parsed array or object its own). */
  items: Array<JsonValue | null> = NO_ITEMS;
  /** Object member names (empty for other kinds). */
  keys: string[] = NO_KEYS;
  /** A checked object's members by property index (config-schema.ts), defaults filled in. */
  fields: Array<JsonValue | null> = NO_ITEMS;
  /** Where this value sits: the containing value and the key, or the index when `key` is null. */
  parent: JsonValue | null = null;
  key: string | null = null;
  index: i32 = 0;

  constructor(public kind: JsonKind) {}

  /** The member named `key` of an object, or null. */
  member(key: string): JsonValue | null {
    const keys = this.keys;
    for (let i = 0, n = keys.length; i < n; i++) {
      if (unchecked(keys[i]) == key) return unchecked(this.items[i]);
    }
    return null;
  }
}

/** A key as a path shows it: plain when it is a word (letters, digits, `_`), else `["..."]`. */
function pathKey(key: string): string {
  for (let i = 0, n = key.length; i < n; i++) {
    const c = key.charCodeAt(i);
    const digit = <u32>(c - 0x30) < 10;
    if (!(<u32>((c | 0x20) - 0x61) < 26 || digit || c == 0x5f) || (i == 0 && digit)) return "[" + quoteString(key) + "]";
  }
  return key.length == 0 ? "[\"\"]" : key;
}

/** The path of member `key` of `obj`: `rules[0].name`; a member of the document is `name`. */
export function memberPath(obj: JsonValue, key: string): string {
  const base = obj.parent === null ? "" : pathOf(obj);
  const k = pathKey(key);
  return base.length == 0 || k.charCodeAt(0) == 0x5b ? base + k : base + "." + k;
}

/** The JSON path of a value: `rules[0].limits[1].per`, `$` for the document. */
export function pathOf(value: JsonValue): string {
  const parent = value.parent;
  if (parent === null) return "$";
  const key = value.key;
  if (key !== null) return memberPath(parent, key);
  return pathOf(parent) + "[" + decimal(value.index) + "]";
}

// @ts-ignore: decorator
@inline const MAX_RENDERED_CHARS = 64;

/** The one-character escapes: the character after a backslash and the byte it stands for; `/` last,
 *  as it is read but never written. */
const ESCAPES = memory.data<u8>([0x22, 0x22, 0x5c, 0x5c, 0x6e, 0x0a, 0x72, 0x0d, 0x74, 0x09, 0x62, 0x08, 0x66, 0x0c, 0x2f, 0x2f]);

/** A byte string as a JSON string literal (JSON.stringify escapes); content over 64 characters
 *  (UTF-8 code points) is cut to 64 followed by `...` inside the quotes. */
export function quoteString(s: string): string {
  let out = "\"";
  let chars = 0;
  for (let i = 0, n = s.length; i < n; i++) {
    const c = s.charCodeAt(i);
    if ((c & 0xc0) != 0x80) { // first byte of a character
      if (chars == MAX_RENDERED_CHARS) return out + "...\"";
      chars++;
    }
    let k = 0; // the escape of `c` among the first seven, which JSON.stringify writes
    while (k < 14 && load<u8>(ESCAPES + k + 1) != c) k += 2;
    if (k < 14) out += "\\" + String.fromCharCode(load<u8>(ESCAPES + k));
    else if (c >= 0x20) out += String.fromCharCode(c);
    else out += "\\u00" + hex(c, 2);
  }
  return out + "\"";
}

/** A value as config errors print it: strings quoted, numbers as written, `{...}` and `[...]`. */
export function renderValue(value: JsonValue): string {
  switch (value.kind) {
    case JsonKind.Null: return "null";
    case JsonKind.Bool: return value.bool ? "true" : "false";
    case JsonKind.Number: return value.string;
    case JsonKind.String: return quoteString(value.string);
    case JsonKind.Array: return "[...]";
    default: return "{...}";
  }
}

// @ts-ignore: decorator
@inline const MAX_DEPTH = 64;
// Mantissas below this take one more digit without overflow (18 significant digits are kept).
// @ts-ignore: decorator
@inline const MANTISSA_LIMIT: u64 = 100_000_000_000_000_000;
// Duplicate keys are found by scanning the members so far; the cap keeps that scan cheap.
// @ts-ignore: decorator
@inline const MAX_MEMBERS = 4096;

// The parse in progress, one at a time (configure code parses a document, then reads it): module
// state rather than a parser object, so each read of the position is a global, not a field.
let input = "";
let cursor = 0;
/** The first error, which stops the parse, and where it is. */
let error: string | null = null;
let errorAt = 0;

/** Starts parsing `text` at its first character. */
export function startJson(text: string): void {
  input = text;
  cursor = 0;
  error = null;
  errorAt = 0;
}

/** Lets go of the text parsed last and its error: module state a collection would otherwise
 *  keep marking on the request path. */
export function endJson(): void {
  input = "";
  error = null;
}

/** Where the parse is in the text. */
export function jsonPosition(): i32 {
  return cursor;
}

/** Steps over the character at the position (one the caller has read). */
export function stepOver(): void {
  cursor++;
}

/** `text` as one JSON document (recursive descent): its value, or null with the error kept for
 *  jsonError(). */
export function parseJson(text: string): JsonValue | null {
  startJson(text);
  const value = parseValue(0);
  if (value === null) return null;
  skipSpace();
  if (cursor < input.length) return fail("unexpected character after the value");
  return value;
}

/** The error of the last parse as a config error line's problem: `invalid JSON at line L, column C:
 *  <reason>`. */
export function jsonError(): string {
  const text = input;
  let line = 1;
  let column = 1;
  for (let i = 0, n = errorAt; i < n; i++) {
    const c = text.charCodeAt(i);
    if (c == 0x0a) { line++; column = 1; } else if ((c & 0xc0) != 0x80) column++;
  }
  const reason = error;
  return "invalid JSON at line " + decimal(line) + ", column " + decimal(column) + ": " + (reason === null ? "" : reason);
}

/** Keeps `reason` and the position when it is the parse's first error; null. */
function fail(reason: string): JsonValue | null {
  if (error === null) {
    error = reason;
    errorAt = min(cursor, input.length); // an escape at the end steps past it
  }
  return null;
}

/** Steps over JSON whitespace. */
export function skipSpace(): void {
  const text = input;
  let pos = cursor;
  while (true) {
    const c = text.charCodeAt(pos);
    if (c != 0x20 && c != 0x0a && c != 0x0d && c != 0x09) break;
    pos++;
  }
  cursor = pos;
}

/** The value at the position, after any space, inside `depth` arrays and objects; null after an
 *  error. */
export function parseValue(depth: i32): JsonValue | null {
  skipSpace();
  const c = input.charCodeAt(cursor);
  if (c < 0) return fail("unexpected end of input");
  if (c == 0x7b || c == 0x5b) {
    if (depth == MAX_DEPTH) return fail("nesting deeper than 64");
    return c == 0x7b ? parseObject(depth + 1) : parseArray(depth + 1);
  }
  if (c == 0x22) {
    const s = parseString();
    if (s === null) return null;
    const value = new JsonValue(JsonKind.String);
    value.string = s;
    return value;
  }
  if (c == 0x2d || isDigit(c)) return parseNumber();
  if (!literal(c == 0x74 ? "true" : c == 0x66 ? "false" : "null")) return fail("unexpected character");
  const value = new JsonValue(c == 0x6e ? JsonKind.Null : JsonKind.Bool);
  value.bool = c == 0x74;
  return value;
}

function literal(word: string): bool {
  const end = cursor + word.length;
  if (end > input.length || input.substring(cursor, end) != word) return false;
  cursor = end;
  return true;
}

function parseObject(depth: i32): JsonValue | null {
  const obj = new JsonValue(JsonKind.Object);
  obj.items = [];
  obj.keys = [];
  const text = input;
  cursor++; // {
  skipSpace();
  if (text.charCodeAt(cursor) == 0x7d) { cursor++; return obj; }
  while (true) {
    skipSpace();
    const c = text.charCodeAt(cursor);
    if (c != 0x22) return fail(c < 0 ? "unexpected end of input" : "expected a string key");
    const keyAt = cursor;
    const key = parseString();
    if (key === null) return null;
    if (obj.keys.length == MAX_MEMBERS) return fail("more than 4096 members in an object");
    if (obj.keys.includes(key)) {
      cursor = keyAt;
      return fail("duplicate key " + quoteString(key));
    }
    skipSpace();
    if (text.charCodeAt(cursor) != 0x3a) return fail("expected ':'");
    cursor++;
    const value = parseValue(depth);
    if (value === null) return null;
    value.parent = obj;
    value.key = key;
    obj.keys.push(key);
    obj.items.push(value);
    if (next(0x7d)) return obj;
    if (error !== null) return null;
  }
}

function parseArray(depth: i32): JsonValue | null {
  const arr = new JsonValue(JsonKind.Array);
  arr.items = [];
  const text = input;
  cursor++; // [
  skipSpace();
  if (text.charCodeAt(cursor) == 0x5d) { cursor++; return arr; }
  while (true) {
    const value = parseValue(depth);
    if (value === null) return null;
    value.parent = arr;
    value.index = arr.items.length;
    arr.items.push(value);
    if (next(0x5d)) return arr;
    if (error !== null) return null;
  }
}

/** After a member or element: true at the closing `close`, false after a `,` (or on error). */
function next(close: i32): bool {
  skipSpace();
  const c = input.charCodeAt(cursor);
  if (c == close || c == 0x2c) {
    cursor++;
    return c == close;
  }
  fail(c < 0 ? "unexpected end of input" : close == 0x7d ? "expected ',' or '}'" : "expected ',' or ']'");
  return false;
}

function parseNumber(): JsonValue | null {
  const text = input;
  const start = cursor;
  let pos = start;
  const negative = text.charCodeAt(pos) == 0x2d;
  if (negative) pos++;
  // digits accumulate into mantissa × 10^exp10 while they fit exactly
  let mantissa: u64 = 0;
  let exp10 = 0;
  const digitsAt = pos;
  let d: i32;
  while ((d = digitAt(text, pos)) >= 0) {
    if (pos > digitsAt && mantissa == 0) { cursor = pos; return fail("invalid number"); } // leading zero
    if (mantissa < MANTISSA_LIMIT) mantissa = mantissa * 10 + <u64>d;
    else exp10++; // digits beyond 18 only scale
    pos++;
  }
  if (pos == digitsAt) { cursor = pos; return fail("invalid number"); }
  if (text.charCodeAt(pos) == 0x2e) {
    const fractionAt = ++pos;
    while ((d = digitAt(text, pos)) >= 0) {
      if (mantissa < MANTISSA_LIMIT) { mantissa = mantissa * 10 + <u64>d; exp10--; }
      pos++; // digits beyond 18 are dropped
    }
    if (pos == fractionAt) { cursor = pos; return fail("invalid number"); }
  }
  if ((text.charCodeAt(pos) | 0x20) == 0x65) {
    pos++;
    const expNegative = text.charCodeAt(pos) == 0x2d;
    if (expNegative || text.charCodeAt(pos) == 0x2b) pos++;
    const expAt = pos;
    let exponent = 0;
    while ((d = digitAt(text, pos)) >= 0) {
      if (exponent < 100_000) exponent = exponent * 10 + d;
      pos++;
    }
    if (pos == expAt) { cursor = pos; return fail("invalid number"); }
    exp10 += expNegative ? -exponent : exponent;
  }
  cursor = pos;
  const v = decimalToF64(mantissa, exp10);
  const value = new JsonValue(JsonKind.Number);
  value.number = negative ? -v : v;
  value.string = text.substring(start, pos);
  return value;
}

/** Parses a string literal at `pos` (an opening quote) into a byte string. */
export function parseString(): string | null {
  const text = input;
  const start = cursor + 1;
  // find the closing quote and check the UTF-8; the decoded string is never longer than the literal
  let end = start;
  while (true) {
    const c = text.charCodeAt(end);
    if (c == 0x22) break;
    if (c < 0x20) { cursor = end; fail(c < 0 ? "unterminated string" : "control character in string"); return null; }
    if (c == 0x5c) { end += 2; continue; }
    if (c < 0x80) { end++; continue; }
    const n = utf8Length(text, end);
    if (n == 0) { cursor = utf8BadAt; fail("invalid UTF-8 byte 0x" + hex(text.charCodeAt(utf8BadAt), 2)); return null; }
    end += n;
  }
  const out = changetype<string>(__new(<usize>(end - start) << 1, idof<string>()));
  let written = 0;
  let pos = start;
  while (pos < end) {
    const c = text.charCodeAt(pos);
    if (c != 0x5c) {
      written = putByte(out, written, c); // bytes of UTF-8 stay as they are
      pos++;
      continue;
    }
    const e = text.charCodeAt(pos + 1);
    let cp: i32;
    let next = pos + 2;
    if (e != 0x75) {
      cp = simpleEscape(e);
      if (cp < 0) { cursor = pos; fail("invalid escape"); return null; }
    } else {
      cp = hex4(text, pos + 2);
      next = pos + 6;
      if (cp >= 0xdc00 && cp <= 0xdfff) cp = -1; // a low surrogate first
      if (cp >= 0xd800 && cp <= 0xdbff) {
        const low = text.charCodeAt(next) == 0x5c && text.charCodeAt(next + 1) == 0x75 ? hex4(text, next + 2) : -1;
        if (low < 0xdc00 || low > 0xdfff) cp = -1;
        else { cp = 0x10000 + ((cp - 0xd800) << 10) + (low - 0xdc00); next += 6; }
      }
      if (cp < 0) { cursor = pos; fail("invalid \\u escape"); return null; }
    }
    written = putUtf8(out, written, cp);
    pos = next;
  }
  cursor = end + 1;
  return written == end - start ? out : out.substring(0, written);
}

/** Where utf8Length found a sequence going wrong: the offending byte. */
let utf8BadAt = 0;

/** The length of the UTF-8 sequence at `at` (a byte >= 0x80) when it is a valid character (no
 *  overlong forms, surrogates or values past U+10FFFF), else 0 with the offending byte in
 *  utf8BadAt. */
function utf8Length(text: string, at: i32): i32 {
  const c = text.charCodeAt(at);
  // the continuation bytes, and the range the first of them must be in
  const count = c >= 0xf0 ? 3 : c >= 0xe0 ? 2 : 1;
  let low = 0x80;
  let high = 0xbf;
  utf8BadAt = at;
  if (c < 0xc2 || c > 0xf4) return 0;
  if (c == 0xe0) low = 0xa0;
  else if (c == 0xed) high = 0x9f;
  else if (c == 0xf0) low = 0x90;
  else if (c == 0xf4) high = 0x8f;
  for (let i = 1; i <= count; i++) {
    const b = text.charCodeAt(at + i); // -1 past the end
    if (b < low || b > high) {
      if (b >= 0) utf8BadAt = at + i;
      return 0;
    }
    low = 0x80;
    high = 0xbf;
  }
  return count + 1;
}

/** The value of `text`, a JSON number (config bounds), as the parser reads numbers. */
export function numberValue(text: string): f64 {
  startJson(text);
  const value = parseNumber();
  return value === null ? NaN : value.number;
}

// @ts-ignore: decorator
@inline
function isDigit(c: i32): bool {
  return c >= 0x30 && c <= 0x39;
}

/** Four hex digits at `pos` as a number, or -1 (the literal's closing quote is no digit). */
function hex4(text: string, pos: i32): i32 {
  let v = 0;
  for (let i = pos; i < pos + 4; i++) {
    const c = text.charCodeAt(i);
    let d: i32;
    if (c >= 0x30 && c <= 0x39) d = c - 0x30;
    else if ((c | 0x20) >= 0x61 && (c | 0x20) <= 0x66) d = (c | 0x20) - 0x61 + 10;
    else return -1;
    v = (v << 4) | d;
  }
  return v;
}

/** The byte a one-character escape stands for, or -1. */
function simpleEscape(e: i32): i32 {
  for (let k = 0; k < 16; k += 2) if (load<u8>(ESCAPES + k) == e) return load<u8>(ESCAPES + k + 1);
  return -1;
}

/** Stores byte `b` as code unit `at` of `out`; returns the next index. */
function putByte(out: string, at: i32, b: i32): i32 {
  store<u16>(changetype<usize>(out) + (<usize>at << 1), <u16>b);
  return at + 1;
}

/** Stores the UTF-8 bytes of code point `cp` from code unit `at` of `out`; returns the next index. */
function putUtf8(out: string, at: i32, cp: i32): i32 {
  if (cp < 0x80) return putByte(out, at, cp);
  const more = cp < 0x800 ? 1 : cp < 0x10000 ? 2 : 3; // continuation bytes
  at = putByte(out, at, ((0xff00 >> (more + 1)) & 0xff) | (cp >> (6 * more)));
  for (let shift = 6 * (more - 1); shift >= 0; shift -= 6) at = putByte(out, at, 0x80 | ((cp >> shift) & 0x3f));
  return at;
}

/** mantissa × 10^exp10 correctly rounded when both are exact doubles (mantissa <= 2^53,
 *  |exp10| <= 22: one rounding, Clinger's fast path); otherwise within a few units in the last
 *  place; overflows to Infinity and underflows to 0. */
function decimalToF64(mantissa: u64, exp10: i32): f64 {
  // one canonical form, so "1.50e2" and "150" take the same rounding steps
  while (mantissa >= 10 && mantissa % 10 == 0) { mantissa /= 10; exp10++; }
  let x = <f64>mantissa;
  // x × 10^exp10 in steps of at most 10^22 (none for |exp10| <= 22: the fast path's one rounding)
  while (exp10 > 22 && isFinite(x)) { x *= 1e22; exp10 -= 22; }
  while (exp10 < -22 && x != 0) { x /= 1e22; exp10 += 22; }
  if (exp10 > 22 || exp10 < -22) return x; // already Infinity or 0
  return exp10 < 0 ? x / powerOfTen(-exp10) : x * powerOfTen(exp10);
}

/** 10^n for 0 <= n <= 22 (every step exact). */
function powerOfTen(n: i32): f64 {
  let power: f64 = 1;
  while (n-- > 0) power *= 10;
  return power;
}
