// x-forwarded-client-cert (Envoy's format): elements separated by `,` (one per proxy hop, the
// nearest hop last), each a `;`-separated list of `key=value` pairs. Keys are case-insensitive
// (By, Hash, Cert, Chain, Subject, URI, DNS); a value containing `,` `;` `=` is double-quoted with
// `"` written as `\"`. Spaces or tabs before a key are skipped. The whole header is checked, in one
// pass, whichever element is used: anything else (an empty element, a pair without `=` or with an
// empty key, an unterminated quote, text after a closing quote, a `"` inside an unquoted value) makes
// the header malformed.

export namespace XfccResult {
  /** The chosen element has exactly one URI: `xfccUri` holds it. */
  export const Uri: i32 = 0;
  /** The chosen element has no URI key. */
  export const NoUri: i32 = 1;
  /** The chosen element has more than one URI key (an X.509-SVID has exactly one URI SAN). */
  export const ManyUris: i32 = 2;
  export const Malformed: i32 = 3;
}

/** The URI found by the last parseXfcc that returned XfccResult.Uri. */
export let xfccUri = "";

// @ts-ignore: decorator
@inline
function byteAt(s: string, i: i32): u32 {
  return <u32>load<u16>(changetype<usize>(s) + (<usize>i << 1));
}

/** Whether s[start, end) is `uri` in any case. */
function isUriKey(s: string, start: i32, end: i32): bool {
  return end - start == 3 && (byteAt(s, start) | 0x20) == 0x75 && (byteAt(s, start + 1) | 0x20) == 0x72 &&
    (byteAt(s, start + 2) | 0x20) == 0x69;
}

/** s[start, end) of a quoted value's content with `\"` turned into `"`. */
function unescapeQuoted(s: string, start: i32, end: i32): string {
  let out = "";
  let from = start;
  for (let i = start; i < end; i++) {
    if (byteAt(s, i) == 0x5c && i + 1 < end && byteAt(s, i + 1) == 0x22) {
      out += s.substring(from, i);
      from = i + 1;
      i++;
    }
  }
  return out + s.substring(from, end);
}

/**
 * Parses `header` and reports the URI of the first element (`useLast` false) or the last one
 * (`useLast` true). On XfccResult.Uri the value is in `xfccUri`.
 */
export function parseXfcc(header: string, useLast: bool): i32 {
  const n = header.length;
  let i = 0;
  let element = 0;
  let result = XfccResult.NoUri;
  let uri = "";
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
    let quoted = false;
    if (i < n && byteAt(header, i) == 0x22) {
      quoted = true;
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
      uri = quoted ? unescapeQuoted(header, valueStart, valueEnd) : header.substring(valueStart, valueEnd);
    }
    if (i >= n || byteAt(header, i) == 0x2c) {
      // the element ends here
      if (useLast || element == 0) {
        result = uris == 0 ? XfccResult.NoUri : uris == 1 ? XfccResult.Uri : XfccResult.ManyUris;
        xfccUri = uris == 1 ? uri : "";
      }
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
