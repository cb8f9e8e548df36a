// The canonical `:authority` (README "Hosts"): what `to.hosts` match and, unless
// `path_forwarding` is `raw`, what goes upstream. One pass over the host's bytes:
//   - `host[:port]` or `[IPv6][:port]`; the host is letters, digits, `-`, `.`, `_` (an IPv6
//     literal: hex digits, `:`, `.`); the port 1..5 digits, no leading zero;
//   - letters are lowercased and one trailing `.` of the host is dropped (DNS names are
//     case-insensitive and `a.example.` is `a.example`: Envoy's virtual hosts and nginx's
//     server_name match them alike);
//   - anything else is ambiguous (userinfo `@`, `%`-escapes, `/`, `\`, spaces, non-ASCII, an empty
//     host or port, `..`, a second `:`): AuthorityResult.Invalid.
// The canonical authority (host then `:port`) is written into a RequestValue; hostLength says
// where the host (the matched part) ends.
import { bytesEqualBytes } from "../shared/bytes";
import { RequestValue } from "./request-value";

export namespace AuthorityResult {
  export const Invalid: i32 = 0;
  export const Unchanged: i32 = 1;
  export const Changed: i32 = 2;
}

/** After canonicalAuthority: where the host ends in its `out` (the port follows). */
export let hostLength = 0;

// @ts-ignore: decorator
@inline
function byteAt(p: usize, i: i32): u32 {
  return <u32>load<u8>(p + <usize>i);
}

// @ts-ignore: decorator
@inline
function isDigit(c: u32): bool {
  return c - 0x30 < 10;
}

/** Whether `c` may be in a host name (after lowercasing). */
// @ts-ignore: decorator
@inline
function isHostByte(c: u32): bool {
  return (c - 0x61 < 26) || isDigit(c) || c == 0x2d || c == 0x2e || c == 0x5f;
}

/** Writes the canonical form of the `n` bytes of `:authority` at `raw` into `out`. An absent
 *  authority (n < 0) is the empty one, unchanged. */
export function canonicalAuthority(raw: usize, n: i32, out: RequestValue): i32 {
  hostLength = 0;
  if (n <= 0) {
    out.length = 0;
    return AuthorityResult.Unchanged;
  }
  const dst = out.reserve(n);
  let i = 0;
  let length = 0;
  if (byteAt(raw, 0) == 0x5b) { // [IPv6]
    store<u8>(dst, 0x5b);
    length = 1;
    i = 1;
    while (i < n && byteAt(raw, i) != 0x5d) {
      let c = byteAt(raw, i++);
      if (c - 0x41 < 26) c |= 0x20;
      if (!(isDigit(c) || c - 0x61 < 6 || c == 0x3a || c == 0x2e)) return AuthorityResult.Invalid;
      store<u8>(dst + <usize>(length++), <u8>c);
    }
    if (i >= n || length == 1) return AuthorityResult.Invalid;
    store<u8>(dst + <usize>(length++), 0x5d);
    i++;
  } else {
    let previous: u32 = 0x2e; // a leading `.` is an empty label
    while (i < n && byteAt(raw, i) != 0x3a) {
      let c = byteAt(raw, i++);
      if (c - 0x41 < 26) c |= 0x20;
      if (!isHostByte(c) || (c == 0x2e && previous == 0x2e)) return AuthorityResult.Invalid;
      store<u8>(dst + <usize>(length++), <u8>c);
      previous = c;
    }
    if (previous == 0x2e) {
      if (length <= 1) return AuthorityResult.Invalid;
      length--; // the trailing dot
    }
  }
  hostLength = length;
  if (i < n) {
    // `:port`
    if (byteAt(raw, i) != 0x3a) return AuthorityResult.Invalid;
    const digits = n - i - 1;
    if (digits < 1 || digits > 5 || byteAt(raw, i + 1) == 0x30) return AuthorityResult.Invalid;
    let port = 0;
    store<u8>(dst + <usize>(length++), 0x3a);
    for (let k = i + 1; k < n; k++) {
      const c = byteAt(raw, k);
      if (!isDigit(c)) return AuthorityResult.Invalid;
      port = port * 10 + <i32>(c - 0x30);
      store<u8>(dst + <usize>(length++), <u8>c);
    }
    if (port > 65535) return AuthorityResult.Invalid;
  }
  out.length = length;
  return length == n && bytesEqualBytes(dst, raw, n) ? AuthorityResult.Unchanged : AuthorityResult.Changed;
}
