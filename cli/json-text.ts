// The filters' JSON parser (filters/shared/json.ts) in TypeScript: the same grammar, limits and
// error messages, over the same bytes, so that `sluice validate` rejects exactly what
// proxy_on_configure rejects and says it the same way (`invalid JSON at line L, column C: ...`).
// Values remember where they start in the text (for file:line:column); numbers keep their text.
// Iterative where the input decides the depth beyond 64: nothing here can overflow the stack.

export const enum JsonKind { Null, Bool, Number, String, Array, Object }

export class JsonValue {
  bool = false;
  /** The number; once checked, a string enum's index or a duration's ms. */
  number = 0;
  /** The string (decoded); for a number, its text as written. */
  string = "";
  items: JsonValue[] = [];
  keys: string[] = [];
  /** Where each key starts (objects). */
  keyOffsets: number[] = [];
  /** A checked object's members by property index, defaults filled in. */
  fields: (JsonValue | null)[] = [];
  parent: JsonValue | null = null;
  key: string | null = null;
  index = 0;
  /** Byte offset of the value in the text (-1: a default the walker filled in). */
  offset = -1;

  constructor(public kind: JsonKind) {}

  member(key: string): JsonValue | null {
    const i = this.keys.indexOf(key);
    return i < 0 ? null : this.items[i]!;
  }
}

const MAX_DEPTH = 64;
const MAX_MEMBERS = 4096;
const MANTISSA_LIMIT = 100_000_000_000_000_000n;

/** A failed parse: the reason and the byte offset. */
export class JsonSyntaxError {
  constructor(readonly reason: string, readonly offset: number) {}
}

/** `invalid JSON at line L, column C: <reason>` for an error at `offset` of `bytes`. */
export function describeSyntaxError(bytes: Uint8Array, e: JsonSyntaxError): string {
  const { line, column } = lineColumn(bytes, e.offset);
  return `invalid JSON at line ${line}, column ${column}: ${e.reason}`;
}

/** Line and column (characters, 1-based) of byte `offset`. */
export function lineColumn(bytes: Uint8Array, offset: number): { line: number; column: number } {
  let line = 1;
  let column = 1;
  for (let i = 0; i < offset && i < bytes.length; i++) {
    const c = bytes[i]!;
    if (c === 0x0a) { line++; column = 1; } else if ((c & 0xc0) !== 0x80) column++;
  }
  return { line, column };
}

const decoder = new TextDecoder("utf-8", { fatal: true });
const isDigit = (c: number) => c >= 0x30 && c <= 0x39;

/** Parses `bytes` as the filters do: the document, or the first syntax error. */
export function parseJson(bytes: Uint8Array): JsonValue | JsonSyntaxError {
  const p = new Parser(bytes);
  const value = p.parseValue(0);
  if (value !== null) {
    p.skipSpace();
    if (p.pos < bytes.length) p.fail("unexpected character after the value");
  }
  return p.error ?? value!;
}

class Parser {
  pos = 0;
  error: JsonSyntaxError | null = null;

  constructor(readonly text: Uint8Array) {}

  fail(reason: string): null {
    if (this.error === null) this.error = new JsonSyntaxError(reason, Math.min(this.pos, this.text.length));
    return null;
  }

  at(i: number): number {
    return this.text[i]!;
  }

  skipSpace(): void {
    while (this.pos < this.text.length) {
      const c = this.at(this.pos);
      if (c !== 0x20 && c !== 0x0a && c !== 0x0d && c !== 0x09) break;
      this.pos++;
    }
  }

  parseValue(depth: number): JsonValue | null {
    this.skipSpace();
    if (this.pos >= this.text.length) return this.fail("unexpected end of input");
    const start = this.pos;
    const c = this.at(this.pos);
    let v: JsonValue | null;
    if (c === 0x7b || c === 0x5b) {
      if (depth === MAX_DEPTH) return this.fail("nesting deeper than 64");
      v = c === 0x7b ? this.parseObject(depth + 1) : this.parseArray(depth + 1);
    } else if (c === 0x22) {
      const s = this.parseString();
      if (s === null) return null;
      v = new JsonValue(JsonKind.String);
      v.string = s;
    } else if (c === 0x2d || isDigit(c)) {
      v = this.parseNumber();
    } else if (this.literal("true")) {
      v = new JsonValue(JsonKind.Bool);
      v.bool = true;
    } else if (this.literal("false")) {
      v = new JsonValue(JsonKind.Bool);
    } else if (this.literal("null")) {
      v = new JsonValue(JsonKind.Null);
    } else {
      return this.fail("unexpected character");
    }
    if (v !== null) v.offset = start;
    return v;
  }

  literal(word: string): boolean {
    const end = this.pos + word.length;
    if (end > this.text.length) return false;
    for (let i = 0; i < word.length; i++) if (this.at(this.pos + i) !== word.charCodeAt(i)) return false;
    this.pos = end;
    return true;
  }

  parseObject(depth: number): JsonValue | null {
    const obj = new JsonValue(JsonKind.Object);
    const text = this.text;
    this.pos++;
    this.skipSpace();
    if (this.pos < text.length && this.at(this.pos) === 0x7d) { this.pos++; return obj; }
    for (;;) {
      this.skipSpace();
      if (this.pos >= text.length) return this.fail("unexpected end of input");
      if (this.at(this.pos) !== 0x22) return this.fail("expected a string key");
      const keyAt = this.pos;
      const key = this.parseString();
      if (key === null) return null;
      if (obj.keys.length === MAX_MEMBERS) return this.fail("more than 4096 members in an object");
      if (obj.keys.includes(key)) {
        this.pos = keyAt;
        return this.fail(`duplicate key ${quoteString(key)}`);
      }
      this.skipSpace();
      if (this.pos >= text.length || this.at(this.pos) !== 0x3a) return this.fail("expected ':'");
      this.pos++;
      const value = this.parseValue(depth);
      if (value === null) return null;
      value.parent = obj;
      value.key = key;
      obj.keys.push(key);
      obj.keyOffsets.push(keyAt);
      obj.items.push(value);
      if (this.next(0x7d)) return obj;
      if (this.error !== null) return null;
    }
  }

  parseArray(depth: number): JsonValue | null {
    const arr = new JsonValue(JsonKind.Array);
    this.pos++;
    this.skipSpace();
    if (this.pos < this.text.length && this.at(this.pos) === 0x5d) { this.pos++; return arr; }
    for (;;) {
      const value = this.parseValue(depth);
      if (value === null) return null;
      value.parent = arr;
      value.index = arr.items.length;
      arr.items.push(value);
      if (this.next(0x5d)) return arr;
      if (this.error !== null) return null;
    }
  }

  next(close: number): boolean {
    this.skipSpace();
    if (this.pos >= this.text.length) { this.fail("unexpected end of input"); return false; }
    const c = this.at(this.pos++);
    if (c === close) return true;
    if (c !== 0x2c) {
      this.pos--;
      this.fail(close === 0x7d ? "expected ',' or '}'" : "expected ',' or ']'");
    }
    return false;
  }

  parseNumber(): JsonValue | null {
    const text = this.text;
    const start = this.pos;
    let pos = start;
    const negative = this.at(pos) === 0x2d;
    if (negative) pos++;
    let mantissa = 0n;
    let exp10 = 0;
    const digitsAt = pos;
    while (pos < text.length && isDigit(this.at(pos))) {
      if (pos > digitsAt && mantissa === 0n) { this.pos = pos; return this.fail("invalid number"); }
      if (mantissa < MANTISSA_LIMIT) mantissa = mantissa * 10n + BigInt(this.at(pos) - 0x30);
      else exp10++;
      pos++;
    }
    if (pos === digitsAt) { this.pos = pos; return this.fail("invalid number"); }
    if (pos < text.length && this.at(pos) === 0x2e) {
      const fractionAt = ++pos;
      while (pos < text.length && isDigit(this.at(pos))) {
        if (mantissa < MANTISSA_LIMIT) { mantissa = mantissa * 10n + BigInt(this.at(pos) - 0x30); exp10--; }
        pos++;
      }
      if (pos === fractionAt) { this.pos = pos; return this.fail("invalid number"); }
    }
    if (pos < text.length && (this.at(pos) | 0x20) === 0x65) {
      pos++;
      const expNegative = pos < text.length && this.at(pos) === 0x2d;
      if (pos < text.length && (expNegative || this.at(pos) === 0x2b)) pos++;
      const expAt = pos;
      let exponent = 0;
      while (pos < text.length && isDigit(this.at(pos))) {
        if (exponent < 100_000) exponent = exponent * 10 + this.at(pos) - 0x30;
        pos++;
      }
      if (pos === expAt) { this.pos = pos; return this.fail("invalid number"); }
      exp10 += expNegative ? -exponent : exponent;
    }
    this.pos = pos;
    const v = decimalToF64(mantissa, exp10);
    const value = new JsonValue(JsonKind.Number);
    value.number = negative ? -v : v;
    value.string = Buffer.from(text.subarray(start, pos)).toString("latin1");
    return value;
  }

  parseString(): string | null {
    const text = this.text;
    const start = this.pos + 1;
    let end = start;
    let escaped = false;
    for (;;) {
      if (end >= text.length) { this.pos = end; this.fail("unterminated string"); return null; }
      const c = this.at(end);
      if (c === 0x22) break;
      if (c < 0x20) { this.pos = end; this.fail("control character in string"); return null; }
      if (c === 0x5c) { escaped = true; end += 2; continue; }
      if (c < 0x80) { end++; continue; }
      const n = utf8Length(text, end);
      if (n < 0) {
        this.pos = -n - 1;
        this.fail(`invalid UTF-8 byte 0x${text[this.pos]!.toString(16).padStart(2, "0")}`);
        return null;
      }
      end += n;
    }
    if (!escaped) {
      this.pos = end + 1;
      return decoder.decode(text.subarray(start, end));
    }
    const out: number[] = [];
    let pos = start;
    while (pos < end) {
      const c = this.at(pos);
      if (c !== 0x5c) { out.push(c); pos++; continue; }
      const e = this.at(pos + 1);
      if (e !== 0x75) {
        const decoded = simpleEscape(e);
        if (decoded < 0) { this.pos = pos; this.fail("invalid escape"); return null; }
        out.push(decoded);
        pos += 2;
        continue;
      }
      let cp = hex4(text, pos + 2, end);
      let next = pos + 6;
      if (cp >= 0xdc00 && cp <= 0xdfff) cp = -1;
      if (cp >= 0xd800 && cp <= 0xdbff) {
        const low = next + 1 < end && this.at(next) === 0x5c && this.at(next + 1) === 0x75 ? hex4(text, next + 2, end) : -1;
        if (low < 0xdc00 || low > 0xdfff) cp = -1;
        else { cp = 0x10000 + ((cp - 0xd800) << 10) + (low - 0xdc00); next += 6; }
      }
      if (cp < 0) { this.pos = pos; this.fail("invalid \\u escape"); return null; }
      out.push(...Buffer.from(String.fromCodePoint(cp), "utf8"));
      pos = next;
    }
    this.pos = end + 1;
    return decoder.decode(new Uint8Array(out));
  }
}

/** The length of the valid UTF-8 sequence at `at` (a byte >= 0x80), or -(offending byte + 1). */
function utf8Length(text: Uint8Array, at: number): number {
  const c = text[at]!;
  const count = c >= 0xf0 ? 3 : c >= 0xe0 ? 2 : 1;
  let low = 0x80;
  let high = 0xbf;
  if (c < 0xc2 || c > 0xf4) return -at - 1;
  if (c === 0xe0) low = 0xa0;
  else if (c === 0xed) high = 0x9f;
  else if (c === 0xf0) low = 0x90;
  else if (c === 0xf4) high = 0x8f;
  for (let i = 1; i <= count; i++) {
    const b = at + i < text.length ? text[at + i]! : 0;
    if (b < low || b > high) return at + i < text.length ? -(at + i) - 1 : -at - 1;
    low = 0x80;
    high = 0xbf;
  }
  return count + 1;
}

function hex4(text: Uint8Array, pos: number, end: number): number {
  if (pos + 4 > end) return -1;
  let v = 0;
  for (let i = pos; i < pos + 4; i++) {
    const c = text[i]!;
    let d: number;
    if (c >= 0x30 && c <= 0x39) d = c - 0x30;
    else if ((c | 0x20) >= 0x61 && (c | 0x20) <= 0x66) d = (c | 0x20) - 0x61 + 10;
    else return -1;
    v = (v << 4) | d;
  }
  return v;
}

function simpleEscape(e: number): number {
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

/** mantissa × 10^exp10 exactly as filters/shared/json.ts computes it (u64 mantissa, f64 steps). */
function decimalToF64(mantissa: bigint, exp10: number): number {
  while (mantissa >= 10n && mantissa % 10n === 0n) { mantissa /= 10n; exp10++; }
  let x = Number(mantissa);
  if (mantissa <= 1n << 53n && exp10 >= -22 && exp10 <= 22) {
    const power = powerOfTen(exp10 < 0 ? -exp10 : exp10);
    return exp10 < 0 ? x / power : x * power;
  }
  let n = exp10;
  while (n > 22 && Number.isFinite(x)) { x *= 1e22; n -= 22; }
  while (n < -22 && x !== 0) { x /= 1e22; n += 22; }
  if (n > 22 || n < -22) return x;
  return n < 0 ? x / powerOfTen(-n) : x * powerOfTen(n);
}

function powerOfTen(n: number): number {
  let power = 1;
  while (n-- > 0) power *= 10;
  return power;
}

/** The value of a JSON number text (schema bounds), as the parser reads it. */
export function numberValue(text: string): number {
  const v = parseJson(Buffer.from(text, "latin1"));
  return v instanceof JsonValue ? v.number : NaN;
}

const MAX_RENDERED_CHARS = 64;

/** A string as a JSON literal, as the filters print it: JSON.stringify's escapes for `"`, `\` and
 *  control characters, other characters as they are; over 64 characters cut to 64 plus `...`. */
export function quoteString(s: string): string {
  let out = "\"";
  let chars = 0;
  for (const ch of s) {
    if (chars === MAX_RENDERED_CHARS) return out + "...\"";
    chars++;
    const c = ch.codePointAt(0)!;
    if (c === 0x22) out += "\\\"";
    else if (c === 0x5c) out += "\\\\";
    else if (c >= 0x20) out += ch;
    else if (c === 0x0a) out += "\\n";
    else if (c === 0x0d) out += "\\r";
    else if (c === 0x09) out += "\\t";
    else if (c === 0x08) out += "\\b";
    else if (c === 0x0c) out += "\\f";
    else out += "\\u00" + c.toString(16).padStart(2, "0");
  }
  return out + "\"";
}

/** A value as config errors print it. */
export function renderValue(v: JsonValue): string {
  switch (v.kind) {
    case JsonKind.Null: return "null";
    case JsonKind.Bool: return v.bool ? "true" : "false";
    case JsonKind.Number: return v.string;
    case JsonKind.String: return quoteString(v.string);
    case JsonKind.Array: return "[...]";
    default: return "{...}";
  }
}

/** A key as a path shows it: plain when it is a word, else `["..."]`. */
function pathKey(key: string): string {
  return /^[A-Za-z_][A-Za-z0-9_]*$/.test(key) ? key : `[${quoteString(key)}]`;
}

export function memberPath(obj: JsonValue, key: string): string {
  const base = obj.parent === null ? "" : pathOf(obj);
  const k = pathKey(key);
  return base === "" || k.startsWith("[") ? base + k : `${base}.${k}`;
}

/** The JSON path of a value: `rules[0].limits[1].per`, `$` for the document. */
export function pathOf(v: JsonValue): string {
  const parent = v.parent;
  if (parent === null) return "$";
  if (v.key !== null) return memberPath(parent, v.key);
  return `${pathOf(parent)}[${v.index}]`;
}
