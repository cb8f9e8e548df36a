// Header writes that encoded-host-calls.ts (shared) does not have: an entry added with a value
// encoded at configure, and a header set from bytes the filter built in place. Both report false
// when the host refuses.
import {
  proxy_add_header_map_value, proxy_replace_header_map_value,
} from "@gcoredev/proxy-wasm-sdk-as/assembly/imports";

/** Appends `value` to `name` in `map` (keeps existing values of `name`). */
export function addEncodedHeader(map: i32, name: ArrayBuffer, value: ArrayBuffer): bool {
  return proxy_add_header_map_value(map, changetype<usize>(name), name.byteLength,
    changetype<usize>(value), value.byteLength) == 0;
}

/** Sets `name` in `map` to the `length` bytes at `value`, replacing existing values. */
export function replaceHeaderBytes(map: i32, name: ArrayBuffer, value: usize, length: i32): bool {
  return proxy_replace_header_map_value(map, changetype<usize>(name), name.byteLength, value, length) == 0;
}
