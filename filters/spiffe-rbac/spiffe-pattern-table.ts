// The configuration's SPIFFE ID patterns (shared/spiffe.ts SpiffePattern), packed into one text
// and two arrays of offsets: a SpiffePattern is three objects, and the collector marks every
// live object each collection, so a configuration of many principals keeps three objects alive
// for them instead. Matching is SpiffePattern's, on the packed offsets.
import { NO_STAR, rangesEqual, segmentGlobMatches, SpiffeId, SpiffePattern } from "../shared/spiffe";
import { element } from "./static-array";

// @ts-ignore: decorator
@inline const SCHEME_LENGTH = 9; // "spiffe://"
/** A pattern's trust domain end when it is `*`. */
// @ts-ignore: decorator
@inline const ANY_TRUST_DOMAIN = -1;
/** Entries per pattern in SpiffePatternTable.patterns. */
// @ts-ignore: decorator
@inline const PATTERN_FIELDS = 4;

export class SpiffePatternTable {
  constructor(
    /** Every pattern's text, one after the other. */
    private readonly text: string,
    /** PATTERN_FIELDS entries per pattern: where its trust domain starts and ends in `text` (end
     *  ANY_TRUST_DOMAIN: any trust domain), where its segments start in `segments`, and its segment count
     *  before any `**` times two, plus one when the pattern ends with `**`. */
    private readonly patterns: StaticArray<i32>,
    /** Three entries per segment: its start, its `*` (or NO_STAR) and its end in `text`. */
    private readonly segments: StaticArray<i32>,
  ) {}

  get count(): i32 {
    return this.patterns.length / PATTERN_FIELDS;
  }

  /** Whether pattern `index` matches the valid ID `id`. */
  matches(index: i32, id: SpiffeId): bool {
    const at = index * PATTERN_FIELDS;
    const patterns = this.patterns;
    const shape = element(patterns, at + 3);
    const fixed = shape >> 1;
    const count = id.segmentCount;
    if ((shape & 1) != 0 ? count <= fixed : count != fixed) return false;
    // segments first: they tell most patterns of one trust domain apart
    const uri = id.uri;
    const text = this.text;
    const segments = this.segments;
    for (let k = 0, s = element(patterns, at + 2); k < fixed; k++, s += 3) {
      if (!segmentGlobMatches(uri, id.segmentStart(k), id.segmentEnd(k), text, element(segments, s),
        element(segments, s + 1), element(segments, s + 2))) return false;
    }
    const domainEnd = element(patterns, at + 1);
    return domainEnd == ANY_TRUST_DOMAIN ||
      rangesEqual(uri, SCHEME_LENGTH, id.trustDomainEnd, text, element(patterns, at), domainEnd);
  }
}

/** Packs `patterns` (valid ones) into a SpiffePatternTable; pattern i is the table's pattern i. */
export function packSpiffePatterns(patterns: SpiffePattern[]): SpiffePatternTable {
  let text = "";
  const fields = new Array<i32>();
  const segments = new Array<i32>();
  for (let i = 0, n = patterns.length; i < n; i++) {
    const pattern = patterns[i];
    const base = text.length;
    text += pattern.text;
    const offsets = pattern.segments;
    fields.push(base + SCHEME_LENGTH);
    fields.push(pattern.anyTrustDomain ? ANY_TRUST_DOMAIN : base + pattern.trustDomainEnd);
    fields.push(segments.length);
    fields.push(offsets.length / 3 * 2 + (pattern.rest ? 1 : 0));
    for (let k = 0; k < offsets.length; k++) {
      const offset = offsets[k];
      segments.push(offset == NO_STAR ? NO_STAR : base + offset);
    }
  }
  return new SpiffePatternTable(text, StaticArray.fromArray(fields), StaticArray.fromArray(segments));
}
