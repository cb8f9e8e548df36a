// Config errors in the one format every filter logs (ARCHITECTURE.md, "Config errors"):
//   <filter>: <json.path>: <what is wrong>, got <value>
// plus the renderers for <value>: JSON-quoted strings cut to 64 characters and numbers as
// JavaScript prints them, so `sluice validate` (ajv) and the filter print the same text.

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

/** A number as JavaScript's `String(n)` prints it: shortest round-trip digits, integers without
 *  `.0`, exponent form below 1e-6 and from 1e21. The text always converts back to `v`. Known
 *  differences from JavaScript, all in numbers no config holds: when 16-17 significant digits are
 *  needed the last one may be off by one, and far from 1 (below 1e-7, or above 2^53 with 17
 *  digits) a longer form than JavaScript's shortest may be printed. */
export function formatNumber(v: f64): string {
  if (!isFinite(v)) return isNaN(v) ? "NaN" : v > 0 ? "Infinity" : "-Infinity";
  if (v == 0) return "0";
  const magnitude = Math.abs(v);
  // AssemblyScript's dtoa (Grisu2) round-trips but is not always shortest: take its digits, then
  // keep the shortest rounding of them that provably converts back to v.
  const text = magnitude.toString();
  let mantissa = text;
  let exponent = 0;
  const e = text.indexOf("e");
  if (e >= 0) {
    mantissa = text.substring(0, e);
    exponent = parseExponent(text, e + 1);
  }
  const dot = mantissa.indexOf(".");
  let digits = dot < 0 ? mantissa : mantissa.substring(0, dot) + mantissa.substring(dot + 1);
  let point = (dot < 0 ? mantissa.length : dot) + exponent; // digits before the decimal point
  let start = 0;
  while (start < digits.length - 1 && digits.charCodeAt(start) == 0x30) { start++; point--; }
  digits = trimZeros(digits.substring(start));
  for (let k = 1; k < digits.length; k++) {
    // the k-digit neighbours of the value: try the nearer one first
    const down = digits.substring(0, k);
    const up = incrementDigits(down);
    const roundUp = digits.charCodeAt(k) >= 0x35;
    const found = roundsTo(roundUp ? up : down, point - k, magnitude) ? (roundUp ? up : down)
      : roundsTo(roundUp ? down : up, point - k, magnitude) ? (roundUp ? down : up) : "";
    if (found.length > 0) {
      // a carry out of the first digit ("99" -> "100") moves the point one place
      if (found.length > k) point++;
      digits = trimZeros(found.substring(0, k));
      break;
    }
  }
  return (v < 0 ? "-" : "") + layoutDigits(digits, point);
}

/** The signed decimal exponent that dtoa printed from `at` ("+21", "-7"). */
function parseExponent(text: string, at: i32): i32 {
  const negative = text.charCodeAt(at) == 0x2d;
  let v = 0;
  for (let i = at + 1, n = text.length; i < n; i++) v = v * 10 + text.charCodeAt(i) - 0x30;
  return negative ? -v : v;
}

/** Whether the decimal digits `candidate` × 10^exp10 certainly convert back to `v`. */
function roundsTo(candidate: string, exp10: i32, v: f64): bool {
  let mantissa: u64 = 0;
  for (let i = 0, n = candidate.length; i < n; i++) mantissa = mantissa * 10 + <u64>(candidate.charCodeAt(i) - 0x30);
  return exactDecimal(mantissa, exp10) == v; // NaN (cannot tell exactly) is never equal
}

/** Decimal digits plus one in the last place ("129" -> "130", "99" -> "100"). */
function incrementDigits(digits: string): string {
  let out = "";
  let i = digits.length - 1;
  for (; i >= 0 && digits.charCodeAt(i) == 0x39; i--) out = "0" + out;
  return i < 0 ? "1" + out : digits.substring(0, i) + String.fromCharCode(digits.charCodeAt(i) + 1) + out;
}

function trimZeros(digits: string): string {
  let end = digits.length;
  while (end > 1 && digits.charCodeAt(end - 1) == 0x30) end--;
  return digits.substring(0, end);
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
  return head + "e" + sign + (exp < 0 ? -exp : exp).toString();
}
