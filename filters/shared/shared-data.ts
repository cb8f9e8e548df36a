// Shared data (one store per vm_id, shared by every worker VM) with compare-and-swap.
// Values are raw bytes: keep them as fixed-size binary records (store<T>/load<T> at offsets of an
// ArrayBuffer) rather than text, so a read-modify-write costs no parsing.
// Host semantics (proxy-wasm-cpp-host): cas 0 writes unconditionally, and a key that does not exist
// yet is written whatever the cas, so two VMs creating the same key at once can both succeed (the
// later write wins); there is no delete.
import { proxy_get_shared_data, proxy_set_shared_data } from "@gcoredev/proxy-wasm-sdk-as/assembly/imports";
import { writeString } from "./bytes";
import { hostFree } from "./host-memory";

export namespace SharedStatus {
  export const Ok: u32 = 0;
  export const NotFound: u32 = 1;
  export const CasMismatch: u32 = 8;
}

/** A value read from shared data and the cas to write it back with. */
export class SharedValue {
  constructor(public data: ArrayBuffer, public cas: u32) {}
}

/** Computes the next value from the current one (null when the key is absent); null means "write
 *  nothing". Called again with a fresh value when another VM wrote in between. */
export abstract class CasUpdate {
  abstract apply(current: ArrayBuffer | null): ArrayBuffer | null;
}

// Host results: u32 pointer, u32 length, u32 cas.
const returned = memory.data(12);

function keyToHeap(key: string): usize {
  const ptr = heap.alloc(<usize>key.length);
  writeString(key, ptr);
  return ptr;
}

/** Reads the key at (keyPtr, keyLen); returns the host status, the value and cas in `returned`. */
function getRaw(keyPtr: usize, keyLen: usize): u32 {
  store<u64>(returned, 0);
  store<u32>(returned, 0, 8);
  return proxy_get_shared_data(keyPtr, keyLen, returned, returned + 4, returned + 8);
}

/** Copies the value of the last successful getRaw into an ArrayBuffer and frees the host block. */
function takeValue(): ArrayBuffer {
  const ptr = <usize>load<u32>(returned);
  const len = <i32>load<u32>(returned, 4);
  const data = new ArrayBuffer(len);
  if (ptr != 0) {
    memory.copy(changetype<usize>(data), ptr, <usize>len);
    hostFree(ptr);
  }
  return data;
}

function setRaw(keyPtr: usize, keyLen: usize, value: ArrayBuffer, cas: u32): u32 {
  return proxy_set_shared_data(keyPtr, keyLen, changetype<usize>(value), value.byteLength, cas);
}

/** The value of `key` with its cas, or null when absent or unreadable. */
export function sharedGet(key: string): SharedValue | null {
  const keyPtr = keyToHeap(key);
  const status = getRaw(keyPtr, key.length);
  heap.free(keyPtr);
  if (status != SharedStatus.Ok) return null;
  const data = takeValue();
  return new SharedValue(data, load<u32>(returned, 8));
}

/** Writes `value` if the stored cas still equals `cas` (0: unconditionally). Returns the host
 *  status: Ok, CasMismatch, or another failure. */
export function sharedSet(key: string, value: ArrayBuffer, cas: u32): u32 {
  const keyPtr = keyToHeap(key);
  const status = setRaw(keyPtr, key.length, value, cas);
  heap.free(keyPtr);
  return status;
}

/**
 * Read-modify-write of `key` with `update`: one get and one set when no other VM interferes,
 * retried up to `maxRetries` more times on CasMismatch. Returns Ok (also when `update` chose not to
 * write), CasMismatch when every attempt lost the race, or the host's failure status.
 */
export function casUpdate(key: string, update: CasUpdate, maxRetries: i32): u32 {
  const keyPtr = keyToHeap(key);
  const keyLen = <usize>key.length;
  let status = SharedStatus.CasMismatch;
  for (let attempt = 0; attempt <= maxRetries; attempt++) {
    const got = getRaw(keyPtr, keyLen);
    if (got != SharedStatus.Ok && got != SharedStatus.NotFound) { status = got; break; }
    const current = got == SharedStatus.Ok ? takeValue() : null;
    const cas = got == SharedStatus.Ok ? load<u32>(returned, 8) : 0;
    const next = update.apply(current);
    if (next === null) { status = SharedStatus.Ok; break; }
    status = setRaw(keyPtr, keyLen, next, cas);
    if (status != SharedStatus.CasMismatch) break;
  }
  heap.free(keyPtr);
  return status;
}
