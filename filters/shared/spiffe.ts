// SPIFFE IDs (spiffe/spiffe standards/SPIFFE-ID.md) validated strictly and matched against
// segment-aware patterns. Inputs are byte strings (one code unit per byte).
//
// ID grammar: `spiffe://` (lowercase) + trust domain + path.
//   trust domain: 1..255 bytes of [a-z0-9.-_]; no port, userinfo or percent-encoding;
//   path: empty, or `/`-separated segments of [a-zA-Z0-9.-_], none empty, `.` or `..`, no trailing
//   `/`; no query, fragment or percent-encoding; the whole URI at most 2048 bytes.
// Pattern grammar: `spiffe://` + (trust domain | `*`) + path of pattern segments, where a segment
// is literal segment characters with at most one `*` (a glob inside that one segment: `api-*`,
// `*-v2`, `*`), and `**` as the whole last segment stands for one or more remaining segments.
// Matching is one pass over the ID's segments: linear time, no backtracking.
import { bytesEqualBytes } from "./bytes";

/** Why a SPIFFE ID (or pattern) is invalid; `Ok` when it is valid. */
export namespace SpiffeError {
  export const Ok: i32 = 0;
  export const Empty: i32 = 1;
  export const Scheme: i32 = 2;
  export const TrustDomainMissing: i32 = 3;
  export const TrustDomainChars: i32 = 4;
  export const TrustDomainTooLong: i32 = 5;
  export const PortOrUserinfo: i32 = 6;
  export const PathChars: i32 = 7;
  export const EmptySegment: i32 = 8;
  export const DotSegment: i32 = 9;
  export const TrailingSlash: i32 = 10;
  export const PercentEncoded: i32 = 11;
  export const QueryOrFragment: i32 = 12;
  export const TooLong: i32 = 13;
  // patterns only
  export const TrustDomainGlob: i32 = 14;
  export const SegmentGlob: i32 = 15;
  export const DoubleStar: i32 = 16;
}

// A switch, not a table: only the builds that call these get their strings.

/** The snake_case reason code of `error` (e.g. "dot_segment"), for logs and metrics. */
export function spiffeErrorReason(error: i32): string {
  switch (error) {
    case SpiffeError.Ok: return "ok";
    case SpiffeError.Empty: return "empty";
    case SpiffeError.Scheme: return "scheme";
    case SpiffeError.TrustDomainMissing: return "trust_domain_missing";
    case SpiffeError.TrustDomainChars: return "trust_domain_chars";
    case SpiffeError.TrustDomainTooLong: return "trust_domain_too_long";
    case SpiffeError.PortOrUserinfo: return "port_or_userinfo";
    case SpiffeError.PathChars: return "path_chars";
    case SpiffeError.EmptySegment: return "empty_segment";
    case SpiffeError.DotSegment: return "dot_segment";
    case SpiffeError.TrailingSlash: return "trailing_slash";
    case SpiffeError.PercentEncoded: return "percent_encoded";
    case SpiffeError.QueryOrFragment: return "query_or_fragment";
    case SpiffeError.TooLong: return "too_long";
    case SpiffeError.TrustDomainGlob: return "trust_domain_glob";
    case SpiffeError.SegmentGlob: return "segment_glob";
    case SpiffeError.DoubleStar: return "double_star";
    default: return "unknown";
  }
}

/** A sentence describing `error`, for config errors. */
export function spiffeErrorMessage(error: i32): string {
  switch (error) {
    case SpiffeError.Ok: return "valid";
    case SpiffeError.Empty: return "cannot be empty";
    case SpiffeError.Scheme: return "scheme must be \"spiffe://\" (lowercase)";
    case SpiffeError.TrustDomainMissing: return "trust domain is missing";
    case SpiffeError.TrustDomainChars: return "trust domain characters are limited to lowercase letters, numbers, dots, dashes, and underscores";
    case SpiffeError.TrustDomainTooLong: return "trust domain is longer than 255 bytes";
    case SpiffeError.PortOrUserinfo: return "trust domain cannot have a port or userinfo";
    case SpiffeError.PathChars: return "path segment characters are limited to letters, numbers, dots, dashes, and underscores";
    case SpiffeError.EmptySegment: return "path cannot contain empty segments";
    case SpiffeError.DotSegment: return "path cannot contain dot segments";
    case SpiffeError.TrailingSlash: return "path cannot have a trailing slash";
    case SpiffeError.PercentEncoded: return "cannot contain percent-encoding";
    case SpiffeError.QueryOrFragment: return "cannot have a query or fragment";
    case SpiffeError.TooLong: return "is longer than 2048 bytes";
    case SpiffeError.TrustDomainGlob: return "trust domain must be exact or \"*\"";
    case SpiffeError.SegmentGlob: return "a path segment may contain at most one \"*\"";
    case SpiffeError.DoubleStar: return "\"**\" must be the whole last path segment";
    default: return "unknown error";
  }
}

// @ts-ignore: decorator
@inline const SCHEME_LENGTH = 9; // "spiffe://"
// @ts-ignore: decorator
@inline const MAX_URI_BYTES = 2048;
// @ts-ignore: decorator
@inline const MAX_TRUST_DOMAIN_BYTES = 255;
// @ts-ignore: decorator
@inline const STAR: u32 = 0x2a;

// @ts-ignore: decorator
@inline
function byteAt(s: string, i: i32): u32 {
  return <u32>load<u16>(changetype<usize>(s) + (<usize>i << 1));
}

// Byte classes: bit 1 = trust domain character [a-z0-9.-_], bit 2 = path segment character
// [a-zA-Z0-9.-_]. Byte strings hold code units 0..255 only.
const CHAR_CLASS = memory.data<u8>([
  0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
  0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 3, 3, 0, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 0, 0, 0, 0, 0, 0,
  0, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 0, 0, 0, 0, 3,
  0, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 0, 0, 0, 0, 0,
  0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
  0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
  0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
  0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
]);

// @ts-ignore: decorator
@inline
function isTrustDomainChar(c: u32): bool {
  return c < 256 && (load<u8>(CHAR_CLASS + c) & 1) != 0;
}

// @ts-ignore: decorator
@inline
function isSegmentChar(c: u32): bool {
  return c < 256 && (load<u8>(CHAR_CLASS + c) & 2) != 0;
}

/** The error for a byte that is not allowed in a trust domain (`segment` false) or in a path
 *  segment. */
function byteError(c: u32, segment: bool): i32 {
  if (c == 0x25) return SpiffeError.PercentEncoded;
  if (c == 0x3f || c == 0x23) return SpiffeError.QueryOrFragment;
  if (segment) return SpiffeError.PathChars;
  return c == 0x3a || c == 0x40 ? SpiffeError.PortOrUserinfo : SpiffeError.TrustDomainChars;
}

/** Whether s starts with the lowercase scheme `spiffe://`. */
function hasScheme(s: string): bool {
  return s.length >= SCHEME_LENGTH && s.startsWith("spiffe://");
}

/** Whether s[start, end) is `.` or `..`. */
function isDotSegment(s: string, start: i32, end: i32): bool {
  // one or two bytes, the first and the last a dot
  return <u32>(end - start - 1) < 2 && byteAt(s, start) == 0x2e && byteAt(s, end - 1) == 0x2e;
}

/** Whether the `n` code units at a[aStart..] and b[bStart..] are equal (bytes.ts, 8 bytes at a time). */
function unitsEqual(a: string, aStart: i32, b: string, bStart: i32, n: i32): bool {
  return bytesEqualBytes(changetype<usize>(a) + (<usize>aStart << 1), changetype<usize>(b) + (<usize>bStart << 1), n << 1);
}

/** Whether s[start, end) equals `word`. */
// @ts-ignore: decorator
@inline
function rangeEquals(s: string, start: i32, end: i32, word: string): bool {
  return rangesEqual(s, start, end, word, 0, word.length);
}

/** Whether a[aStart, aEnd) and b[bStart, bEnd) are the same. */
export function rangesEqual(a: string, aStart: i32, aEnd: i32, b: string, bStart: i32, bEnd: i32): bool {
  const n = bEnd - bStart;
  return aEnd - aStart == n && unitsEqual(a, aStart, b, bStart, n);
}

/** Validates a bare trust domain (`prod.example`); returns SpiffeError.Ok or the reason. */
export function validateTrustDomain(td: string): i32 {
  const n = td.length;
  if (n == 0) return SpiffeError.TrustDomainMissing;
  if (n > MAX_TRUST_DOMAIN_BYTES) return SpiffeError.TrustDomainTooLong;
  for (let i = 0; i < n; i++) {
    const c = byteAt(td, i);
    if (!isTrustDomainChar(c)) return byteError(c, false);
  }
  return SpiffeError.Ok;
}

/**
 * A parsed SPIFFE ID. When `error` is not Ok, nothing else is meaningful. Segments are kept as
 * offsets into `uri`; the accessors below copy them out on demand. One instance can be reused
 * for many IDs with `parse` (no allocation once its segment list has grown).
 */
export class SpiffeId {
  uri: string = "";
  error: i32 = SpiffeError.Empty;
  /** End of the trust domain in `uri` (it starts after `spiffe://`). */
  trustDomainEnd: i32 = 0;
  /** For each path segment: its start and end offsets in `uri`, flattened. */
  bounds: i32[] = [];

  /** Parses and validates `uri` into this object; returns whether it is valid. Never traps. */
  parse(uri: string): bool {
    this.uri = uri;
    this.bounds.length = 0;
    const error = scanId(uri, this, false);
    this.error = error;
    if (error != SpiffeError.Ok) this.bounds.length = 0;
    return error == SpiffeError.Ok;
  }

  get valid(): bool { return this.error == SpiffeError.Ok; }

  get segmentCount(): i32 { return this.bounds.length >> 1; }

  // @ts-ignore: decorator
  @inline segmentStart(i: i32): i32 { return unchecked(this.bounds[i << 1]); }
  // @ts-ignore: decorator
  @inline segmentEnd(i: i32): i32 { return unchecked(this.bounds[(i << 1) + 1]); }

  trustDomain(): string {
    return this.uri.substring(SCHEME_LENGTH, this.trustDomainEnd);
  }

  /** The path (`/ns/prod/sa/api`), "" when the ID has none. */
  path(): string {
    return this.uri.substring(this.trustDomainEnd);
  }

  /** Path segment `i` (0-based), "" when out of range. */
  segment(i: i32): string {
    if (i < 0 || i >= this.segmentCount) return "";
    return this.uri.substring(this.segmentStart(i), this.segmentEnd(i));
  }

  /** Whether the path follows the `/ns/<namespace>/sa/<service-account>` convention exactly. */
  get hasServiceAccount(): bool {
    return this.segmentCount == 4 && rangeEquals(this.uri, this.segmentStart(0), this.segmentEnd(0), "ns") &&
      rangeEquals(this.uri, this.segmentStart(2), this.segmentEnd(2), "sa");
  }

  /** `<namespace>` of `/ns/<namespace>/sa/<sa>`, or null. */
  namespace(): string | null {
    return this.hasServiceAccount ? this.segment(1) : null;
  }

  /** `<sa>` of `/ns/<namespace>/sa/<sa>`, or null. */
  serviceAccount(): string | null {
    return this.hasServiceAccount ? this.segment(3) : null;
  }
}

/** Parses and validates `uri`; check `.error` (SpiffeError.Ok when valid). Never traps. */
export function parseSpiffeId(uri: string): SpiffeId {
  const id = new SpiffeId();
  id.parse(uri);
  return id;
}

/**
 * Scans an ID (or, with `pattern`, a pattern: `*` trust domain, `*` inside segments, `**` last)
 * into `out`; returns the error.
 */
function scanId(s: string, out: SpiffeId, pattern: bool): i32 {
  const n = s.length;
  if (n == 0) return SpiffeError.Empty;
  if (!hasScheme(s)) return SpiffeError.Scheme;
  if (n > MAX_URI_BYTES) return SpiffeError.TooLong;
  let i = SCHEME_LENGTH;
  while (i < n && byteAt(s, i) != 0x2f) i++;
  out.trustDomainEnd = i;
  const tdLength = i - SCHEME_LENGTH;
  if (tdLength == 0) return SpiffeError.TrustDomainMissing;
  if (!(pattern && tdLength == 1 && byteAt(s, SCHEME_LENGTH) == STAR)) {
    for (let j = SCHEME_LENGTH; j < i; j++) {
      const c = byteAt(s, j);
      if (!isTrustDomainChar(c)) return pattern && c == STAR ? SpiffeError.TrustDomainGlob : byteError(c, false);
    }
    if (tdLength > MAX_TRUST_DOMAIN_BYTES) return SpiffeError.TrustDomainTooLong;
  }
  const bounds = out.bounds;
  while (i < n) { // s[i] is '/'
    const start = ++i;
    let stars = 0;
    while (i < n) {
      const c = byteAt(s, i);
      if (c == 0x2f) break;
      if (!isSegmentChar(c)) {
        if (!pattern || c != STAR) return byteError(c, true);
        stars++;
      }
      i++;
    }
    if (i == start) return i == n ? SpiffeError.TrailingSlash : SpiffeError.EmptySegment;
    if (isDotSegment(s, start, i)) return SpiffeError.DotSegment;
    if (stars > 1) {
      if (stars != 2 || i - start != 2) return SpiffeError.SegmentGlob;
      if (i != n) return SpiffeError.DoubleStar;
    }
    bounds.push(start);
    bounds.push(i);
  }
  return SpiffeError.Ok;
}

// @ts-ignore: decorator
@inline export const NO_STAR = -1;
const NO_SEGMENTS = new StaticArray<i32>(0);

/** Whether s[start, end) matches the segment glob text[from, to), whose `*` is at `star`
 *  (NO_STAR: the glob is literal). */
export function segmentGlobMatches(s: string, start: i32, end: i32, text: string, from: i32, star: i32, to: i32): bool {
  if (star == NO_STAR) return rangesEqual(s, start, end, text, from, to);
  const prefix = star - from;
  const suffix = to - star - 1;
  return end - start >= prefix + suffix && unitsEqual(s, start, text, from, prefix) &&
    unitsEqual(s, end - suffix, text, star + 1, suffix);
}

/** A compiled SPIFFE ID pattern; `error` is SpiffeError.Ok when the text was valid. Kept compact:
 *  the text and one array of segment offsets into it, so a configuration of hundreds of patterns
 *  keeps few objects alive (the collector marks every live object each collection), and matching
 *  compares the text in place: one pass over the ID's segments, linear time, no backtracking. */
export class SpiffePattern {
  error: i32 = SpiffeError.Ok;
  /** Three entries per segment before any `**`: its start, its `*` (or NO_STAR) and its end in
   *  `text`. */
  segments: StaticArray<i32> = NO_SEGMENTS;
  /** End of the trust domain in `text`. */
  trustDomainEnd: i32 = 0;
  /** The trust domain is `*`. */
  anyTrustDomain: bool = false;
  /** The last segment is `**` (one or more remaining segments). */
  rest: bool = false;

  constructor(readonly text: string) {}

  /** Whether the valid ID `id` matches. An invalid ID never matches. */
  matches(id: SpiffeId): bool {
    if (id.error != SpiffeError.Ok) return false;
    const fixed = this.segments.length / 3;
    const count = id.segmentCount;
    if (this.rest ? count <= fixed : count != fixed) return false;
    // segments first: they tell most patterns of one trust domain apart
    const uri = id.uri;
    const segments = this.segments;
    const text = this.text;
    for (let k = 0; k < fixed; k++) {
      const at = k * 3;
      if (!segmentGlobMatches(uri, id.segmentStart(k), id.segmentEnd(k), text, unchecked(segments[at]),
        unchecked(segments[at + 1]), unchecked(segments[at + 2]))) return false;
    }
    return this.anyTrustDomain || rangesEqual(uri, SCHEME_LENGTH, id.trustDomainEnd, text, SCHEME_LENGTH, this.trustDomainEnd);
  }
}

/** Compiles a pattern such as `spiffe://prod.example/ns/*\/sa/api-*` or `spiffe://*\/**`;
 *  check `.error`. Configure-time only. */
export function compileSpiffePattern(text: string): SpiffePattern {
  const pattern = new SpiffePattern(text);
  const scanned = new SpiffeId();
  scanned.uri = text;
  const error = scanId(text, scanned, true);
  pattern.error = error;
  if (error != SpiffeError.Ok) return pattern;
  const tdEnd = scanned.trustDomainEnd;
  pattern.trustDomainEnd = tdEnd;
  pattern.anyTrustDomain = tdEnd == SCHEME_LENGTH + 1 && byteAt(text, SCHEME_LENGTH) == STAR;
  const segments = new Array<i32>();
  for (let i = 0, n = scanned.segmentCount; i < n; i++) {
    const start = scanned.segmentStart(i);
    const end = scanned.segmentEnd(i);
    if (end - start == 2 && byteAt(text, start) == STAR && byteAt(text, start + 1) == STAR) {
      pattern.rest = true; // `**` is always the last segment
      break;
    }
    const star = text.indexOf("*", start);
    segments.push(start);
    segments.push(star >= 0 && star < end ? star : NO_STAR);
    segments.push(end);
  }
  pattern.segments = StaticArray.fromArray(segments);
  return pattern;
}

/** A glob over one identity segment (a namespace or service-account name): literal segment
 *  characters with at most one `*`. Returns null when `text` is not such a glob. */
export function compileSegmentGlob(text: string): SegmentGlob | null {
  const n = text.length;
  if (n == 0 || isDotSegment(text, 0, n)) return null;
  let star = NO_STAR;
  for (let i = 0; i < n; i++) {
    const c = byteAt(text, i);
    if (c == STAR) {
      if (star != NO_STAR) return null;
      star = i;
    } else if (!isSegmentChar(c)) {
      return null;
    }
  }
  return new SegmentGlob(text, star);
}

export class SegmentGlob {
  constructor(
    private readonly text: string,
    /** Where the `*` is in `text`, or NO_STAR. */
    private readonly star: i32,
  ) {}

  /** Whether s[start, end) matches. */
  matchesRange(s: string, start: i32, end: i32): bool {
    const text = this.text;
    return segmentGlobMatches(s, start, end, text, 0, this.star, text.length);
  }

  matches(s: string): bool {
    return this.matchesRange(s, 0, s.length);
  }
}
