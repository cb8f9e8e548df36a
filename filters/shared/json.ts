// Strict JSON (RFC 8259) parsed into a tree, and ConfigReader: typed getters over that tree that
// record the first config error with its JSON path (ARCHITECTURE.md, "Config errors").
//
// Input and strings are byte strings (one code unit per byte): \u escapes decode to UTF-8 bytes,
// other bytes >= 0x80 pass through unchecked. Rejected: trailing commas, comments, leading zeros,
// raw control characters in strings, lone surrogate escapes, duplicate keys, nesting deeper than 64,
// objects with more than 4096 members. Numbers are correctly rounded when their digits fit a double
// exactly and the exponent is within ±22 (every realistic config number); beyond that they are
// within a few units in the last place (no strtod is linked: it costs 2 KB of every filter).
// Used at configure time only.
import { ConfigError, decimalToF64, formatNumber, quoteString } from "./config-error";
import { INVALID_DURATION, parseDuration } from "./duration";
import { decimal } from "./number-text";

export const enum JsonKind { Null, Bool, Number, String, Array, Object }

const NO_ITEMS: JsonValue[] = [];
const NO_KEYS: string[] = [];

/** A parsed JSON value. Objects keep key order: `keys[i]` names `items[i]`. */
export class JsonValue {
  bool: bool = false;
  number: f64 = 0;
  string: string = "";
  /** Array elements, or object member values (shared and empty for scalars: do not modify). */
  items: JsonValue[];
  /** Object member names (shared and empty for other kinds). */
  keys: string[];
  /** Where this value sits: the containing value and the key, or the index when `key` is null. */
  parent: JsonValue | null = null;
  key: string | null = null;
  index: i32 = 0;

  constructor(public kind: JsonKind) {
    this.items = kind >= JsonKind.Array ? [] : NO_ITEMS;
    this.keys = kind == JsonKind.Object ? [] : NO_KEYS;
  }

  /** The member named `key` of an object, or null. */
  member(key: string): JsonValue | null {
    const keys = this.keys;
    for (let i = 0, n = keys.length; i < n; i++) {
      if (keys[i] == key) return this.items[i];
    }
    return null;
  }
}

/** The JSON path of a value: `rules[0].limit.unit`, `$` for the document. */
export function pathOf(value: JsonValue): string {
  const parent = value.parent;
  if (parent === null) return "$";
  const key = value.key;
  const base = parent.parent === null ? (key !== null ? "" : "$") : pathOf(parent);
  if (key !== null) return base.length == 0 ? key : base + "." + key;
  return base + "[" + decimal(value.index) + "]";
}

/** The path of member `key` of `obj` (which may be absent). */
function memberPath(obj: JsonValue, key: string): string {
  return obj.parent === null ? key : pathOf(obj) + "." + key;
}

/** A value as config errors print it: strings quoted, numbers as JavaScript prints them,
 *  `{...}` and `[...]` for containers. */
export function renderValue(value: JsonValue): string {
  switch (value.kind) {
    case JsonKind.Null: return "null";
    case JsonKind.Bool: return value.bool ? "true" : "false";
    case JsonKind.Number: return formatNumber(value.number);
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

/** Recursive-descent parser; the first error stops it and is kept in `error`/`errorAt`. */
class JsonParser {
  pos: i32 = 0;
  error: string | null = null;
  errorAt: i32 = 0;

  constructor(public text: string) {}

  parseDocument(): JsonValue | null {
    const value = this.parseValue(0);
    if (value === null) return null;
    this.skipSpace();
    if (this.pos < this.text.length) return this.fail("unexpected character after the value");
    return value;
  }

  fail(reason: string): JsonValue | null {
    if (this.error === null) {
      this.error = reason;
      this.errorAt = this.pos;
    }
    return null;
  }

  skipSpace(): void {
    const text = this.text;
    let pos = this.pos;
    while (pos < text.length) {
      const c = text.charCodeAt(pos);
      if (c != 0x20 && c != 0x0a && c != 0x0d && c != 0x09) break;
      pos++;
    }
    this.pos = pos;
  }

  parseValue(depth: i32): JsonValue | null {
    this.skipSpace();
    const text = this.text;
    if (this.pos >= text.length) return this.fail("unexpected end of input");
    const c = text.charCodeAt(this.pos);
    if (c == 0x7b || c == 0x5b) {
      if (depth == MAX_DEPTH) return this.fail("nesting deeper than 64");
      return c == 0x7b ? this.parseObject(depth + 1) : this.parseArray(depth + 1);
    }
    if (c == 0x22) {
      const s = this.parseString();
      if (s === null) return null;
      const value = new JsonValue(JsonKind.String);
      value.string = s;
      return value;
    }
    if (c == 0x2d || (c >= 0x30 && c <= 0x39)) return this.parseNumber();
    if (this.literal("true")) { const v = new JsonValue(JsonKind.Bool); v.bool = true; return v; }
    if (this.literal("false")) return new JsonValue(JsonKind.Bool);
    if (this.literal("null")) return new JsonValue(JsonKind.Null);
    return this.fail("unexpected character");
  }

  literal(word: string): bool {
    const end = this.pos + word.length;
    if (end > this.text.length || this.text.substring(this.pos, end) != word) return false;
    this.pos = end;
    return true;
  }

  parseObject(depth: i32): JsonValue | null {
    const obj = new JsonValue(JsonKind.Object);
    const text = this.text;
    this.pos++; // {
    this.skipSpace();
    if (this.pos < text.length && text.charCodeAt(this.pos) == 0x7d) { this.pos++; return obj; }
    while (true) {
      this.skipSpace();
      if (this.pos >= text.length) return this.fail("unexpected end of input");
      if (text.charCodeAt(this.pos) != 0x22) return this.fail("expected a string key");
      const keyAt = this.pos;
      const key = this.parseString();
      if (key === null) return null;
      if (obj.keys.length == MAX_MEMBERS) return this.fail("more than 4096 members in an object");
      if (obj.member(key) !== null) {
        this.pos = keyAt;
        return this.fail("duplicate key " + quoteString(key));
      }
      this.skipSpace();
      if (this.pos >= text.length || text.charCodeAt(this.pos) != 0x3a) return this.fail("expected ':'");
      this.pos++;
      const value = this.parseValue(depth);
      if (value === null) return null;
      value.parent = obj;
      value.key = key;
      obj.keys.push(key);
      obj.items.push(value);
      this.skipSpace();
      if (this.pos >= text.length) return this.fail("unexpected end of input");
      const c = text.charCodeAt(this.pos++);
      if (c == 0x7d) return obj;
      if (c != 0x2c) { this.pos--; return this.fail("expected ',' or '}'"); }
    }
  }

  parseArray(depth: i32): JsonValue | null {
    const arr = new JsonValue(JsonKind.Array);
    const text = this.text;
    this.pos++; // [
    this.skipSpace();
    if (this.pos < text.length && text.charCodeAt(this.pos) == 0x5d) { this.pos++; return arr; }
    while (true) {
      const value = this.parseValue(depth);
      if (value === null) return null;
      value.parent = arr;
      value.index = arr.items.length;
      arr.items.push(value);
      this.skipSpace();
      if (this.pos >= text.length) return this.fail("unexpected end of input");
      const c = text.charCodeAt(this.pos++);
      if (c == 0x5d) return arr;
      if (c != 0x2c) { this.pos--; return this.fail("expected ',' or ']'"); }
    }
  }

  parseNumber(): JsonValue | null {
    const text = this.text;
    let pos = this.pos;
    const negative = text.charCodeAt(pos) == 0x2d;
    if (negative) pos++;
    // digits accumulate into mantissa × 10^exp10 while they fit exactly
    let mantissa: u64 = 0;
    let exp10 = 0;
    const digitsAt = pos;
    while (pos < text.length && isDigit(text.charCodeAt(pos))) {
      if (pos > digitsAt && mantissa == 0) { this.pos = pos; return this.fail("invalid number"); } // leading zero
      if (mantissa < MANTISSA_LIMIT) mantissa = mantissa * 10 + <u64>(text.charCodeAt(pos) - 0x30);
      else exp10++; // digits beyond 18 only scale
      pos++;
    }
    if (pos == digitsAt) { this.pos = pos; return this.fail("invalid number"); }
    if (pos < text.length && text.charCodeAt(pos) == 0x2e) {
      const fractionAt = ++pos;
      while (pos < text.length && isDigit(text.charCodeAt(pos))) {
        if (mantissa < MANTISSA_LIMIT) { mantissa = mantissa * 10 + <u64>(text.charCodeAt(pos) - 0x30); exp10--; }
        pos++; // digits beyond 18 are dropped
      }
      if (pos == fractionAt) { this.pos = pos; return this.fail("invalid number"); }
    }
    if (pos < text.length && (text.charCodeAt(pos) | 0x20) == 0x65) {
      pos++;
      const expNegative = pos < text.length && text.charCodeAt(pos) == 0x2d;
      if (pos < text.length && (expNegative || text.charCodeAt(pos) == 0x2b)) pos++;
      const expAt = pos;
      let exponent = 0;
      while (pos < text.length && isDigit(text.charCodeAt(pos))) {
        if (exponent < 100_000) exponent = exponent * 10 + text.charCodeAt(pos) - 0x30;
        pos++;
      }
      if (pos == expAt) { this.pos = pos; return this.fail("invalid number"); }
      exp10 += expNegative ? -exponent : exponent;
    }
    this.pos = pos;
    const v = decimalToF64(mantissa, exp10);
    const value = new JsonValue(JsonKind.Number);
    value.number = negative ? -v : v;
    return value;
  }

  /** Parses a string literal at `pos` (an opening quote) into a byte string. */
  parseString(): string | null {
    const text = this.text;
    const start = this.pos + 1;
    // find the closing quote; the decoded string is never longer than the literal
    let end = start;
    let escaped = false;
    while (true) {
      if (end >= text.length) { this.pos = end; this.fail("unterminated string"); return null; }
      const c = text.charCodeAt(end);
      if (c == 0x22) break;
      if (c < 0x20) { this.pos = end; this.fail("control character in string"); return null; }
      if (c == 0x5c) { escaped = true; end++; }
      end++;
    }
    if (!escaped) {
      this.pos = end + 1;
      return text.substring(start, end);
    }
    const out = changetype<string>(__new(<usize>(end - start) << 1, idof<string>()));
    let written = 0;
    let pos = start;
    while (pos < end) {
      const c = text.charCodeAt(pos);
      if (c != 0x5c) {
        written = putByte(out, written, c);
        pos++;
        continue;
      }
      const e = text.charCodeAt(pos + 1);
      if (e != 0x75) {
        const decoded = simpleEscape(e);
        if (decoded < 0) { this.pos = pos; this.fail("invalid escape"); return null; }
        written = putByte(out, written, decoded);
        pos += 2;
        continue;
      }
      let cp = hex4(text, pos + 2, end);
      let next = pos + 6;
      if (cp >= 0xdc00 && cp <= 0xdfff) cp = -1; // a low surrogate first
      if (cp >= 0xd800 && cp <= 0xdbff) {
        const low = next + 1 < end && text.charCodeAt(next) == 0x5c && text.charCodeAt(next + 1) == 0x75
          ? hex4(text, next + 2, end) : -1;
        if (low < 0xdc00 || low > 0xdfff) cp = -1;
        else { cp = 0x10000 + ((cp - 0xd800) << 10) + (low - 0xdc00); next += 6; }
      }
      if (cp < 0) { this.pos = pos; this.fail("invalid \\u escape"); return null; }
      written = putUtf8(out, written, cp);
      pos = next;
    }
    this.pos = end + 1;
    return written == end - start ? out : out.substring(0, written);
  }
}

// @ts-ignore: decorator
@inline
function isDigit(c: i32): bool {
  return c >= 0x30 && c <= 0x39;
}

/** Four hex digits at `pos` (before `end`) as a number, or -1. */
function hex4(text: string, pos: i32, end: i32): i32 {
  if (pos + 4 > end) return -1;
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
  switch (e) {
    case 0x22: case 0x5c: case 0x2f: return e;
    case 0x62: return 0x08;
    case 0x66: return 0x0c;
    case 0x6e: return 0x0a;
    case 0x72: return 0x0d;
    case 0x74: return 0x09;
    default: return -1;
  }
}

/** Stores byte `b` as code unit `at` of `out`; returns the next index. */
function putByte(out: string, at: i32, b: i32): i32 {
  store<u16>(changetype<usize>(out) + (<usize>at << 1), <u16>b);
  return at + 1;
}

/** Stores the UTF-8 bytes of code point `cp` from code unit `at` of `out`; returns the next index. */
function putUtf8(out: string, at: i32, cp: i32): i32 {
  if (cp < 0x80) return putByte(out, at, cp);
  if (cp < 0x800) return putByte(out, putByte(out, at, 0xc0 | (cp >> 6)), 0x80 | (cp & 0x3f));
  if (cp < 0x10000) {
    at = putByte(out, at, 0xe0 | (cp >> 12));
  } else {
    at = putByte(out, at, 0xf0 | (cp >> 18));
    at = putByte(out, at, 0x80 | ((cp >> 12) & 0x3f));
  }
  return putByte(out, putByte(out, at, 0x80 | ((cp >> 6) & 0x3f)), 0x80 | (cp & 0x3f));
}

/** UTF-8 characters in a byte string (bytes that do not continue a sequence), as JSON Schema
 *  counts string length. */
function charCount(s: string): i32 {
  let n = 0;
  for (let i = 0, len = s.length; i < len; i++) {
    if ((s.charCodeAt(i) & 0xc0) != 0x80) n++;
  }
  return n;
}

function isBlank(text: string): bool {
  for (let i = 0, n = text.length; i < n; i++) {
    const c = text.charCodeAt(i);
    if (c != 0x20 && c != 0x0a && c != 0x0d && c != 0x09) return false;
  }
  return true;
}

/**
 * Reads a configuration with typed getters that track JSON paths. The first failure is kept as
 * `error`; once failed, every getter returns its fallback without checking, so configure code
 * reads straight through and checks `failed` once at the end:
 *
 *   const r = new ConfigReader("rate-limit");
 *   const root = r.parse(text);        // null when empty or invalid
 *   if (r.empty) { ...defaults... }
 *   const name = r.requiredString(root, "name", 1, 64);
 *   r.unknownKeys(root, ["name", "rules"]);
 *   if (r.failed) { logMessage(LogLevel.Critical, r.message()); return false; }
 *
 * Getters take the containing object (null is allowed and yields the fallback) and a key;
 * `as*` variants check a value already in hand, e.g. an array element.
 */
export class ConfigReader {
  error: ConfigError | null = null;
  /** The text was empty or only whitespace (no error is recorded for that). */
  empty: bool = false;

  constructor(public filter: string) {}

  get failed(): bool { return this.error !== null; }

  /** The log line for the first error, or "" when there is none. */
  message(): string {
    const error = this.error;
    return error === null ? "" : error.format(this.filter);
  }

  /** Parses `text`; returns the document object, or null when the text is empty, not valid JSON
   *  or not an object. */
  parse(text: string): JsonValue | null {
    if (isBlank(text)) {
      this.empty = true;
      return null;
    }
    const parser = new JsonParser(text);
    const doc = parser.parseDocument();
    if (doc === null) {
      const reason = parser.error;
      this.error = new ConfigError("$", "invalid JSON at byte " + decimal(parser.errorAt) + ": " +
        (reason === null ? "" : reason), null);
      return null;
    }
    return this.asObject(doc);
  }

  /** Records a semantic error about `value` (e.g. "duplicate rule name") unless one is already
   *  recorded. */
  fail(value: JsonValue, problem: string): void {
    if (this.error === null) this.error = new ConfigError(pathOf(value), problem, renderValue(value));
  }

  // ---- checks of a value in hand ----

  asObject(value: JsonValue | null): JsonValue | null {
    if (value === null || this.error !== null) return null;
    if (value.kind != JsonKind.Object) { this.fail(value, "must be an object"); return null; }
    return value;
  }

  asArray(value: JsonValue | null, minItems: i32 = 0, maxItems: i32 = i32.MAX_VALUE): JsonValue | null {
    if (value === null || this.error !== null) return null;
    if (value.kind != JsonKind.Array) { this.fail(value, "must be an array"); return null; }
    const n = value.items.length;
    if (n < minItems) this.fail(value, "must have at least " + decimal(minItems) + " items");
    else if (n > maxItems) this.fail(value, "must have at most " + decimal(maxItems) + " items");
    return this.error === null ? value : null;
  }

  asString(value: JsonValue | null, fallback: string = "", minChars: i32 = 0, maxChars: i32 = i32.MAX_VALUE): string {
    if (value === null || this.error !== null) return fallback;
    if (value.kind != JsonKind.String) { this.fail(value, "must be a string"); return fallback; }
    const n = charCount(value.string);
    if (n < minChars) this.fail(value, "must have at least " + decimal(minChars) + " characters");
    else if (n > maxChars) this.fail(value, "must have at most " + decimal(maxChars) + " characters");
    return this.error === null ? value.string : fallback;
  }

  asBool(value: JsonValue | null, fallback: bool = false): bool {
    if (value === null || this.error !== null) return fallback;
    if (value.kind != JsonKind.Bool) { this.fail(value, "must be a boolean"); return fallback; }
    return value.bool;
  }

  /** An exact integer (a JSON number with no fractional part, `1.0` included) in [min, max]. */
  asInteger(value: JsonValue | null, fallback: i64 = 0, min: i64 = i64.MIN_VALUE, max: i64 = i64.MAX_VALUE): i64 {
    if (value === null || this.error !== null) return fallback;
    const v = value.number;
    if (value.kind != JsonKind.Number || v != Math.floor(v)) {
      this.fail(value, "must be an integer");
      return fallback;
    }
    // beyond the i64 range (±2^63) a conversion would not be exact: report the bound crossed
    const exact = v < -9.223372036854775808e18 ? i64.MIN_VALUE
      : v >= 9.223372036854775808e18 ? i64.MAX_VALUE : <i64>v;
    if (exact < min || v < -9.223372036854775808e18) this.fail(value, "must be >= " + formatNumber(<f64>min));
    else if (exact > max || v >= 9.223372036854775808e18) this.fail(value, "must be <= " + formatNumber(<f64>max));
    return this.error === null ? exact : fallback;
  }

  /** A number in [min, max]; either bound exclusive when asked. */
  asNumber(value: JsonValue | null, fallback: f64 = 0, min: f64 = -Infinity, max: f64 = Infinity,
    exclusiveMin: bool = false, exclusiveMax: bool = false): f64 {
    if (value === null || this.error !== null) return fallback;
    if (value.kind != JsonKind.Number) { this.fail(value, "must be a number"); return fallback; }
    const v = value.number;
    if (exclusiveMin ? v <= min : v < min) {
      this.fail(value, (exclusiveMin ? "must be > " : "must be >= ") + formatNumber(min));
    } else if (exclusiveMax ? v >= max : v > max) {
      this.fail(value, (exclusiveMax ? "must be < " : "must be <= ") + formatNumber(max));
    }
    return this.error === null ? v : fallback;
  }

  /** The index in `allowed` of a string value. */
  asEnum(value: JsonValue | null, allowed: string[], fallback: i32 = 0): i32 {
    if (value === null || this.error !== null) return fallback;
    if (value.kind != JsonKind.String) { this.fail(value, "must be a string"); return fallback; }
    const i = allowed.indexOf(value.string);
    if (i >= 0) return i;
    let list = "";
    for (let j = 0; j < allowed.length; j++) list += (j > 0 ? ", " : "") + quoteString(allowed[j]);
    this.fail(value, "must be one of " + list);
    return fallback;
  }

  /** A duration in milliseconds in [minMs, maxMs]: a string such as "250ms", "1.5s", "1m30s"
   *  (see duration.ts), or a non-negative integer number of milliseconds. Bounds print as `<N>ms`. */
  asDuration(value: JsonValue | null, fallback: u64 = 0, minMs: u64 = 0, maxMs: u64 = u64.MAX_VALUE): u64 {
    if (value === null || this.error !== null) return fallback;
    let ms: u64 = 0;
    let valid = false;
    if (value.kind == JsonKind.String) {
      ms = parseDuration(value.string);
      valid = ms != INVALID_DURATION;
    } else if (value.kind == JsonKind.Number) {
      const v = value.number;
      valid = v >= 0 && v == Math.floor(v) && v < 1.8e19;
      if (valid) ms = <u64>v;
    }
    if (!valid) this.fail(value, "must be a duration like \"1s\" or \"250ms\"");
    else if (ms < minMs) this.fail(value, "must be >= " + formatNumber(<f64>minMs) + "ms");
    else if (ms > maxMs) this.fail(value, "must be <= " + formatNumber(<f64>maxMs) + "ms");
    return this.error === null ? ms : fallback;
  }

  // ---- members of an object ----

  /** Member `key` of `obj`; when absent and `required`, records `is required`. */
  member(obj: JsonValue | null, key: string, required: bool): JsonValue | null {
    if (obj === null || this.error !== null) return null;
    const value = obj.member(key);
    if (value === null && required) this.error = new ConfigError(memberPath(obj, key), "is required", "nothing");
    return value;
  }

  requiredObject(obj: JsonValue | null, key: string): JsonValue | null {
    return this.asObject(this.member(obj, key, true));
  }

  optionalObject(obj: JsonValue | null, key: string): JsonValue | null {
    return this.asObject(this.member(obj, key, false));
  }

  requiredArray(obj: JsonValue | null, key: string, minItems: i32 = 0, maxItems: i32 = i32.MAX_VALUE): JsonValue | null {
    return this.asArray(this.member(obj, key, true), minItems, maxItems);
  }

  optionalArray(obj: JsonValue | null, key: string, minItems: i32 = 0, maxItems: i32 = i32.MAX_VALUE): JsonValue | null {
    return this.asArray(this.member(obj, key, false), minItems, maxItems);
  }

  requiredString(obj: JsonValue | null, key: string, minChars: i32 = 0, maxChars: i32 = i32.MAX_VALUE): string {
    return this.asString(this.member(obj, key, true), "", minChars, maxChars);
  }

  optionalString(obj: JsonValue | null, key: string, fallback: string, minChars: i32 = 0, maxChars: i32 = i32.MAX_VALUE): string {
    return this.asString(this.member(obj, key, false), fallback, minChars, maxChars);
  }

  requiredBool(obj: JsonValue | null, key: string): bool {
    return this.asBool(this.member(obj, key, true));
  }

  optionalBool(obj: JsonValue | null, key: string, fallback: bool): bool {
    return this.asBool(this.member(obj, key, false), fallback);
  }

  requiredInteger(obj: JsonValue | null, key: string, min: i64 = i64.MIN_VALUE, max: i64 = i64.MAX_VALUE): i64 {
    return this.asInteger(this.member(obj, key, true), 0, min, max);
  }

  optionalInteger(obj: JsonValue | null, key: string, fallback: i64, min: i64 = i64.MIN_VALUE, max: i64 = i64.MAX_VALUE): i64 {
    return this.asInteger(this.member(obj, key, false), fallback, min, max);
  }

  requiredNumber(obj: JsonValue | null, key: string, min: f64 = -Infinity, max: f64 = Infinity,
    exclusiveMin: bool = false, exclusiveMax: bool = false): f64 {
    return this.asNumber(this.member(obj, key, true), 0, min, max, exclusiveMin, exclusiveMax);
  }

  optionalNumber(obj: JsonValue | null, key: string, fallback: f64, min: f64 = -Infinity, max: f64 = Infinity,
    exclusiveMin: bool = false, exclusiveMax: bool = false): f64 {
    return this.asNumber(this.member(obj, key, false), fallback, min, max, exclusiveMin, exclusiveMax);
  }

  requiredEnum(obj: JsonValue | null, key: string, allowed: string[]): i32 {
    return this.asEnum(this.member(obj, key, true), allowed);
  }

  optionalEnum(obj: JsonValue | null, key: string, allowed: string[], fallback: i32): i32 {
    return this.asEnum(this.member(obj, key, false), allowed, fallback);
  }

  requiredDuration(obj: JsonValue | null, key: string, minMs: u64 = 0, maxMs: u64 = u64.MAX_VALUE): u64 {
    return this.asDuration(this.member(obj, key, true), 0, minMs, maxMs);
  }

  optionalDuration(obj: JsonValue | null, key: string, fallback: u64, minMs: u64 = 0, maxMs: u64 = u64.MAX_VALUE): u64 {
    return this.asDuration(this.member(obj, key, false), fallback, minMs, maxMs);
  }

  /** Records `unknown key` for the first member of `obj` not named in `allowed`. */
  unknownKeys(obj: JsonValue | null, allowed: string[]): void {
    if (obj === null || this.error !== null) return;
    const keys = obj.keys;
    for (let i = 0, n = keys.length; i < n; i++) {
      if (!allowed.includes(keys[i])) {
        this.fail(obj.items[i], "unknown key");
        return;
      }
    }
  }
}
