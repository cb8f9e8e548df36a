// Canonical request paths for matching (README "Path normalization"), and the path patterns of
// `to.paths`. Normalization of `:path`, in one left-to-right pass:
//   1. the query (`?...`) and fragment (`#...`) are dropped; a path not starting with `/` is invalid;
//   2. `%XX` of an unreserved character (A-Z a-z 0-9 - . _ ~) is decoded; other escapes stay,
//      with uppercase hex; a `%` not followed by two hex digits makes the path invalid;
//   3. `%2F`, `%5C` and `\` follow `encoded_slashes`: reject (invalid path), decode (become `/`),
//      or keep (stay as `%2F` / `%5C` / `\`, never a separator);
//   4. empty segments (`//`) are merged when `merge_slashes`;
//   5. `.` and `..` segments (also when written `%2E`) are resolved as RFC 3986 §5.2.4 does
//      (`..` never climbs above `/`), or make the path invalid with `dot_segments: reject`.
// Case is kept: matching is case-sensitive. The canonical path is written into a RequestValue,
// so normalizing allocates nothing.
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

/** Whether the `n` bytes at `path` need no work: they start with `/`, and have no `?`, `#`, `%`,
 *  `\`, `//`, and no segment starting with `.` (a conservative test for dot segments). */
function isCanonical(path: usize, n: i32): bool {
  if (n == 0 || byteAt(path, 0) != 0x2f) return false;
  let previous: u32 = 0;
  for (let i = 0; i < n; i++) {
    const c = byteAt(path, i);
    if (c == 0x3f || c == 0x23 || c == 0x25 || c == 0x5c) return false;
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

const HEX_UPPER = "0123456789ABCDEF";

/** Writes the canonical form of the `n` bytes of `:path` at `raw` into `out`; false (and `out`
 *  absent) when the path is invalid. */
export function normalizePath(raw: usize, n: i32, options: PathOptions, out: RequestValue): bool {
  out.length = -1;
  if (isCanonical(raw, n)) {
    out.copy(raw, n);
    return true;
  }
  const end = queryStart(raw, n);
  if (end == 0 || byteAt(raw, 0) != 0x2f) return false;
  // Output: "/" then segments, each followed by "/" unless it is the last one. Decoding never
  // makes a segment longer than its raw text, so the output fits in `end` bytes.
  const dst = out.reserve(end);
  let length = 1;
  store<u8>(dst, 0x2f);
  const slashes = options.encodedSlashes;
  let i = 1;
  while (true) {
    const start = length; // the segment is decoded in place at the end of the output
    let last = true;
    while (i < end) {
      let c = byteAt(raw, i);
      if (c == 0x25) {
        if (i + 2 >= end) return false;
        const hi = hexDigit(byteAt(raw, i + 1));
        const lo = hexDigit(byteAt(raw, i + 2));
        if (hi < 0 || lo < 0) return false;
        i += 3;
        const decoded = <u32>((hi << 4) | lo);
        if (decoded == 0x2f || decoded == 0x5c) {
          if (slashes == EncodedSlashes.Reject) return false;
          if (slashes == EncodedSlashes.Decode) { last = false; break; }
        }
        if (isUnreserved(decoded)) {
          store<u8>(dst + <usize>(length++), <u8>decoded);
        } else {
          store<u8>(dst + <usize>(length++), 0x25);
          store<u8>(dst + <usize>(length++), <u8>HEX_UPPER.charCodeAt(hi));
          store<u8>(dst + <usize>(length++), <u8>HEX_UPPER.charCodeAt(lo));
        }
        continue;
      }
      i++;
      if (c == 0x5c) {
        if (slashes == EncodedSlashes.Reject) return false;
        if (slashes == EncodedSlashes.Decode) c = 0x2f;
      }
      if (c == 0x2f) { last = false; break; }
      store<u8>(dst + <usize>(length++), <u8>c);
    }
    const size = length - start;
    const dot = size >= 1 && size <= 2 && byteAt(dst, start) == 0x2e && (size == 1 || byteAt(dst, start + 1) == 0x2e);
    if (dot) {
      if (options.rejectDotSegments) return false;
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
  out.length = length;
  return true;
}
