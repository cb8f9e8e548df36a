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

/** Parses IPv6 s[start, end) (RFC 4291 text, `::` once, optional trailing dotted IPv4) into out. */
function parseV6(s: usize, start: i32, end: i32, out: StaticArray<u8>): bool {
  let groups = 0; // 16-bit groups written
  let gap = -1; // group index where `::` stands
  let i = start;
  if (end - start >= 2 && load<u8>(s + <usize>i) == 0x3a) {
    if (load<u8>(s + <usize>(i + 1)) != 0x3a) return false;
    gap = 0;
    i += 2;
  }
  while (i < end) {
    if (groups == 8) return false;
    // a trailing dotted IPv4 takes the last two groups
    let j = i;
    let value = 0;
    while (j < end && j - i < 5) {
      const d = hexDigit(load<u8>(s + <usize>j));
      if (d < 0) break;
      value = (value << 4) | d;
      j++;
    }
    if (j < end && load<u8>(s + <usize>j) == 0x2e) {
      if (groups > 6 || !parseV4(s, i, end, out)) return false;
      for (let k = 0; k < 4; k++) unchecked(out[groups * 2 + k] = out[12 + k]);
      groups += 2;
      i = end;
      break;
    }
    if (j == i || j - i > 4) return false;
    unchecked(out[groups * 2] = <u8>(value >> 8));
    unchecked(out[groups * 2 + 1] = <u8>value);
    groups++;
    i = j;
    if (i == end) break;
    if (load<u8>(s + <usize>i) != 0x3a) return false;
    i++;
    if (i < end && load<u8>(s + <usize>i) == 0x3a) {
      if (gap >= 0) return false;
      gap = groups;
      i++;
    } else if (i == end) {
      return false; // trailing single colon
    }
  }
  if (gap < 0) return groups == 8;
  if (groups == 8) return false;
  // move the groups after the gap to the end, zero the gap
  const tail = groups - gap;
  for (let k = tail * 2 - 1; k >= 0; k--) unchecked(out[16 - tail * 2 + k] = out[gap * 2 + k]);
  for (let k = gap * 2; k < 16 - tail * 2; k++) unchecked(out[k] = 0);
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
    cidr.family = parseIp(changetype<usize>(stringToBuffer(text)), 0, slash, cidr.bytes);
    if (cidr.family == Family.Invalid) return null;
    const lenText = text.substring(slash + 1);
    const maxBits = cidr.family == Family.V4 ? 32 : 128;
    if (lenText.length == 0 || lenText.length > 3) return null;
    let len = 0;
    for (let i = 0; i < lenText.length; i++) {
      const c = lenText.charCodeAt(i);
      if (c < 0x30 || c > 0x39 || (i == 0 && c == 0x30 && lenText.length > 1)) return null;
      len = len * 10 + c - 0x30;
    }
    if (len > maxBits) return null;
    cidr.bits = cidr.family == Family.V4 ? len + 96 : len;
    for (let bit = cidr.bits; bit < 128; bit++) {
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
