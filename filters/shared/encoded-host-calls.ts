// Request-path header and property access with names (and fixed values) encoded to bytes once at
// configure time, so a request pays no allocation to pass them to the host. Same semantics as
// headers.ts getHeader and properties.ts getPropertyString / Int / Bool, which encode the name on
// every call and then come here: a host failure reads as absent (or the fallback) and a write
// reports false.
import { bytesToString } from "./bytes";
import { hostAddHeader, hostHeaderValue, hostProperty, hostRemoveHeader, hostReplaceHeader } from "./hook-reads";
import { hostFree } from "./host-memory";

// Where the host writes a returned buffer: u32 pointer then u32 length.
const returned = memory.data(8);

/** The buffer the host just returned, as a byte string; frees the host block. */
function takeReturned(): string {
  const ptr = <usize>load<u32>(returned);
  const value = bytesToString(ptr, <usize>load<u32>(returned, 4));
  hostFree(ptr);
  return value;
}

/** A string property (path segments joined with NUL), or null when absent or unreadable. */
export function getEncodedProperty(path: ArrayBuffer): string | null {
  store<u64>(returned, 0);
  if (hostProperty(changetype<usize>(path), path.byteLength, returned, returned + 4) != 0) return null;
  return takeReturned();
}

/** The first value of header `name` in `map`, or null when absent or unreadable. */
export function getEncodedHeader(map: i32, name: ArrayBuffer): string | null {
  store<u64>(returned, 0);
  if (hostHeaderValue(map, changetype<usize>(name), name.byteLength, returned, returned + 4) != 0) return null;
  return takeReturned();
}

/** Sets `name` to `value` in `map`, replacing existing values. */
export function replaceEncodedHeader(map: i32, name: ArrayBuffer, value: ArrayBuffer): bool {
  return replaceHeaderBytes(map, name, changetype<usize>(value), value.byteLength);
}

/** Sets `name` in `map` to the `length` bytes at `value` (built in place), replacing existing
 *  values. */
export function replaceHeaderBytes(map: i32, name: ArrayBuffer, value: usize, length: i32): bool {
  return hostReplaceHeader(map, changetype<usize>(name), name.byteLength, value, length) == 0;
}

/** Appends `value` to `name` in `map` (keeps existing values of `name`). */
export function addEncodedHeader(map: i32, name: ArrayBuffer, value: ArrayBuffer): bool {
  return hostAddHeader(map, changetype<usize>(name), name.byteLength,
    changetype<usize>(value), value.byteLength) == 0;
}

/** Removes every value of `name` from `map`. */
export function removeEncodedHeader(map: i32, name: ArrayBuffer): bool {
  return hostRemoveHeader(map, changetype<usize>(name), name.byteLength) == 0;
}

/** An 8-byte integer property (little-endian), or `fallback` when absent or of another size. */
export function getEncodedPropertyInt(path: ArrayBuffer, fallback: i64): i64 {
  store<u64>(returned, 0);
  if (hostProperty(changetype<usize>(path), path.byteLength, returned, returned + 4) != 0) return fallback;
  const ptr = <usize>load<u32>(returned);
  const value = load<u32>(returned, 4) == 8 ? load<i64>(ptr) : fallback;
  hostFree(ptr);
  return value;
}

/** A 1-byte bool property, or `fallback` when absent or of another size. */
export function getEncodedPropertyBool(path: ArrayBuffer, fallback: bool): bool {
  store<u64>(returned, 0);
  if (hostProperty(changetype<usize>(path), path.byteLength, returned, returned + 4) != 0) return fallback;
  const ptr = <usize>load<u32>(returned);
  const value = load<u32>(returned, 4) == 1 ? load<u8>(ptr) != 0 : fallback;
  hostFree(ptr);
  return value;
}
