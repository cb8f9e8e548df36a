// The canonical `:authority` (README "Hosts"): what `to.hosts` match and, unless
// `path_forwarding` is `raw`, what goes upstream. One pass over the host's bytes:
//   - `host[:port]` or `[IPv6][:port]`; the host is letters, digits, `-`, `.`, `_` (an IPv6
//     literal: hex digits, `:`, `.`); the port 1..5 digits (policies never match it: `ports`
//     match `destination.port`);
//   - letters are lowercased and one trailing `.` of the host is dropped (DNS names are
//     case-insensitive and `a.example.` is `a.example`: Envoy's virtual hosts and nginx's
//     server_name match them alike);
//   - anything else is ambiguous (userinfo `@`, `%`-escapes, `/`, `\`, `,` of two joined Host
//     headers, spaces, non-ASCII, an empty host or port, `..`, a second `:`): AuthorityResult.Invalid.
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

/** Writes the canonical form of the `n` bytes of `:authority` at `raw` into `out`. An absent
 *  authority (n < 0) is the empty one, unchanged. */
export function canonicalAuthority(raw: usize, n: i32, out: RequestValue): i32 {
  hostLength = 0;
  out.length = 0;
  if (n <= 0) return AuthorityResult.Unchanged;
  const dst = out.reserve(n);
  const literal = load<u8>(raw) == 0x5b; // [IPv6]
  let length = 0;
  let previous: u32 = 0x2e; // a leading `.` is an empty label
  let port = -1; // how many digits of the port so far, -1 before the `:`
  let i = 0;
  for (; i < n; i++) {
    let c = <u32>load<u8>(raw + <usize>i);
    if (c - 0x41 < 26) c |= 0x20;
    const digit = c - 0x30 < 10;
    if (port >= 0) {
      if (!digit || ++port > 5) return AuthorityResult.Invalid;
    } else if (literal) {
      if (i > 0 && previous == 0x5d) { // after `]`: only the port
        if (c != 0x3a) return AuthorityResult.Invalid;
        hostLength = length;
        port = 0;
      } else if (!(i == 0 || digit || c - 0x61 < 6 || c == 0x3a || c == 0x2e || (c == 0x5d && i > 1))) {
        return AuthorityResult.Invalid;
      }
    } else if (c == 0x3a) {
      if (previous == 0x2e) {
        if (length <= 1) return AuthorityResult.Invalid;
        length--; // the trailing dot
      }
      hostLength = length;
      port = 0;
    } else if (!(digit || c - 0x61 < 26 || c == 0x2d || c == 0x5f || (c == 0x2e && previous != 0x2e))) {
      return AuthorityResult.Invalid;
    }
    store<u8>(dst + <usize>(length++), <u8>c);
    previous = c;
  }
  if (port < 0) {
    if (literal ? previous != 0x5d : previous == 0x2e && --length < 1) return AuthorityResult.Invalid;
    hostLength = length;
  } else if (port == 0) {
    return AuthorityResult.Invalid; // `:` without digits
  }
  out.length = length;
  return length == n && bytesEqualBytes(dst, raw, n) ? AuthorityResult.Unchanged : AuthorityResult.Changed;
}
