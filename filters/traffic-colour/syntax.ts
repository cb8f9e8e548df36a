// Character-class checks for names that end up in headers, cookies and baggage, and the byte
// classes of the baggage grammar.

// Byte classes, looked up in a table: one load a byte for the checks below and the baggage scan.
/** Space or tab (OWS). */
// @ts-ignore: decorator
@inline export const OWS: u8 = 1;
/** tchar (RFC 9110): a letter, a digit or one of ! # $ % & ' * + - . ^ _ ` | ~ */
// @ts-ignore: decorator
@inline export const TCHAR: u8 = 2;
/** baggage-octet (W3C Baggage): %x21 / %x23-2B / %x2D-3A / %x3C-5B / %x5D-7E. */
// @ts-ignore: decorator
@inline export const OCTET: u8 = 4;
/** A letter or a digit. */
// @ts-ignore: decorator
@inline const ALNUM: u8 = 8;
/** A letter, a digit, `.`, `_` or `-` (colour names). */
// @ts-ignore: decorator
@inline const COLOUR: u8 = 16;
/** RFC 6265 cookie attribute value: printable ASCII except `;`. */
// @ts-ignore: decorator
@inline const COOKIE_ATTRIBUTE: u8 = 32;

const byteClasses = memory.data(256);
for (let c = 0x20; c < 0x7f; c++) {
  const alnum = (c >= 0x30 && c <= 0x39) || ((c | 0x20) >= 0x61 && (c | 0x20) <= 0x7a);
  const octet = c != 0x20 && c != 0x22 && c != 0x2c && c != 0x3b && c != 0x5c;
  store<u8>(byteClasses + <usize>c, (alnum ? ALNUM | COLOUR | TCHAR : 0) | (octet ? OCTET : 0) | (c != 0x3b ? COOKIE_ATTRIBUTE : 0));
}
addClass(" \t", OWS);
addClass("!#$%&'*+-.^_`|~", TCHAR);
addClass("._-", COLOUR);

/** Adds `byteClass` to the classes of each byte of `bytes`. */
function addClass(bytes: string, byteClass: u8): void {
  for (let i = 0; i < bytes.length; i++) {
    const p = byteClasses + <usize>bytes.charCodeAt(i);
    store<u8>(p, load<u8>(p) | byteClass);
  }
}

/** The classes of byte `c` (0 to 255). */
// @ts-ignore: decorator
@inline export function classesOf(c: i32): u8 {
  return load<u8>(byteClasses + <usize>c);
}

/** Whether character `c` is in `byteClass` (non-ASCII never is). */
// @ts-ignore: decorator
@inline function isIn(c: i32, byteClass: u8): bool {
  return c <= 0xff && (classesOf(c) & byteClass) != 0;
}

/** Whether the characters of `s` from `from` on are all in `byteClass`. */
function allIn(s: string, from: i32, byteClass: u8): bool {
  for (let i = from, n = s.length; i < n; i++) if (!isIn(s.charCodeAt(i), byteClass)) return false;
  return true;
}

/** RFC 9110 token: 1*tchar (header names, cookie names, baggage keys). */
export function isToken(s: string): bool {
  return s.length > 0 && allIn(s, 0, TCHAR);
}

/** A colour: a letter or digit, then letters, digits, `.`, `_`, `-` (safe in headers, cookie
 *  values, baggage values and metric names). */
export function isColourName(s: string): bool {
  return s.length > 0 && isIn(s.charCodeAt(0), ALNUM) && allIn(s, 1, COLOUR);
}

/** RFC 6265 cookie attribute value: printable ASCII except `;`. */
export function isCookieAttributeValue(s: string): bool {
  return allIn(s, 0, COOKIE_ATTRIBUTE);
}

/** Returned by parseDecimal for text that is not a decimal integer. */
export const NOT_A_NUMBER: i64 = i64.MIN_VALUE;

/** The `n` bytes at `s` as a decimal integer (optional leading `-`, 1 to 18 digits, nothing
 *  else), or NOT_A_NUMBER: `range` conditions read ids this way and treat anything else as not
 *  matching. */
export function parseDecimal(s: usize, n: i32): i64 {
  const negative = n > 0 && load<u8>(s) == 0x2d;
  let i = negative ? 1 : 0;
  if (n == i || n - i > 18) return NOT_A_NUMBER;
  let v: i64 = 0;
  for (; i < n; i++) {
    const d = <i32>load<u8>(s + <usize>i) - 0x30;
    if (d < 0 || d > 9) return NOT_A_NUMBER;
    v = v * 10 + <i64>d;
  }
  return negative ? -v : v;
}
