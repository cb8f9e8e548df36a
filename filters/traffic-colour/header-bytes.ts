// Values inside header bytes, found in place: a cookie in a `cookie` header, a query parameter in
// `:path`, the path without its query. The same rules as shared/headers.ts cookieValue, queryParam
// and pathWithoutQuery, which work on strings; these work on the bytes RequestValues keeps, so a
// request makes no string. Scans are bounded by the current pair, so they stay linear.

/** Returned by findCookie and findQueryParam when the value is absent. */
// @ts-ignore: decorator
@inline export const NOT_FOUND: i64 = -1;

/** Where a value lies in the bytes scanned, [start, end), packed in one i64 (start in the high
 *  half) so a find returns it without an object. */
// @ts-ignore: decorator
@inline function span(start: i32, end: i32): i64 {
  return (<i64>start << 32) | <i64><u32>end;
}

/** The start of a span from findCookie or findQueryParam. */
// @ts-ignore: decorator
@inline export function spanStart(found: i64): i32 {
  return <i32>(found >> 32);
}

/** The end of a span from findCookie or findQueryParam. */
// @ts-ignore: decorator
@inline export function spanEnd(found: i64): i32 {
  return <i32>found;
}

// @ts-ignore: decorator
@inline function byteAt(s: usize, i: i32): i32 {
  return <i32>load<u8>(s + <usize>i);
}

// @ts-ignore: decorator
@inline function isCookieSpace(c: i32): bool {
  return c == 0x20 || c == 0x09;
}

/** The index of byte `c` in s[start, end), or `end`. */
function indexIn(s: usize, c: i32, start: i32, end: i32): i32 {
  for (let i = start; i < end; i++) if (byteAt(s, i) == c) return i;
  return end;
}

/** Whether s[start, end) equals `word` (a byte string). */
function rangeEquals(s: usize, start: i32, end: i32, word: string): bool {
  if (end - start != word.length) return false;
  for (let i = start; i < end; i++) if (byteAt(s, i) != word.charCodeAt(i - start)) return false;
  return true;
}

/** The span of cookie `name`'s value in the `cookie` header s[0, n) (RFC 6265 §5.4 pairs split on
 *  `;`, spaces around names and values trimmed, one pair of surrounding double quotes removed,
 *  first match wins, pairs without `=` skipped), or NOT_FOUND. */
export function findCookie(s: usize, n: i32, name: string): i64 {
  let start = 0;
  while (start < n) {
    const end = indexIn(s, 0x3b, start, n); // ;
    const eq = indexIn(s, 0x3d, start, end); // =
    if (eq < end) {
      let nameStart = start;
      let nameEnd = eq;
      while (nameStart < nameEnd && isCookieSpace(byteAt(s, nameStart))) nameStart++;
      while (nameEnd > nameStart && isCookieSpace(byteAt(s, nameEnd - 1))) nameEnd--;
      if (rangeEquals(s, nameStart, nameEnd, name)) {
        let valueStart = eq + 1;
        let valueEnd = end;
        while (valueStart < valueEnd && isCookieSpace(byteAt(s, valueStart))) valueStart++;
        while (valueEnd > valueStart && isCookieSpace(byteAt(s, valueEnd - 1))) valueEnd--;
        if (valueEnd - valueStart >= 2 && byteAt(s, valueStart) == 0x22 && byteAt(s, valueEnd - 1) == 0x22) {
          valueStart++;
          valueEnd--;
        }
        return span(valueStart, valueEnd);
      }
    }
    start = end + 1;
  }
  return NOT_FOUND;
}

/** The length of the path s[0, n) without its query (`?...`) and fragment (`#...`). */
export function pathLength(s: usize, n: i32): i32 {
  for (let i = 0; i < n; i++) {
    const c = byteAt(s, i);
    if (c == 0x3f || c == 0x23) return i;
  }
  return n;
}

/** Finds query parameter `name` in the `:path` s[0, n) (parameters split on `&`, names compared
 *  percent-decoded with `+` as space, first match wins, a parameter without `=` has the value ""):
 *  the span of its value as written (decode it with percentDecode unless isPlain), or NOT_FOUND. */
export function findQueryParam(s: usize, n: i32, name: string): i64 {
  const queryEnd = indexIn(s, 0x23, 0, n); // at #
  let start = indexIn(s, 0x3f, 0, queryEnd) + 1; // after ?
  if (start > queryEnd) return NOT_FOUND;
  while (start < queryEnd) {
    const end = indexIn(s, 0x26, start, queryEnd); // &
    const eq = indexIn(s, 0x3d, start, end); // =
    if (isPlain(s, start, eq) ? rangeEquals(s, start, eq, name) : decodedEquals(s, start, eq, name)) {
      return span(eq == end ? end : eq + 1, end);
    }
    start = end + 1;
  }
  return NOT_FOUND;
}

/** Whether s[start, end) has nothing to decode (no `%`, no `+`). */
export function isPlain(s: usize, start: i32, end: i32): bool {
  for (let i = start; i < end; i++) {
    const c = byteAt(s, i);
    if (c == 0x25 || c == 0x2b) return false;
  }
  return true;
}

/** The byte a valid `%XX` escape at s[i] stands for (the escape ends before `end`), or -1. */
function escapeAt(s: usize, i: i32, end: i32): i32 {
  if (byteAt(s, i) != 0x25 || i + 2 >= end) return -1;
  const hi = hexValue(byteAt(s, i + 1));
  const lo = hexValue(byteAt(s, i + 2));
  return (hi | lo) >= 0 ? (hi << 4) | lo : -1;
}

/** The byte s[i] stands for in a query: a valid `%XX` escape the byte XX, `+` a space, anything
 *  else itself (an invalid `%` escape stays as written). */
function decodedByte(s: usize, i: i32, end: i32): i32 {
  const escaped = escapeAt(s, i, end);
  if (escaped >= 0) return escaped;
  const c = byteAt(s, i);
  return c == 0x2b ? 0x20 : c;
}

/** How many bytes the decoded byte at s[i] takes: 3 for a valid `%XX` escape, else 1. */
// @ts-ignore: decorator
@inline function encodedWidth(s: usize, i: i32, end: i32): i32 {
  return escapeAt(s, i, end) >= 0 ? 3 : 1;
}

/** Whether s[start, end), percent-decoded, equals `word`. */
function decodedEquals(s: usize, start: i32, end: i32, word: string): bool {
  let k = 0;
  const m = word.length;
  for (let i = start; i < end; i += encodedWidth(s, i, end)) {
    if (k == m || decodedByte(s, i, end) != word.charCodeAt(k)) return false;
    k++;
  }
  return k == m;
}

/** Writes s[start, end) percent-decoded at `out` (room for end - start bytes); the length written. */
export function percentDecode(s: usize, start: i32, end: i32, out: usize): i32 {
  let written = 0;
  for (let i = start; i < end; i += encodedWidth(s, i, end)) {
    store<u8>(out + <usize>written, <u8>decodedByte(s, i, end));
    written++;
  }
  return written;
}

function hexValue(c: i32): i32 {
  if (c >= 0x30 && c <= 0x39) return c - 0x30;
  const lower = c | 0x20;
  if (lower >= 0x61 && lower <= 0x66) return lower - 0x61 + 10;
  return -1;
}
