// W3C Baggage (https://www.w3.org/TR/baggage/): find, remove and add the colour member of a
// `baggage` header while keeping every other member byte-for-byte.
//   baggage   = list-member *( OWS "," OWS list-member )
//   list-member = key OWS "=" OWS value *( OWS ";" OWS property )
//   property  = key OWS "=" OWS value / key;  key = token;  value = *baggage-octet
// A header that breaks this grammar is malformed: the filter discards it (the specification lets
// a receiver drop a baggage header it cannot parse). Adding the colour never takes the header
// beyond 64 members or 8,192 bytes, the limits every platform must propagate; when it would, the
// colour goes only to the colour header.
import { isTokenRange } from "./syntax";

// @ts-ignore: decorator
@inline export const MAX_MEMBERS = 64;
// @ts-ignore: decorator
@inline export const MAX_BYTES = 8192;

// @ts-ignore: decorator
@inline
function isOws(c: i32): bool {
  return c == 0x20 || c == 0x09;
}

/** baggage-octet: %x21 / %x23-2B / %x2D-3A / %x3C-5B / %x5D-7E. */
// @ts-ignore: decorator
@inline
function isBaggageOctet(c: i32): bool {
  return c >= 0x21 && c <= 0x7e && c != 0x22 && c != 0x2c && c != 0x3b && c != 0x5c;
}

function trimStart(s: string, start: i32, end: i32): i32 {
  while (start < end && isOws(s.charCodeAt(start))) start++;
  return start;
}

function trimEnd(s: string, start: i32, end: i32): i32 {
  while (end > start && isOws(s.charCodeAt(end - 1))) end--;
  return end;
}

function allBaggageOctets(s: string, start: i32, end: i32): bool {
  for (let i = start; i < end; i++) if (!isBaggageOctet(s.charCodeAt(i))) return false;
  return true;
}

/** The baggage header split around the colour member. */
export class Baggage {
  /** The header follows the W3C grammar. */
  valid: bool = true;
  /** Value of the first member named by the colour key, or null. */
  colour: string | null = null;
  /** The header without the colour key's members (other members byte-for-byte), OWS-trimmed. */
  others: string = "";
  /** Number of members in `others`. */
  otherCount: i32 = 0;
  /** Members named by the colour key that were found. */
  removed: i32 = 0;
}

/** The index of byte `c` in s[from, end), or `end`: scans never run past the current member, so
 *  a header is read in linear time whatever its shape. */
function find(s: string, c: i32, from: i32, end: i32): i32 {
  while (from < end && s.charCodeAt(from) != c) from++;
  return from;
}

/** Checks `; property` parts in s[start, end): each `key` or `key = value`. */
function validProperties(s: string, start: i32, end: i32): bool {
  while (start < end) { // s[start] is ';'
    const next = find(s, 0x3b, start + 1, end);
    const from = trimStart(s, start + 1, next);
    const to = trimEnd(s, from, next);
    const eq = find(s, 0x3d, from, to);
    if (!isTokenRange(s, from, trimEnd(s, from, eq))) return false;
    if (eq < to && !allBaggageOctets(s, trimStart(s, eq + 1, to), to)) return false;
    start = next;
  }
  return true;
}

/** Whether s[start, end) equals `word`. */
function rangeEquals(s: string, start: i32, end: i32, word: string): bool {
  const n = word.length;
  if (end - start != n) return false;
  for (let i = 0; i < n; i++) if (s.charCodeAt(start + i) != word.charCodeAt(i)) return false;
  return true;
}

/** Splits `header` around the members named `key`. */
export function readBaggage(header: string, key: string): Baggage {
  const result = new Baggage();
  const n = header.length;
  // Kept members as [start, end) pairs; only built into a string when a colour member is removed.
  const kept = new Array<i32>();
  let start = 0;
  while (start <= n) {
    const end = find(header, 0x2c, start, n);
    const from = trimStart(header, start, end);
    const to = trimEnd(header, from, end);
    const eq = find(header, 0x3d, from, to);
    if (from == to || eq == to) { result.valid = false; return result; }
    const keyEnd = trimEnd(header, from, eq);
    const semi = find(header, 0x3b, eq, to);
    const valueStart = trimStart(header, eq + 1, semi);
    const valueEnd = trimEnd(header, valueStart, semi);
    if (!isTokenRange(header, from, keyEnd) || !allBaggageOctets(header, valueStart, valueEnd) ||
      !validProperties(header, semi, to)) {
      result.valid = false;
      return result;
    }
    if (rangeEquals(header, from, keyEnd, key)) {
      if (result.colour === null) result.colour = header.substring(valueStart, valueEnd);
      result.removed++;
    } else {
      // the first kept member starts trimmed; later ones keep the spacing after their comma
      kept.push(kept.length == 0 ? from : start);
      kept.push(to);
    }
    start = end + 1;
  }
  result.otherCount = kept.length >> 1;
  if (result.removed == 0) {
    result.others = header.substring(trimStart(header, 0, n), trimEnd(header, 0, n));
  } else {
    result.others = joinRanges(header, kept);
  }
  return result;
}

/** The ranges [start, end) of `s` listed in `bounds`, joined with ",", built in one allocation. */
function joinRanges(s: string, bounds: Array<i32>): string {
  const count = bounds.length >> 1;
  if (count == 0) return "";
  let length = count - 1;
  for (let i = 0; i < bounds.length; i += 2) length += unchecked(bounds[i + 1]) - unchecked(bounds[i]);
  const out = changetype<string>(__new(<usize>length << 1, idof<string>()));
  const src = changetype<usize>(s);
  let at = changetype<usize>(out);
  for (let i = 0; i < bounds.length; i += 2) {
    if (i > 0) {
      store<u16>(at, 0x2c);
      at += 2;
    }
    const start = unchecked(bounds[i]);
    const bytes = <usize>(unchecked(bounds[i + 1]) - start) << 1;
    memory.copy(at, src + (<usize>start << 1), bytes);
    at += bytes;
  }
  return out;
}

/** `others` with `member` (`key=colour`) appended, or null when that would pass 64 members or
 *  8,192 bytes. */
export function withMember(others: string, otherCount: i32, member: string): string | null {
  if (otherCount == 0) return member;
  if (otherCount + 1 > MAX_MEMBERS || others.length + 1 + member.length > MAX_BYTES) return null;
  return others + "," + member;
}
