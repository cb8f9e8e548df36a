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
  if (address.startsWith("[")) {
    const close = address.indexOf("]");
    return close < 0 ? address : address.substring(1, close);
  }
  const colon = address.indexOf(":");
  if (colon < 0 || address.indexOf(":", colon + 1) >= 0) return address;
  return address.substring(0, colon);
}
