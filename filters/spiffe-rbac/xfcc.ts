// x-forwarded-client-cert as Envoy delivers it: several headers arrive joined with `,` in order
// (Envoy's codec joins repeated XFCC headers), so the value is one list of elements, one per proxy
// hop, the nearest hop last. Two formats (forward_client_cert_details `format`):
// - text: elements separated by `,`, each a `;`-separated list of `key=value` pairs. Keys are
//   case-insensitive (By, Hash, Cert, Chain, Subject, URI, DNS, Issuer); a value containing `,`
//   `;` `=` is double-quoted with `"` written as `\"`. Spaces or tabs before a key are skipped.
//   Malformed: an empty element, a pair without `=` or with an empty key, an unterminated quote,
//   text after a closing quote, a `"` inside an unquoted value.
// - JSON (the value starts with `[`): JSON arrays of objects joined with `,` (Envoy appends its
//   element inside the last array); every object is an element; members are strings or arrays of
//   strings (`uri`, `by`, `dns`), keys matched case-insensitively. Malformed: anything that is not
//   that (invalid JSON, an empty array or object, a nested value, an escape in a key, a control
//   character).
// A URI written with escapes (`\"` in text, any in JSON) is kept as written: an invalid identity.
// The whole header is checked, in one pass, whichever element is used. The header is parsed in
// place (the host's bytes): the URI is reported as offsets, so a request allocates nothing for it.
import { RequestValue } from "./request-value";

export namespace XfccResult {
  /** The chosen element has exactly one URI: xfccUriStart/End say where. */
  export const Uri: i32 = 0;
  /** The chosen element has no URI key. */
  export const NoUri: i32 = 1;
  /** The chosen element has more than one URI key (an X.509-SVID has exactly one URI SAN). */
  export const ManyUris: i32 = 2;
  export const Malformed: i32 = 3;
}

/** Where the URI found by the last parseXfcc that returned XfccResult.Uri is in the header:
 *  bytes [xfccUriStart, xfccUriEnd), as written (a quoted value's `\"` escapes, a JSON string's
 *  escapes stay: no SPIFFE ID has `"` or `\`, so such a URI is an invalid identity). */
export let xfccUriStart = 0;
export let xfccUriEnd = 0;

// @ts-ignore: decorator
@inline
function byteAt(p: usize, i: i32): u32 {
  return <u32>load<u8>(p + <usize>i);
}

/** Whether bytes [start, end) at `s` are `uri` in any case. */
function isUriKey(s: usize, start: i32, end: i32): bool {
  return end - start == 3 && (byteAt(s, start) | 0x20) == 0x75 && (byteAt(s, start + 1) | 0x20) == 0x72 &&
    (byteAt(s, start + 2) | 0x20) == 0x69;
}

/** The result for the chosen element, which has `uris` URI keys, the last one's value at
 *  [uriStart, uriEnd). */
function chosen(uris: i32, uriStart: i32, uriEnd: i32): i32 {
  xfccUriStart = uriStart;
  xfccUriEnd = uriEnd;
  return uris == 0 ? XfccResult.NoUri : uris == 1 ? XfccResult.Uri : XfccResult.ManyUris;
}

// The last header parsed and what came of it: a proxy sends the same header for every request of
// one client, so while it repeats one comparison replaces the parse (xfccUri* still hold its URI).
const lastHeader = new RequestValue();
let lastUseLast = false;
let lastResult = XfccResult.Malformed;

/**
 * Parses the `n` bytes of a header at `header` and reports the URI of the first element
 * (`useLast` false) or the last one (`useLast` true). On XfccResult.Uri, xfccUriStart/End say
 * where it is.
 */
export function parseXfcc(header: usize, n: i32, useLast: bool): i32 {
  if (useLast == lastUseLast && lastHeader.equalsBytes(header, n)) return lastResult;
  const result = scanXfcc(header, n, useLast);
  lastHeader.copy(header, n);
  lastUseLast = useLast;
  lastResult = result;
  return result;
}

/** parseXfcc without the memory of the last header. */
function scanXfcc(header: usize, n: i32, useLast: bool): i32 {
  let i = 0;
  while (i < n && (byteAt(header, i) == 0x20 || byteAt(header, i) == 0x09)) i++;
  if (i < n && byteAt(header, i) == 0x5b) return scanJson(header, n, i, useLast);
  let element = 0;
  let result = XfccResult.NoUri;
  let uriStart = 0;
  let uriEnd = 0;
  let uris = 0;
  while (true) {
    // a key
    while (i < n && (byteAt(header, i) == 0x20 || byteAt(header, i) == 0x09)) i++;
    const keyStart = i;
    while (i < n) {
      const c = byteAt(header, i);
      if (c == 0x3d || c == 0x3b || c == 0x2c || c == 0x22) break;
      i++;
    }
    if (i == keyStart || i >= n || byteAt(header, i) != 0x3d) return XfccResult.Malformed;
    const keyEnd = i++;
    // a value
    let valueStart = i;
    let valueEnd = i;
    if (i < n && byteAt(header, i) == 0x22) {
      valueStart = ++i;
      while (true) {
        if (i >= n) return XfccResult.Malformed;
        const c = byteAt(header, i);
        if (c == 0x22) break;
        i += c == 0x5c && i + 1 < n && byteAt(header, i + 1) == 0x22 ? 2 : 1;
      }
      valueEnd = i++;
      if (i < n && byteAt(header, i) != 0x3b && byteAt(header, i) != 0x2c) return XfccResult.Malformed;
    } else {
      while (i < n) {
        const c = byteAt(header, i);
        if (c == 0x3b || c == 0x2c) break;
        if (c == 0x22) return XfccResult.Malformed;
        i++;
      }
      valueEnd = i;
    }
    if (isUriKey(header, keyStart, keyEnd) && (useLast || element == 0)) {
      uris++;
      uriStart = valueStart;
      uriEnd = valueEnd;
    }
    if (i >= n || byteAt(header, i) == 0x2c) {
      // the element ends here
      if (useLast || element == 0) result = chosen(uris, uriStart, uriEnd);
      if (i >= n) break;
      i++; // `,`
      element++;
      uris = 0;
      continue;
    }
    i++; // `;`
  }
  return result;
}

// JSON XFCC: a position in the header, and what the elements seen so far gave.
let at = 0;
let end = 0;
let base: usize = 0;

// @ts-ignore: decorator
@inline
function skipSpace(): void {
  while (at < end) {
    const c = byteAt(base, at);
    if (c != 0x20 && c != 0x09 && c != 0x0a && c != 0x0d) break;
    at++;
  }
}

/** Whether the next byte (after spaces) is `c`; consumes it if so. */
function take(c: u32): bool {
  skipSpace();
  if (at < end && byteAt(base, at) == c) {
    at++;
    return true;
  }
  return false;
}

/** Reads a JSON string (after spaces): its content is [stringStart, at - 1); -1 when there is none
 *  or it is invalid, 1 when it holds an escape, else 0. */
let stringStart = 0;
function readString(): i32 {
  if (!take(0x22)) return -1;
  stringStart = at;
  let escapes = 0;
  while (at < end) {
    const c = byteAt(base, at++);
    if (c == 0x22) return escapes;
    if (c < 0x20) return -1;
    if (c == 0x5c) {
      if (at >= end) return -1;
      const e = byteAt(base, at++);
      if (e == 0x75) {
        if (at + 4 > end) return -1;
        for (let k = 0; k < 4; k++) {
          const h = byteAt(base, at++) | 0x20;
          if (!(h - 0x30 < 10 || h - 0x61 < 6)) return -1;
        }
      } else if (e != 0x22 && e != 0x5c && e != 0x2f && e != 0x62 && e != 0x66 && e != 0x6e && e != 0x72 && e != 0x74) {
        return -1;
      }
      escapes = 1;
    }
  }
  return -1;
}

/** The JSON format from `start` (a `[`). */
function scanJson(header: usize, n: i32, start: i32, useLast: bool): i32 {
  base = header;
  at = start;
  end = n;
  let result = XfccResult.NoUri;
  let first = true;
  do {
    if (!take(0x5b)) return XfccResult.Malformed;
    do {
      // an element
      if (!take(0x7b)) return XfccResult.Malformed;
      let uris = 0;
      let uriStart = 0;
      let uriEnd = 0;
      do {
        if (readString() != 0) return XfccResult.Malformed;
        const isUri = isUriKey(header, stringStart, at - 1);
        if (!take(0x3a)) return XfccResult.Malformed;
        const list = take(0x5b);
        if (!list || !take(0x5d)) {
          do {
            if (readString() < 0) return XfccResult.Malformed;
            if (isUri) {
              uris++;
              uriStart = stringStart;
              uriEnd = at - 1;
            }
          } while (list && take(0x2c));
          if (list && !take(0x5d)) return XfccResult.Malformed;
        }
      } while (take(0x2c));
      if (!take(0x7d)) return XfccResult.Malformed;
      if (useLast || first) result = chosen(uris, uriStart, uriEnd);
      first = false;
    } while (take(0x2c));
    if (!take(0x5d)) return XfccResult.Malformed;
  } while (take(0x2c));
  skipSpace();
  return at == end ? result : XfccResult.Malformed;
}
