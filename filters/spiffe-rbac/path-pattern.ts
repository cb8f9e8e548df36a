// `to.paths` patterns, matched against the canonical path (path.ts), Istio style:
//   `/exact`, `/prefix*`, `*suffix`, `*` (any path), and templates whose whole segments may be
//   `{*}` (exactly one non-empty segment) or, as the last segment, `{**}` (the rest of the path,
//   possibly empty: `/api/{**}` matches `/api/` and `/api/a/b` but not `/api`).
// Compiled into the configuration's PatternTable (pattern-table.ts), which matches them.
import { PatternKind, PatternTableBuilder, TemplatePart } from "./pattern-table";

// @ts-ignore: decorator
@inline
function byteAt(s: string, i: i32): u32 {
  return <u32>load<u16>(changetype<usize>(s) + (<usize>i << 1));
}

/** Why compilePathPattern failed (valid while `pathPatternError` is ""). */
export let pathPatternError = "";

/** Compiles a `to.paths` entry into `table`: its index, or -1 (with pathPatternError set) when
 *  invalid. */
export function compilePathPattern(text: string, table: PatternTableBuilder): i32 {
  pathPatternError = "";
  const n = text.length;
  if (text.indexOf("{") >= 0 || text.indexOf("}") >= 0) return compileTemplate(text, table);
  const star = text.indexOf("*");
  if (star < 0) {
    if (n == 0 || byteAt(text, 0) != 0x2f) return invalid("must start with \"/\" or \"*\"");
    return table.add(PatternKind.Exact, text);
  }
  if (text.indexOf("*", star + 1) >= 0 || (star != 0 && star != n - 1)) {
    return invalid("\"*\" may only be the first or the last character (use {*} or {**} templates)");
  }
  if (n == 1) return table.add(PatternKind.Prefix, "");
  if (star == 0) return table.add(PatternKind.Suffix, text.substring(1, n));
  if (byteAt(text, 0) != 0x2f) return invalid("must start with \"/\" or \"*\"");
  return table.add(PatternKind.Prefix, text.substring(0, n - 1));
}

function invalid(reason: string): i32 {
  pathPatternError = reason;
  return -1;
}

/** The kind of template segment text[start, end), or -1 when it misuses `{`, `}` or `*`. */
function segmentKind(text: string, start: i32, end: i32): i32 {
  const segment = text.substring(start, end);
  if (segment == "{*}") return TemplatePart.OneSegment;
  if (segment == "{**}") return TemplatePart.Rest;
  if (segment.indexOf("{") >= 0 || segment.indexOf("}") >= 0 || segment.indexOf("*") >= 0) return -1;
  return TemplatePart.Literal;
}

function compileTemplate(text: string, table: PatternTableBuilder): i32 {
  const n = text.length;
  if (n == 0 || byteAt(text, 0) != 0x2f) return invalid("a template must start with \"/\"");
  // parts go into the table as they are read: an invalid template fails the configuration
  table.startTemplate(text);
  let start = 1;
  while (true) {
    let end = text.indexOf("/", start);
    if (end < 0) end = n;
    const kind = segmentKind(text, start, end);
    if (kind < 0) return invalid("template operators {*} and {**} must be whole segments");
    if (kind == TemplatePart.Rest && end != n) return invalid("{**} must be the last segment of a template");
    table.addTemplatePart(kind, start, end);
    if (end == n) break;
    start = end + 1;
  }
  return table.endTemplate();
}
