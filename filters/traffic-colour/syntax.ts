// Character-class checks for names that end up in headers, cookies and baggage.

// @ts-ignore: decorator
@inline
function isAlnum(c: i32): bool {
  return (c >= 0x30 && c <= 0x39) || ((c | 0x20) >= 0x61 && (c | 0x20) <= 0x7a);
}

/** tchar (RFC 9110): a letter, a digit or one of ! # $ % & ' * + - . ^ _ ` | ~ */
// @ts-ignore: decorator
@inline
export function isTchar(c: i32): bool {
  return isAlnum(c) || c == 0x21 || (c >= 0x23 && c <= 0x27) || c == 0x2a || c == 0x2b || c == 0x2d ||
    c == 0x2e || c == 0x5e || c == 0x5f || c == 0x60 || c == 0x7c || c == 0x7e;
}

/** RFC 9110 token: 1*tchar (header names, cookie names, baggage keys). */
export function isToken(s: string): bool {
  const n = s.length;
  if (n == 0) return false;
  for (let i = 0; i < n; i++) if (!isTchar(s.charCodeAt(i))) return false;
  return true;
}

/** A colour: a letter or digit, then letters, digits, `.`, `_`, `-` (safe in headers, cookie
 *  values, baggage values and metric names). */
export function isColourName(s: string): bool {
  const n = s.length;
  if (n == 0 || !isAlnum(s.charCodeAt(0))) return false;
  for (let i = 1; i < n; i++) {
    const c = s.charCodeAt(i);
    if (!isAlnum(c) && c != 0x2e && c != 0x5f && c != 0x2d) return false;
  }
  return true;
}

/** RFC 6265 cookie attribute value: printable ASCII except `;`. */
export function isCookieAttributeValue(s: string): bool {
  for (let i = 0, n = s.length; i < n; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x20 || c >= 0x7f || c == 0x3b) return false;
  }
  return true;
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
