// IP addresses and CIDR ranges for client-IP keys: text (bytes at a pointer, e.g. a header value
// read in place) parsed into 16 bytes (IPv4 as the last 4 bytes of an IPv4-mapped address, so one
// compare serves both families). Parsing writes into a caller's buffer: no allocation on request
// paths.
import { stringToBuffer } from "../shared/bytes";

/** Address families as parsed. */
export namespace Family {
  export const Invalid: i32 = 0;
  export const V4: i32 = 4;
  export const V6: i32 = 6;
}

// @ts-ignore: decorator
@inline
function hexDigit(c: i32): i32 {
  if (c >= 0x30 && c <= 0x39) return c - 0x30;
  const lower = c | 0x20;
  if (lower >= 0x61 && lower <= 0x66) return lower - 0x61 + 10;
  return -1;
}

/** Parses dotted-quad IPv4 bytes s[start, end) into out[12..16); false when not exactly four decimal
 *  octets 0..255 without leading zeros. */
function parseV4(s: usize, start: i32, end: i32, out: StaticArray<u8>): bool {
  let octet = 0;
  let digits = 0;
  let part = 0;
  for (let i = start; i <= end; i++) {
    const c = i < end ? load<u8>(s + <usize>i) : 0x2e;
    if (c == 0x2e) {
      if (digits == 0 || part == 4) return false;
      unchecked(out[12 + part] = <u8>octet);
      part++;
      octet = 0;
      digits = 0;
    } else if (c >= 0x30 && c <= 0x39) {
      if (digits > 0 && octet == 0) return false; // leading zero
      octet = octet * 10 + c - 0x30;
      if (++digits > 3 || octet > 255) return false;
    } else {
      return false;
    }
  }
  return part == 4;
}

/** Parses IPv6 s[start, end) (RFC 4291 text, `::` once, optional trailing dotted IPv4) into out
 *  (at least 2 bytes: parseIp). */
function parseV6(s: usize, start: i32, end: i32, out: StaticArray<u8>): bool {
  const o = changetype<usize>(out);
  let groups = 0; // 16-bit groups written
  let gap = -1; // group index where `::` stands
  let i = start;
  if (load<u8>(s + <usize>i) == 0x3a) {
    if (load<u8>(s + <usize>i, 1) != 0x3a) return false;
    gap = 0;
    i += 2;
  }
  while (i < end) {
    if (groups == 8) return false;
    let j = i;
    let value = 0;
    let d = 0;
    while (j < end && j - i < 5 && (d = hexDigit(load<u8>(s + <usize>j))) >= 0) {
      value = (value << 4) | d;
      j++;
    }
    if (j < end && load<u8>(s + <usize>j) == 0x2e) {
      // a trailing dotted IPv4 takes the last two groups
      if (groups > 6 || !parseV4(s, i, end, out)) return false;
      memory.copy(o + <usize>(groups * 2), o + 12, 4);
      groups += 2;
      break;
    }
    if (j == i || j - i > 4) return false;
    store<u16>(o + <usize>(groups * 2), bswap<u16>(<u16>value)); // big-endian
    groups++;
    if (j == end) break;
    if (load<u8>(s + <usize>j) != 0x3a) return false;
    i = j + 1;
    if (i == end) return false; // trailing single colon
    if (load<u8>(s + <usize>i) == 0x3a) {
      if (gap >= 0) return false;
      gap = groups;
      i++;
    }
  }
  if (gap < 0) return groups == 8;
  if (groups == 8) return false;
  // move the groups after the gap to the end, zero the gap
  const tail = <usize>((groups - gap) * 2);
  memory.copy(o + 16 - tail, o + <usize>(gap * 2), tail);
  memory.fill(o + <usize>(gap * 2), 0, <usize>(16 - groups * 2));
  return true;
}

/** Parses an IPv4 or IPv6 address in s[start, end) into `out`; returns its Family. */
export function parseIp(s: usize, start: i32, end: i32, out: StaticArray<u8>): i32 {
  if (end - start < 2 || end - start > 45) return Family.Invalid;
  for (let i = start; i < end; i++) {
    if (load<u8>(s + <usize>i) == 0x3a) return parseV6(s, start, end, out) ? Family.V6 : Family.Invalid;
  }
  if (!parseV4(s, start, end, out)) return Family.Invalid;
  for (let k = 0; k < 10; k++) unchecked(out[k] = 0);
  unchecked(out[10] = 0xff);
  unchecked(out[11] = 0xff);
  return Family.V4;
}

/** An address range: `10.0.0.0/8`, `2001:db8::/32`. */
export class Cidr {
  readonly bytes: StaticArray<u8> = new StaticArray<u8>(16);
  family: i32 = Family.Invalid;
  /** Prefix length in bits over the 16-byte form (IPv4 prefixes + 96). */
  bits: i32 = 0;

  /** A range from text, or null when it is not a valid CIDR (host bits must be zero). */
  static parse(text: string): Cidr | null {
    const slash = text.indexOf("/");
    if (slash < 0) return null;
    const cidr = new Cidr();
    const family = parseIp(changetype<usize>(stringToBuffer(text)), 0, slash, cidr.bytes);
    if (family == Family.Invalid) return null;
    cidr.family = family;
    // the prefix length: 1 to 3 decimal digits without a leading zero
    const digits = text.length - slash - 1;
    if (digits == 0 || digits > 3 || (digits > 1 && text.charCodeAt(slash + 1) == 0x30)) return null;
    let len = 0;
    for (let i = slash + 1; i < text.length; i++) {
      const c = text.charCodeAt(i);
      if (c < 0x30 || c > 0x39) return null;
      len = len * 10 + c - 0x30;
    }
    // over the 16-byte form: IPv4 prefixes + 96
    if (family == Family.V4) len += 96;
    if (len > 128) return null;
    cidr.bits = len;
    for (let bit = len; bit < 128; bit++) {
      if ((unchecked(cidr.bytes[bit >> 3]) >> <u8>(7 - (bit & 7))) & 1) return null;
    }
    return cidr;
  }

  /** Whether address `addr` (16-byte form) of `family` is inside this range. */
  contains(addr: StaticArray<u8>, family: i32): bool {
    if (family != this.family) return false;
    const full = this.bits >> 3;
    for (let i = 0; i < full; i++) {
      if (unchecked(addr[i]) != unchecked(this.bytes[i])) return false;
    }
    const rest = this.bits & 7;
    if (rest == 0) return true;
    const mask = <u8>(0xff << <u8>(8 - rest));
    return (unchecked(addr[full]) & mask) == unchecked(this.bytes[full]);
  }
}
