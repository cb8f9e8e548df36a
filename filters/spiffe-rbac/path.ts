// Canonical request paths for matching and forwarding (README "Path normalization"), in one
// left-to-right pass over `:path`:
//   1. the query (`?...`) and fragment (`#...`) are set aside (kept for forwarding); a path not
//      starting with `/` is invalid;
//   2. `%XX` of an unreserved character (A-Z a-z 0-9 - . _ ~) is decoded; other escapes stay,
//      with uppercase hex; a `%` not followed by two hex digits makes the path invalid;
//   3. invalid (ambiguous, never forwarded): a control character, raw or encoded (%00-%1F, %7F,
//      raw bytes <= 0x20); an encoded `%` (`%25`: a second decoding, which some servers do, would
//      read `%2561` or `%25%36%31` as `a`); non-ASCII bytes that are not UTF-8 (raw or encoded); a character that
//      Unicode compatibility folding (NFKC) or IDNA maps to ASCII punctuation (`／` U+FF0F, `．`,
//      `＼`, the other fullwidth and small forms, one-dot leaders, division and fraction slashes);
//   4. other non-ASCII bytes (valid UTF-8) are percent-encoded, uppercase: `/é` is `/%C3%A9`;
//   5. `;` path parameters are removed from every segment, as Tomcat and Spring do (`/admin;x=y`
//      is `/admin`, `/..;/admin` is `/../admin`); `%3B` stays data;
//   6. `%2F`, `%5C` and `\` follow `encoded_slashes`: reject (invalid path), decode (become `/`),
//      or keep (stay as `%2F` / `%5C` / `\`, never a separator);
//   7. empty segments (`//`) are merged when `merge_slashes`;
//   8. `.` and `..` segments (also when written `%2E` or with parameters) are resolved as RFC 3986
//      §5.2.4 does (`..` never climbs above `/`), or make the path invalid with `dot_segments: reject`.
// Case is kept: matching is case-sensitive unless a policy says `ignore_case`. The canonical path
// is written into a RequestValue followed by the raw query, so normalizing allocates nothing and
// the forwarded `:path` is ready when the canonical path differs from the raw one.
import { bytesEqualBytes } from "../shared/bytes";
import { RequestValue } from "./request-value";

export namespace EncodedSlashes {
  export const Reject: i32 = 0;
  export const Decode: i32 = 1;
  export const Keep: i32 = 2;
}

export class PathOptions {
  encodedSlashes: i32 = EncodedSlashes.Reject;
  mergeSlashes: bool = true;
  rejectDotSegments: bool = false;
}

/** What the last normalizePath found. */
export namespace PathResult {
  export const Invalid: i32 = 0;
  /** The canonical path is the raw path before its query. */
  export const Unchanged: i32 = 1;
  /** The canonical path differs: the forwarded path is `forwardLength` bytes of `out`. */
  export const Changed: i32 = 2;
}

/** After normalizePath returned PathResult.Changed: the canonical path then the raw query are the
 *  first forwardLength bytes of its `out`. */
export let forwardLength = 0;

// @ts-ignore: decorator
@inline
function byteAt(p: usize, i: i32): u32 {
  return <u32>load<u8>(p + <usize>i);
}

function hexDigit(c: u32): i32 {
  if (c - 0x30 < 10) return <i32>(c - 0x30);
  const lower = c | 0x20;
  if (lower - 0x61 < 6) return <i32>(lower - 0x61 + 10);
  return -1;
}

// @ts-ignore: decorator
@inline
function isUnreserved(c: u32): bool {
  return ((c | 0x20) - 0x61 < 26) || (c - 0x30 < 10) || c == 0x2d || c == 0x2e || c == 0x5f || c == 0x7e;
}

/** Whether the `n` bytes at `path` need no work: they start with `/`, are printable ASCII
 *  without `?`, `#`, `%`, `;`, `\`, `//`, and no segment starts with `.` (a conservative test for
 *  dot segments). */
function isCanonical(path: usize, n: i32): bool {
  if (n == 0 || byteAt(path, 0) != 0x2f) return false;
  let previous: u32 = 0;
  for (let i = 0; i < n; i++) {
    const c = byteAt(path, i);
    if (c - 0x21 >= 0x5e || c == 0x3f || c == 0x23 || c == 0x25 || c == 0x5c || c == 0x3b) return false;
    if (previous == 0x2f && (c == 0x2f || c == 0x2e)) return false;
    previous = c;
  }
  return true;
}

/** Where the query or fragment of the `n` bytes at `path` starts (n when there is none). */
function queryStart(path: usize, n: i32): i32 {
  for (let i = 0; i < n; i++) {
    const c = byteAt(path, i);
    if (c == 0x3f || c == 0x23) return i;
  }
  return n;
}

/** Where the segment that ends with the `/` at out[end - 1] starts (out[0] is `/`). */
function segmentStartBefore(out: usize, end: i32): i32 {
  let i = end - 2;
  while (byteAt(out, i) != 0x2f) i--;
  return i + 1;
}

/** Whether code point `cp` folds (NFKC, IDNA) to ASCII punctuation a router may act on. */
function isLookAlike(cp: u32): bool {
  return (cp - 0xff01 <= 0xff65 - 0xff01) || // fullwidth ASCII, halfwidth CJK punctuation
    (cp - 0xfe50 <= 0xfe6b - 0xfe50) || // small form variants (﹒ ﹔ ﹨ ...)
    (cp - 0x2024 <= 2) || // one-dot leader, two-dot leader, ellipsis
    cp == 0x2044 || cp == 0x2215 || cp == 0x2216 || cp == 0x29f5 || cp == 0x29f8 || cp == 0x29f9 || // slashes
    cp == 0x3002; // ideographic full stop
}

// UTF-8 state of the pass: continuation bytes still expected, the code point so far, and the
// smallest code point the sequence may encode (overlong forms are invalid).
let utf8Need = 0;
let utf8Cp: u32 = 0;
let utf8Min: u32 = 0;

/** Feeds byte `b` (>= 0x80) of a path to the UTF-8 check; false when it cannot be UTF-8 or
 *  completes a look-alike. */
function utf8Byte(b: u32): bool {
  if (utf8Need > 0) {
    if ((b & 0xc0) != 0x80) return false;
    utf8Cp = (utf8Cp << 6) | (b & 0x3f);
    if (--utf8Need > 0) return true;
    const cp = utf8Cp;
    return cp >= utf8Min && cp <= 0x10ffff && (cp - 0xd800 >= 0x800) && !isLookAlike(cp);
  }
  // a lead byte: 110xxxxx, 1110xxxx or 11110xxx (its leading ones say how many bytes follow)
  const ones = <i32>clz(~(b << 24));
  if (ones < 2 || ones > 4) return false;
  utf8Need = ones - 1;
  utf8Cp = b & (0x7f >> ones);
  utf8Min = ones == 2 ? 0x80 : ones == 3 ? 0x800 : 0x10000;
  return true;
}

const HEX_UPPER = "0123456789ABCDEF";

/** Writes `%XX` of byte `b` at dst[at]; the new length. */
function writeEscape(dst: usize, at: i32, b: u32): i32 {
  store<u8>(dst + <usize>at, 0x25);
  store<u8>(dst + <usize>(at + 1), <u8>HEX_UPPER.charCodeAt(b >> 4));
  store<u8>(dst + <usize>(at + 2), <u8>HEX_UPPER.charCodeAt(b & 15));
  return at + 3;
}

/** Writes the canonical form of the `n` bytes of `:path` at `raw` into `out` (see PathResult);
 *  on PathResult.Invalid `out` is absent. */
export function normalizePath(raw: usize, n: i32, options: PathOptions, out: RequestValue): i32 {
  out.length = -1;
  if (isCanonical(raw, n)) {
    out.copy(raw, n);
    return PathResult.Unchanged;
  }
  const end = queryStart(raw, n);
  if (end == 0 || byteAt(raw, 0) != 0x2f) return PathResult.Invalid;
  // Output: "/" then segments, each followed by "/" unless it is the last one. A raw non-ASCII
  // byte becomes 3 bytes, anything else is never longer than its raw text; the raw query follows.
  const dst = out.reserve(3 * end + (n - end));
  let length = 1;
  store<u8>(dst, 0x2f);
  const slashes = options.encodedSlashes;
  utf8Need = 0;
  let i = 1;
  while (true) {
    const start = length; // the segment is decoded in place at the end of the output
    let last = true;
    let inParameters = false;
    while (i < end) {
      let c = byteAt(raw, i);
      if (c == 0x25) {
        if (i + 2 >= end) return PathResult.Invalid;
        const hi = hexDigit(byteAt(raw, i + 1));
        const lo = hexDigit(byteAt(raw, i + 2));
        if (hi < 0 || lo < 0) return PathResult.Invalid;
        i += 3;
        const decoded = <u32>((hi << 4) | lo);
        if (decoded >= 0x80) {
          if (!utf8Byte(decoded)) return PathResult.Invalid;
        } else if (utf8Need > 0 || decoded < 0x20 || decoded == 0x7f || decoded == 0x25) {
          return PathResult.Invalid;
        }
        if (decoded == 0x2f || decoded == 0x5c) {
          if (slashes == EncodedSlashes.Reject) return PathResult.Invalid;
          if (slashes == EncodedSlashes.Decode) { last = false; break; }
        }
        if (inParameters) continue;
        if (isUnreserved(decoded)) {
          store<u8>(dst + <usize>(length++), <u8>decoded);
        } else {
          length = writeEscape(dst, length, decoded);
        }
        continue;
      }
      i++;
      if (c >= 0x80) {
        if (!utf8Byte(c)) return PathResult.Invalid;
        if (!inParameters) length = writeEscape(dst, length, c);
        continue;
      }
      if (utf8Need > 0 || c <= 0x20 || c == 0x7f) return PathResult.Invalid;
      if (c == 0x5c) {
        if (slashes == EncodedSlashes.Reject) return PathResult.Invalid;
        if (slashes == EncodedSlashes.Decode) c = 0x2f;
      }
      if (c == 0x2f) { last = false; break; }
      if (c == 0x3b) inParameters = true;
      if (!inParameters) store<u8>(dst + <usize>(length++), <u8>c);
    }
    const size = length - start;
    const dot = size >= 1 && size <= 2 && byteAt(dst, start) == 0x2e && (size == 1 || byteAt(dst, start + 1) == 0x2e);
    if (dot) {
      if (options.rejectDotSegments) return PathResult.Invalid;
      length = start;
      // `..` removes the segment before it (the output holds no `/` inside a segment); `..` at
      // the root stays at the root
      if (size == 2 && start > 1) length = segmentStartBefore(dst, start);
    } else if (size == 0 && !last) {
      if (!options.mergeSlashes) store<u8>(dst + <usize>(length++), 0x2f);
    } else if (size > 0 && !last) {
      store<u8>(dst + <usize>(length++), 0x2f);
    }
    if (last) break;
  }
  if (utf8Need > 0) return PathResult.Invalid;
  out.length = length;
  if (length == end && bytesEqualBytes(dst, raw, end)) return PathResult.Unchanged;
  memory.copy(dst + <usize>length, raw + <usize>end, <usize>(n - end));
  forwardLength = length + n - end;
  return PathResult.Changed;
}
