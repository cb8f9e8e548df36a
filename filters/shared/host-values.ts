// Request values read as bytes, without making a string. A read leaves the value in the host's
// block, "the current value", until the next read through this module, so a filter can compare
// or hash it in place. Use it before the next host call of any kind: a call such as
// proxy_send_local_reply can run another callback of this module, which may read a value.
// Per request this matters: each string made costs an allocation and a later sweep, about 1,000
// guest instructions (Liftoff), while a raw host read costs about 150, so reading a header twice
// is cheaper than keeping it as a string (ARCHITECTURE.md, "Hot paths").
import { hostHeaderValue, hostProperty } from "./hook-reads";
import { hostFree } from "./host-memory";

// Where the host writes a returned buffer: u32 pointer then u32 length.
const returned = memory.data(8);
let currentPtr: usize = 0;
let currentLength: i32 = -1;

function takeCurrent(status: u32): i32 {
  if (status != 0) return -1;
  currentPtr = <usize>load<u32>(returned);
  currentLength = <i32>load<u32>(returned, 4);
  return currentLength;
}

/** Frees the current value; the next read would do it too. */
export function releaseValue(): void {
  hostFree(currentPtr);
  currentPtr = 0;
  currentLength = -1;
}

/** Reads header `name` (encoded once, e.g. with stringToBuffer) of `map` as the current value:
 *  its length, or -1 when absent or unreadable. */
export function readHeader(map: i32, name: ArrayBuffer): i32 {
  releaseValue();
  store<u64>(returned, 0);
  return takeCurrent(hostHeaderValue(map, changetype<usize>(name), name.byteLength, returned, returned + 4));
}

/** Reads property `path` (segments joined with NUL, encoded once) as the current value: its
 *  length, or -1 when absent or unreadable. */
export function readProperty(path: ArrayBuffer): i32 {
  releaseValue();
  store<u64>(returned, 0);
  return takeCurrent(hostProperty(changetype<usize>(path), path.byteLength, returned, returned + 4));
}

/** Where the current value's bytes are (valid until the next read). */
// @ts-ignore: decorator
@inline export function valuePtr(): usize {
  return currentPtr;
}

/** Byte `i` of the current value (0 <= i < valueLength()). */
// @ts-ignore: decorator
@inline export function valueByte(i: i32): i32 {
  return <i32>load<u8>(currentPtr + <usize>i);
}
