// SPIFFE ID patterns (`principals`, `trusted_proxies`), validated at configure time by
// shared/spiffe.ts (compileSpiffePattern) and kept in a compact form: the pattern text and one
// array of segment offsets into it. A configuration of hundreds of patterns then keeps few objects
// alive (the collector marks every live object each collection) and matching compares the text in
// place: one pass over the ID's segments, linear time, no backtracking.
import { SpiffeId } from "../shared/spiffe";

// @ts-ignore: decorator
@inline const SCHEME_LENGTH = 9; // "spiffe://"
// @ts-ignore: decorator
@inline const NO_STAR = -1;

/** Whether the `units` UTF-16 code units at `a` and `b` are equal (8 bytes at a time). */
// @ts-ignore: decorator
@inline
function unitsEqual(a: usize, b: usize, units: i32): bool {
  let bytes = <usize>units << 1;
  while (bytes >= 8) {
    if (load<u64>(a) != load<u64>(b)) return false;
    a += 8;
    b += 8;
    bytes -= 8;
  }
  while (bytes > 0) {
    if (load<u16>(a) != load<u16>(b)) return false;
    a += 2;
    b += 2;
    bytes -= 2;
  }
  return true;
}

// @ts-ignore: decorator
@inline
function at(s: string, i: i32): usize {
  return changetype<usize>(s) + (<usize>i << 1);
}

export class PrincipalPattern {
  /** Three entries per segment before any `**`: its start, its `*` (or NO_STAR) and its end in
   *  `text`. */
  private readonly segments: StaticArray<i32>;
  /** End of the trust domain in `text`. */
  private readonly trustDomainEnd: i32;
  /** The trust domain is `*`. */
  private readonly anyTrustDomain: bool;
  /** The last segment is `**` (one or more remaining segments). */
  private readonly rest: bool;
  /** Segments before any `**`. */
  private readonly fixed: i32;

  /** `text`: a valid pattern (compileSpiffePattern accepted it). */
  constructor(readonly text: string) {
    const n = text.length;
    let end = text.indexOf("/", SCHEME_LENGTH);
    if (end < 0) end = n;
    this.trustDomainEnd = end;
    this.anyTrustDomain = end == SCHEME_LENGTH + 1 && text.charCodeAt(SCHEME_LENGTH) == 0x2a;
    const segments = new Array<i32>();
    let rest = false;
    while (end < n) {
      const start = end + 1;
      end = text.indexOf("/", start);
      if (end < 0) end = n;
      if (end - start == 2 && text.charCodeAt(start) == 0x2a && text.charCodeAt(start + 1) == 0x2a) {
        rest = true; // always the last segment
        break;
      }
      const star = text.indexOf("*", start);
      segments.push(start);
      segments.push(star >= 0 && star < end ? star : NO_STAR);
      segments.push(end);
    }
    this.rest = rest;
    this.fixed = segments.length / 3;
    this.segments = StaticArray.fromArray(segments);
  }

  /** Whether the valid ID `id` matches. */
  matches(id: SpiffeId): bool {
    const segments = this.segments;
    const fixed = this.fixed;
    const count = id.segmentCount;
    if (this.rest ? count <= fixed : count != fixed) return false;
    // segments first: they tell most patterns of one trust domain apart
    const uri = id.uri;
    for (let k = 0; k < fixed; k++) {
      if (!this.segmentMatches(k * 3, uri, id.segmentStart(k), id.segmentEnd(k))) return false;
    }
    if (this.anyTrustDomain) return true;
    const length = this.trustDomainEnd - SCHEME_LENGTH;
    return id.trustDomainEnd - SCHEME_LENGTH == length && unitsEqual(at(uri, SCHEME_LENGTH), at(this.text, SCHEME_LENGTH), length);
  }

  /** Whether uri[start, end) matches the segment whose offsets are at `segments[k]`. */
  // @ts-ignore: decorator
  @inline
  private segmentMatches(k: i32, uri: string, start: i32, end: i32): bool {
    const segments = this.segments;
    const from = unchecked(segments[k]);
    const star = unchecked(segments[k + 1]);
    const to = unchecked(segments[k + 2]);
    const text = this.text;
    if (star == NO_STAR) return end - start == to - from && unitsEqual(at(uri, start), at(text, from), to - from);
    const prefix = star - from;
    const suffix = to - star - 1;
    return end - start >= prefix + suffix && unitsEqual(at(uri, start), at(text, from), prefix) &&
      unitsEqual(at(uri, end - suffix), at(text, star + 1), suffix);
  }
}
