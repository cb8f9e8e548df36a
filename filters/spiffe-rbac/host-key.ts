// Request-path reads keyed by HostKey: a header name or property path encoded once at configure
// time (see shared/encoded-host-calls.ts), which also serves as the identity under which a
// request's values are cached.
import { stringToBuffer } from "../shared/bytes";
import { getEncodedHeader, getEncodedProperty, getEncodedPropertyInt } from "../shared/encoded-host-calls";
import { HeaderMap } from "../shared/headers";

export class HostKey {
  readonly bytes: ArrayBuffer;

  /** `name`: a header name, or a property path with NUL-separated segments. */
  constructor(readonly name: string) {
    this.bytes = stringToBuffer(name);
  }
}

/** The first value of request header `key`, or null when absent or unreadable. */
export function requestHeader(key: HostKey): string | null {
  return getEncodedHeader(HeaderMap.RequestHeaders, key.bytes);
}

/** A string property, or null when absent or unreadable. */
export function propertyString(key: HostKey): string | null {
  return getEncodedProperty(key.bytes);
}

/** An 8-byte integer property, or `fallback` when absent or of another size. */
export function propertyInt(key: HostKey, fallback: i64): i64 {
  return getEncodedPropertyInt(key.bytes, fallback);
}
