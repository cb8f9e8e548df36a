// The string patterns of every policy (`to.methods`, `to.hosts`, `to.paths`, `when` values),
// packed into one text and one table of offsets: a large configuration keeps three objects alive
// for them (the collector marks every live object each collection), and a request matches them in
// place on the request value's bytes, allocating nothing.
//   Exact, Prefix (`abc*`; an empty prefix matches every value), Suffix (`*abc`), and path
//   templates whose parts are literal segments, `{*}` (one non-empty segment) or, last, `{**}`
//   (the rest of the path, possibly empty).
import { bytesEqualString } from "../shared/bytes";
import { RequestValue } from "./request-value";
import { element } from "./static-array";

export namespace PatternKind {
  export const Exact: i32 = 0;
  export const Prefix: i32 = 1;
  export const Suffix: i32 = 2;
  export const Template: i32 = 3;
}

export namespace TemplatePart {
  export const Literal: i32 = 0;
  export const OneSegment: i32 = 1;
  export const Rest: i32 = 2;
}

/** Whether the `n` bytes at `p` equal text[from, from + n), lowercase, with ASCII A-Z of the
 *  bytes folded to lowercase. */
function bytesEqualFolded(p: usize, text: string, from: i32, n: i32): bool {
  const q = changetype<usize>(text) + (<usize>from << 1);
  for (let i = 0; i < n; i++) {
    let c = <u32>load<u8>(p + <usize>i);
    if (c - 0x41 < 26) c |= 0x20;
    if (c != <u32>load<u16>(q + (<usize>i << 1))) return false;
  }
  return true;
}

export class PatternTable {
  constructor(
    /** Every literal, one after the other. */
    private readonly text: string,
    /** Three entries per pattern: its kind, and where its literal starts and how long it is in
     *  `text` (a template: where its parts start in `parts` and how many there are). */
    private readonly patterns: StaticArray<i32>,
    /** Three entries per template part: its kind, start and length in `text`. */
    private readonly parts: StaticArray<i32>,
  ) {}

  /** Whether pattern `index` matches the present value `value`; with `foldCase`, ASCII case is
   *  ignored (the pattern is lowercase). */
  // @ts-ignore: decorator
  @inline matches(index: i32, value: RequestValue, foldCase: bool): bool {
    const at = index * 3;
    const patterns = this.patterns;
    const kind = element(patterns, at);
    const from = element(patterns, at + 1);
    const m = element(patterns, at + 2);
    const n = value.length;
    if (kind == PatternKind.Template) return this.templateMatches(from, m, value.ptr, n, foldCase);
    if (n < m || (kind == PatternKind.Exact && n != m)) return false;
    const p = value.ptr + (kind == PatternKind.Suffix ? <usize>(n - m) : 0);
    return foldCase ? bytesEqualFolded(p, this.text, from, m) : bytesEqualString(p, this.text, from, m);
  }

  private templateMatches(first: i32, count: i32, path: usize, n: i32, foldCase: bool): bool {
    const parts = this.parts;
    let at = 0; // at a `/` that starts the next segment
    for (let k = first * 3, end = (first + count) * 3; k < end; k += 3) {
      if (at >= n || load<u8>(path + <usize>at) != 0x2f) return false;
      at++;
      const kind = element(parts, k);
      if (kind == TemplatePart.Rest) return true;
      let segmentEnd = at;
      while (segmentEnd < n && load<u8>(path + <usize>segmentEnd) != 0x2f) segmentEnd++;
      if (kind == TemplatePart.OneSegment) {
        if (segmentEnd == at) return false;
      } else {
        const length = element(parts, k + 2);
        if (segmentEnd - at != length) return false;
        const p = path + <usize>at;
        const from = element(parts, k + 1);
        if (!(foldCase ? bytesEqualFolded(p, this.text, from, length) : bytesEqualString(p, this.text, from, length))) return false;
      }
      at = segmentEnd;
    }
    return at == n;
  }
}

/** What a path needs for a path pattern to match: its byte after the leading `/` (0..255), or
 *  PATH_END (the path is `/` alone), or nothing (ANY_PATH). */
export const PATH_END: i32 = 256;
export const ANY_PATH: i32 = -1;

/** Builds a PatternTable at configure time. */
export class PatternTableBuilder {
  /** Every literal (a template's text), one after the other. */
  private text: string = "";
  private readonly patterns: i32[] = [];
  private readonly parts: i32[] = [];
  /** The open template's text start in `text`, and its first part's entry in `parts`. */
  private templateText: i32 = 0;
  private templateParts: i32 = 0;

  /** Adds a pattern comparing `literal`; returns its index. */
  add(kind: i32, literal: string): i32 {
    return this.push(kind, this.addText(literal), literal.length);
  }

  /** Starts a path template of text `template`: addTemplatePart adds its parts, then
   *  endTemplate. */
  startTemplate(template: string): void {
    this.templateText = this.addText(template);
    this.templateParts = this.parts.length;
  }

  /** Adds a part of the template: its kind and where it starts and ends in the template's text. */
  addTemplatePart(kind: i32, start: i32, end: i32): void {
    const parts = this.parts;
    parts.push(kind);
    parts.push(this.templateText + start);
    parts.push(end - start);
  }

  /** Ends the template; returns its index. */
  endTemplate(): i32 {
    const first = this.templateParts;
    return this.push(PatternKind.Template, first / 3, (this.parts.length - first) / 3);
  }

  /** The PATH_END / ANY_PATH / byte key of path pattern `index` (see PATH_END). */
  pathKey(index: i32): i32 {
    const patterns = this.patterns;
    const kind = patterns[index * 3];
    // a path literal starts with `/`: the key is its next character
    const key = this.text.charCodeAt(patterns[index * 3 + 1] + 1);
    const length = patterns[index * 3 + 2];
    if (kind == PatternKind.Exact) return length == 1 ? PATH_END : key;
    return kind == PatternKind.Prefix && length > 1 ? key : ANY_PATH;
  }

  build(): PatternTable {
    return new PatternTable(this.text, StaticArray.fromArray(this.patterns), StaticArray.fromArray(this.parts));
  }

  private addText(literal: string): i32 {
    const start = this.text.length;
    this.text += literal;
    return start;
  }

  private push(kind: i32, from: i32, length: i32): i32 {
    const index = this.patterns.length / 3;
    this.patterns.push(kind);
    this.patterns.push(from);
    this.patterns.push(length);
    return index;
  }
}
