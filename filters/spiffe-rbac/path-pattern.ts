// `to.paths` patterns, matched against the canonical path (path.ts), Istio style:
//   `/exact`, `/prefix*`, `*suffix`, `*` (any path), and templates whose whole segments may be
//   `{*}` (exactly one non-empty segment) or, as the last segment, `{**}` (the rest of the path,
//   possibly empty: `/api/{**}` matches `/api/` and `/api/a/b` but not `/api`).
// Matching is one pass over the path.

export namespace PathKind {
  export const Exact: i32 = 0;
  export const Prefix: i32 = 1;
  export const Suffix: i32 = 2;
  export const Any: i32 = 3;
  export const Template: i32 = 4;
}

// @ts-ignore: decorator
@inline const ONE_SEGMENT: i32 = 1;
// @ts-ignore: decorator
@inline const REST: i32 = 2;

// @ts-ignore: decorator
@inline
function byteAt(s: string, i: i32): u32 {
  return <u32>load<u16>(changetype<usize>(s) + (<usize>i << 1));
}

export class PathPattern {
  /** Template parts: literal segment text, or "" with `wildcards[i]` set. */
  literals: string[] = [];
  wildcards: i32[] = [];

  constructor(readonly kind: i32, readonly text: string) {}

  matches(path: string): bool {
    const text = this.text;
    switch (this.kind) {
      case PathKind.Exact: return path == text;
      case PathKind.Prefix: return path.startsWith(text);
      case PathKind.Suffix: return path.endsWith(text);
      case PathKind.Any: return true;
      default: return this.templateMatches(path);
    }
  }

  private templateMatches(path: string): bool {
    const n = path.length;
    const literals = this.literals;
    const wildcards = this.wildcards;
    let at = 0; // at a `/` that starts the next segment
    for (let k = 0, parts = literals.length; k < parts; k++) {
      if (at >= n || byteAt(path, at) != 0x2f) return false;
      at++;
      const wildcard = unchecked(wildcards[k]);
      if (wildcard == REST) return true;
      let segmentEnd = at;
      while (segmentEnd < n && byteAt(path, segmentEnd) != 0x2f) segmentEnd++;
      if (wildcard == ONE_SEGMENT) {
        if (segmentEnd == at) return false;
      } else {
        const literal = unchecked(literals[k]);
        const m = literal.length;
        if (segmentEnd - at != m) return false;
        for (let i = 0; i < m; i++) if (byteAt(path, at + i) != byteAt(literal, i)) return false;
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

function compileTemplate(text: string): PathPattern | null {
  if (text.length == 0 || byteAt(text, 0) != 0x2f) return invalid("a template must start with \"/\"");
  const pattern = new PathPattern(PathKind.Template, text);
  const parts = text.substring(1).split("/");
  for (let k = 0, count = parts.length; k < count; k++) {
    const part = parts[k];
    if (part == "{*}") {
      pattern.literals.push("");
      pattern.wildcards.push(ONE_SEGMENT);
    } else if (part == "{**}") {
      if (k != count - 1) return invalid("{**} must be the last segment of a template");
      pattern.literals.push("");
      pattern.wildcards.push(REST);
    } else if (part.indexOf("{") >= 0 || part.indexOf("}") >= 0 || part.indexOf("*") >= 0) {
      return invalid("template operators {*} and {**} must be whole segments");
    } else {
      pattern.literals.push(part);
      pattern.wildcards.push(0);
    }
  }
  return pattern;
}
