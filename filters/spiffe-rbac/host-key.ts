// Request-path reads with names encoded once at configure time: shared/headers.ts and
// shared/properties.ts copy the name to a fresh heap block on every call, which is most of the
// cost of a read. A HostKey holds the name's bytes for the life of the configuration.
import { proxy_get_header_map_value, proxy_get_property } from "@gcoredev/proxy-wasm-sdk-as/assembly/imports";
import { bytesToString, stringToBuffer } from "../shared/bytes";
import { HeaderMap } from "../shared/headers";

export class HostKey {
  readonly bytes: ArrayBuffer;

  /** `name`: a header name, or a property path with NUL-separated segments. */
  constructor(readonly name: string) {
    this.bytes = stringToBuffer(name);
  }
}

// Where the host writes a returned buffer: u32 pointer then u32 length.
const returned = memory.data(8);

/** The value the host just returned as a byte string; frees the host block. */
function takeReturned(): string {
  const ptr = <usize>load<u32>(returned);
  const value = bytesToString(ptr, <usize>load<u32>(returned, 4));
  if (ptr != 0) heap.free(ptr);
  return value;
}

/** The first value of request header `key`, or null when absent or unreadable. */
export function requestHeader(key: HostKey): string | null {
  store<u64>(returned, 0);
  const bytes = key.bytes;
  if (proxy_get_header_map_value(HeaderMap.RequestHeaders, changetype<usize>(bytes), bytes.byteLength, returned, returned + 4) != 0) {
    return null;
  }
  return takeReturned();
}

/** A string property, or null when absent or unreadable. */
export function propertyString(key: HostKey): string | null {
  store<u64>(returned, 0);
  const bytes = key.bytes;
  if (proxy_get_property(changetype<usize>(bytes), bytes.byteLength, returned, returned + 4) != 0) return null;
  return takeReturned();
}

/** An 8-byte integer property, or `fallback` when absent or of another size. */
export function propertyInt(key: HostKey, fallback: i64): i64 {
  store<u64>(returned, 0);
  const bytes = key.bytes;
  if (proxy_get_property(changetype<usize>(bytes), bytes.byteLength, returned, returned + 4) != 0) return fallback;
  const ptr = <usize>load<u32>(returned);
  const value = load<u32>(returned, 4) == 8 ? load<i64>(ptr) : fallback;
  if (ptr != 0) heap.free(ptr);
  return value;
}
