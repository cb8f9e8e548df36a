// Host properties (Envoy attributes) read without ever aborting: an absent or unreadable property
// is null / the caller's fallback. Paths are segments joined with NUL ("source\0address"); a
// dotted path is a different, usually absent, property.
import { stringToBuffer } from "./bytes";
import { getEncodedProperty, getEncodedPropertyBool, getEncodedPropertyInt } from "./encoded-host-calls";

export const SOURCE_ADDRESS = "source\0address";
export const SOURCE_PORT = "source\0port";
export const CONNECTION_MTLS = "connection\0mtls";
export const CONNECTION_URI_SAN_PEER = "connection\0uri_san_peer_certificate";

/** Joins path segments with NUL: propertyPath(["source", "address"]). */
export function propertyPath(segments: string[]): string {
  return segments.join("\0");
}

/** A string (or bytes) property as a byte string, or null. */
export function getPropertyString(path: string): string | null {
  return getEncodedProperty(stringToBuffer(path));
}

/** An int/uint/duration/timestamp property (8 bytes, little-endian), or `fallback` when absent
 *  or not 8 bytes long. */
export function getPropertyInt(path: string, fallback: i64): i64 {
  return getEncodedPropertyInt(stringToBuffer(path), fallback);
}

/** A bool property (1 byte), or `fallback` when absent or not 1 byte long. */
export function getPropertyBool(path: string, fallback: bool): bool {
  return getEncodedPropertyBool(stringToBuffer(path), fallback);
}

/** The downstream peer's IP (source.address without its port), or null. */
export function peerAddress(): string | null {
  const address = getPropertyString(SOURCE_ADDRESS);
  return address === null ? null : stripPort(address);
}

/** The host part of `ip:port` or `[v6]:port` (brackets removed); an address without a port (no
 *  colon, or a bare IPv6 address) is returned as is. */
export function stripPort(address: string): string {
  const span = hostSpanAt(changetype<usize>(address), address.length, 1);
  return span.start == 0 && span.end == address.length ? address : address.substring(span.start, span.end);
}

/** Where a host part lies: [start, end). */
export class HostSpan {
  start: i32 = 0;
  end: i32 = 0;
}

const span = new HostSpan();

/** stripPort on the `n` bytes at `p` (a value read in place): where the host part lies. The span
 *  is reused by the next call. */
export function hostSpanOf(p: usize, n: i32): HostSpan {
  return hostSpanAt(p, n, 0);
}

// `shift`: 1 over a byte string's UTF-16 code units, 0 over bytes.
function hostSpanAt(p: usize, n: i32, shift: i32): HostSpan {
  span.start = 0;
  span.end = n;
  if (n > 0 && unitAt(p, 0, shift) == 0x5b) { // [
    const close = indexOfUnit(p, 1, n, shift, 0x5d);
    if (close >= 0) {
      span.start = 1;
      span.end = close;
    }
    return span;
  }
  const colon = indexOfUnit(p, 0, n, shift, 0x3a);
  if (colon >= 0 && indexOfUnit(p, colon + 1, n, shift, 0x3a) < 0) span.end = colon;
  return span;
}

// @ts-ignore: decorator
@inline
function unitAt(p: usize, i: i32, shift: i32): u32 {
  return shift != 0 ? <u32>load<u16>(p + (<usize>i << 1)) : <u32>load<u8>(p + <usize>i);
}

function indexOfUnit(p: usize, from: i32, n: i32, shift: i32, c: u32): i32 {
  for (let i = from; i < n; i++) if (unitAt(p, i, shift) == c) return i;
  return -1;
}
