// `to.paths` patterns, matched against the canonical path (path.ts), Istio style:
//   `/exact`, `/prefix*`, `*suffix`, `*` (any path), and templates whose whole segments may be
//   `{*}` (exactly one non-empty segment) or, as the last segment, `{**}` (the rest of the path,
//   possibly empty: `/api/{**}` matches `/api/` and `/api/a/b` but not `/api`).
// Matching is one pass over the canonical path's bytes, allocating nothing.
import { bytesEqualString } from "../shared/bytes";
import { RequestValue } from "./request-value";

export namespace PathKind {
  export const Exact: i32 = 0;
  export const Prefix: i32 = 1;
  export const Suffix: i32 = 2;
  export const Any: i32 = 3;
  export const Template: i32 = 4;
}

// @ts-ignore: decorator
@inline const LITERAL: i32 = 0;
// @ts-ignore: decorator
@inline const ONE_SEGMENT: i32 = 1;
// @ts-ignore: decorator
@inline const REST: i32 = 2;

// @ts-ignore: decorator
@inline
function byteAt(s: string, i: i32): u32 {
  return <u32>load<u16>(changetype<usize>(s) + (<usize>i << 1));
}

const NO_PARTS = new StaticArray<i32>(0);

export class PathPattern {
  /** Template parts, three entries each: start and end of the segment in `text`, and its kind
   *  (LITERAL, ONE_SEGMENT or REST). */
  parts: StaticArray<i32> = NO_PARTS;

  /** `text`: the whole template, or what an exact, prefix or suffix pattern compares. */
  constructor(readonly kind: i32, readonly text: string) {}

  /** Whether the canonical path `path` matches. */
  matches(path: RequestValue): bool {
    const text = this.text;
    switch (this.kind) {
      case PathKind.Exact: return path.equals(text);
      case PathKind.Prefix: return path.startsWith(text);
      case PathKind.Suffix: return path.endsWith(text);
      case PathKind.Any: return true;
      default: return this.templateMatches(path.ptr, path.length);
    }
  }

  private templateMatches(path: usize, n: i32): bool {
    const parts = this.parts;
    let at = 0; // at a `/` that starts the next segment
    for (let k = 0, count = parts.length; k < count; k += 3) {
      if (at >= n || load<u8>(path + <usize>at) != 0x2f) return false;
      at++;
      const kind = unchecked(parts[k + 2]);
      if (kind == REST) return true;
      let segmentEnd = at;
      while (segmentEnd < n && load<u8>(path + <usize>segmentEnd) != 0x2f) segmentEnd++;
      if (kind == ONE_SEGMENT) {
        if (segmentEnd == at) return false;
      } else {
        const start = unchecked(parts[k]);
        const length = unchecked(parts[k + 1]) - start;
        if (segmentEnd - at != length || !bytesEqualString(path + <usize>at, this.text, start, length)) return false;
      }
      at = segmentEnd;
    }
    return at == n;
  }
}

/** Why compilePathPattern failed (valid while `pathPatternError` is ""). */
export let pathPatternError = "";

/** Compiles a `to.paths` entry; null (with pathPatternError set) when invalid. */
export function compilePathPattern(text: string): PathPattern | null {
  pathPatternError = "";
  const n = text.length;
  if (text.indexOf("{") >= 0 || text.indexOf("}") >= 0) return compileTemplate(text);
  const star = text.indexOf("*");
  if (star < 0) {
    if (n == 0 || byteAt(text, 0) != 0x2f) return invalid("must start with \"/\" or \"*\"");
    return new PathPattern(PathKind.Exact, text);
  }
  if (text.indexOf("*", star + 1) >= 0 || (star != 0 && star != n - 1)) {
    return invalid("\"*\" may only be the first or the last character (use {*} or {**} templates)");
  }
  if (n == 1) return new PathPattern(PathKind.Any, "");
  if (star == 0) return new PathPattern(PathKind.Suffix, text.substring(1));
  if (byteAt(text, 0) != 0x2f) return invalid("must start with \"/\" or \"*\"");
  return new PathPattern(PathKind.Prefix, text.substring(0, n - 1));
}

function invalid(reason: string): PathPattern | null {
  pathPatternError = reason;
  return null;
}

/** The kind of template segment text[start, end), or -1 when it misuses `{`, `}` or `*`. */
function segmentKind(text: string, start: i32, end: i32): i32 {
  const segment = text.substring(start, end);
  if (segment == "{*}") return ONE_SEGMENT;
  if (segment == "{**}") return REST;
  if (segment.indexOf("{") >= 0 || segment.indexOf("}") >= 0 || segment.indexOf("*") >= 0) return -1;
  return LITERAL;
}

function compileTemplate(text: string): PathPattern | null {
  const n = text.length;
  if (n == 0 || byteAt(text, 0) != 0x2f) return invalid("a template must start with \"/\"");
  const parts = new Array<i32>();
  let start = 1;
  while (true) {
    let end = text.indexOf("/", start);
    if (end < 0) end = n;
    const kind = segmentKind(text, start, end);
    if (kind < 0) return invalid("template operators {*} and {**} must be whole segments");
    if (kind == REST && end != n) return invalid("{**} must be the last segment of a template");
    parts.push(start);
    parts.push(end);
    parts.push(kind);
    if (end == n) break;
    start = end + 1;
  }
  const pattern = new PathPattern(PathKind.Template, text);
  pattern.parts = StaticArray.fromArray(parts);
  return pattern;
}
