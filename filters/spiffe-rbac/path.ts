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
// Case is kept: matching is case-sensitive.

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
function byteAt(s: string, i: i32): u32 {
  return <u32>load<u16>(changetype<usize>(s) + (<usize>i << 1));
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

/** Whether `path` needs no work: starts with `/`, and has no `?`, `#`, `%`, `\`, `//`, and no
 *  segment starting with `.` (a conservative test for dot segments). */
function isCanonical(path: string): bool {
  const n = path.length;
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

const HEX_UPPER = "0123456789ABCDEF";

/** The canonical form of `rawPath` for matching, or null when the path is invalid. */
export function normalizePath(rawPath: string, options: PathOptions): string | null {
  if (isCanonical(rawPath)) return rawPath;
  let end = rawPath.length;
  for (let i = 0; i < end; i++) {
    const c = byteAt(rawPath, i);
    if (c == 0x3f || c == 0x23) { end = i; break; }
  }
  if (end == 0 || byteAt(rawPath, 0) != 0x2f) return null;
  // Output: "/" then segments, each followed by "/" unless it is the last one. Decoding never
  // makes a segment longer than its raw text, so the output fits in `end` code units.
  const out = new StaticArray<u16>(end);
  let length = 1;
  unchecked(out[0] = 0x2f);
  const starts = new Array<i32>(); // where each kept segment starts in `out`
  const slashes = options.encodedSlashes;
  let i = 1;
  while (true) {
    const start = length; // the segment is decoded in place at the end of the output
    let last = true;
    while (i < end) {
      let c = byteAt(rawPath, i);
      if (c == 0x25) {
        if (i + 2 >= end) return null;
        const hi = hexDigit(byteAt(rawPath, i + 1));
        const lo = hexDigit(byteAt(rawPath, i + 2));
        if (hi < 0 || lo < 0) return null;
        i += 3;
        const decoded = <u32>((hi << 4) | lo);
        if (decoded == 0x2f || decoded == 0x5c) {
          if (slashes == EncodedSlashes.Reject) return null;
          if (slashes == EncodedSlashes.Decode) { last = false; break; }
        }
        if (isUnreserved(decoded)) {
          unchecked(out[length++] = <u16>decoded);
        } else {
          unchecked(out[length++] = 0x25);
          unchecked(out[length++] = <u16>HEX_UPPER.charCodeAt(hi));
          unchecked(out[length++] = <u16>HEX_UPPER.charCodeAt(lo));
        }
        continue;
      }
      i++;
      if (c == 0x5c) {
        if (slashes == EncodedSlashes.Reject) return null;
        if (slashes == EncodedSlashes.Decode) c = 0x2f;
      }
      if (c == 0x2f) { last = false; break; }
      unchecked(out[length++] = <u16>c);
    }
    const size = length - start;
    const dot = size >= 1 && size <= 2 && unchecked(out[start]) == 0x2e && (size == 1 || unchecked(out[start + 1]) == 0x2e);
    if (dot) {
      if (options.rejectDotSegments) return null;
      length = start;
      // `..` removes the segment before it; `..` at the root stays at the root
      if (size == 2 && starts.length > 0) length = starts.pop();
    } else if (size == 0 && !last) {
      if (!options.mergeSlashes) {
        starts.push(start);
        unchecked(out[length++] = 0x2f);
      }
    } else if (size > 0) {
      starts.push(start);
      if (!last) unchecked(out[length++] = 0x2f);
    }
    if (last) break;
  }
  const result = changetype<string>(__new(<usize>length << 1, idof<string>()));
  memory.copy(changetype<usize>(result), changetype<usize>(out), <usize>length << 1);
  return result;
}
