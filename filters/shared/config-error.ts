// Config errors in the one format every filter logs (ARCHITECTURE.md, "Config errors"):
//   <filter>: <json.path>: <what is wrong>, got <value>
// plus the renderers for <value>: JSON-quoted strings cut to 64 characters and numbers as
// JavaScript prints them, so `sluice validate` (ajv) and the filter print the same text.
import { decimal } from "./number-text";

/** The first problem found in a configuration. */
export class ConfigError {
  constructor(
    /** JSON path: keys joined with `.`, indexes as `[i]`, the document as `$`. */
    public path: string,
    /** What is wrong, e.g. `must be a string`. */
    public problem: string,
    /** The rendered value received, `nothing` when absent; null for invalid JSON text. */
    public got: string | null,
  ) {}

  /** The log line: `<filter>: <path>: <problem>, got <value>` (no `, got` part when got is null). */
  format(filter: string): string {
    const got = this.got;
    const head = filter + ": " + this.path + ": " + this.problem;
    return got === null ? head : head + ", got " + got;
  }
}

// @ts-ignore: decorator
@inline const MAX_RENDERED_CHARS = 64;

const HEX = "0123456789abcdef";

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
    if (c == 0x22) out += "\\\"";
    else if (c == 0x5c) out += "\\\\";
    else if (c >= 0x20) out += String.fromCharCode(c);
    else if (c == 0x0a) out += "\\n";
    else if (c == 0x0d) out += "\\r";
    else if (c == 0x09) out += "\\t";
    else if (c == 0x08) out += "\\b";
    else if (c == 0x0c) out += "\\f";
    else out += "\\u00" + HEX.charAt(c >> 4) + HEX.charAt(c & 15);
  }
  return out + "\"";
}

/** A number as JavaScript's `String(n)` prints it: the shortest digits that read back to `v`,
 *  integers without `.0`, exponent form below 1e-6 and from 1e21. "Read back" means by this
 *  module's own JSON reader (decimalToF64), which is correctly rounded for every number a config
 *  holds (up to 15 significant digits within 1e±22), so there the text is JavaScript's. Beyond
 *  that range the reader is within a few units in the last place and the text is the shortest
 *  that the reader maps to `v` (e.g. `1e+300` for the value read from `1e300`). No dtoa is
 *  linked: Grisu tables and code cost 4 KB of every filter. */
export function formatNumber(v: f64): string {
  if (!isFinite(v)) return isNaN(v) ? "NaN" : v > 0 ? "Infinity" : "-Infinity";
  if (v == 0) return "0";
  const x = Math.abs(v);
  let e = 0; // x is about 10^e .. 10^(e+1)
  let y = x;
  while (y >= 10) { y /= 10; e++; }
  while (y < 1) { y *= 10; e--; }
  let mantissa: u64 = 0;
  let exp10 = 0;
  let found = false;
  for (let k = 1; k <= 17 && !found; k++) {
    exp10 = e - k + 1;
    const nearest = <u64>Math.round(scaleByPowerOfTen(x, -exp10));
    // the nearest k-digit decimal first, then its neighbours: far from 1 the scaling above and
    // the reader are a few units off, so the decimal the reader maps to x may be one of them
    for (let d: i64 = 0; d <= 8 && !found; d = d > 0 ? -d : 1 - d) {
      mantissa = nearest + <u64>d;
      found = mantissa > 0 && decimalToF64(mantissa, exp10) == x;
    }
  }
  if (!found) mantissa = <u64>Math.round(scaleByPowerOfTen(x, -exp10));
  while (mantissa >= 10 && mantissa % 10 == 0) { mantissa /= 10; exp10++; } // as decimalToF64 reads it
  const digits = decimal(<i64>mantissa);
  return (v < 0 ? "-" : "") + layoutDigits(digits, digits.length + exp10);
}

/** `n` zero digits. */
function zeros(n: i32): string {
  let out = "";
  while (n-- > 0) out += "0";
  return out;
}

/** mantissa × 10^exp10 correctly rounded when both are exact doubles (mantissa <= 2^53,
 *  |exp10| <= 22: one rounding, Clinger's fast path); NaN otherwise. */
function exactDecimal(mantissa: u64, exp10: i32): f64 {
  if (mantissa > (<u64>1 << 53) || exp10 < -22 || exp10 > 22) return NaN;
  const power = powerOfTen(exp10 < 0 ? -exp10 : exp10);
  return exp10 < 0 ? <f64>mantissa / power : <f64>mantissa * power;
}

/** mantissa × 10^exp10: exact where exactDecimal is, otherwise within a few units in the last
 *  place; overflows to Infinity and underflows to 0. */
export function decimalToF64(mantissa: u64, exp10: i32): f64 {
  // one canonical form, so "1.50e2" and "150" take the same rounding steps
  while (mantissa >= 10 && mantissa % 10 == 0) { mantissa /= 10; exp10++; }
  const exact = exactDecimal(mantissa, exp10);
  return isNaN(exact) ? scaleByPowerOfTen(<f64>mantissa, exp10) : exact;
}

/** x × 10^n in steps of at most 10^22. */
function scaleByPowerOfTen(x: f64, n: i32): f64 {
  while (n > 22 && isFinite(x)) { x *= 1e22; n -= 22; }
  while (n < -22 && x != 0) { x /= 1e22; n += 22; }
  if (n > 22 || n < -22) return x; // already Infinity or 0
  return n < 0 ? x / powerOfTen(-n) : x * powerOfTen(n);
}

/** 10^n for 0 <= n <= 22 (every step exact). */
function powerOfTen(n: i32): f64 {
  let power: f64 = 1;
  while (n-- > 0) power *= 10;
  return power;
}

/** ECMAScript Number::toString layout of digits d1..dk with the decimal point after `point`. */
function layoutDigits(digits: string, point: i32): string {
  const k = digits.length;
  if (k <= point && point <= 21) return digits + zeros(point - k);
  if (0 < point && point <= 21) return digits.substring(0, point) + "." + digits.substring(point);
  if (-6 < point && point <= 0) return "0." + zeros(-point) + digits;
  const exp = point - 1;
  const sign = exp < 0 ? "-" : "+";
  const head = k == 1 ? digits : digits.charAt(0) + "." + digits.substring(1);
  return head + "e" + sign + decimal(exp < 0 ? -exp : exp);
}
