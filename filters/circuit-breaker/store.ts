// Compare-and-swap updates of circuit records in shared data without copies: the host's block
// (allocated by our malloc) is updated in place and written back, then freed. A missing record,
// or one of another size, reads as a zeroed record (closed, empty window).
// Written here rather than with shared/shared-data.ts's casUpdate, which copies the key and the
// value into new buffers on every call: this runs twice per request.
import { proxy_get_shared_data, proxy_set_shared_data } from "@gcoredev/proxy-wasm-sdk-as/assembly/imports";
import { SharedStatus } from "../shared/shared-data";
import { stringToBuffer } from "../shared/bytes";
import { CircuitRecord } from "./record";
import { hostFree } from "../shared/host-memory";

/** Attempts after the first when another VM wrote in between. */
export const CAS_RETRIES = 8;

/** Changes a record; returns true to write it back. `present`: the record was in the store. */
export abstract class RecordUpdate {
  abstract apply(rec: CircuitRecord, present: bool): bool;
}

/** A shared-data key, encoded once. */
export class StoreKey {
  readonly bytes: ArrayBuffer;
  constructor(key: string) { this.bytes = stringToBuffer(key); }
}

// Host results: u32 pointer, u32 length, u32 cas.
const returned = memory.data(12);

/**
 * Read-modify-write of the record under `key` through the view `rec` (its base is re-pointed):
 * one get, and one set when `update` asks for it, retried up to CAS_RETRIES times on a lost race.
 * Returns Ok, CasMismatch when every attempt lost, or the host's failure.
 */
export function updateRecord(key: StoreKey, rec: CircuitRecord, update: RecordUpdate): u32 {
  const keyPtr = changetype<usize>(key.bytes);
  const keyLen = <usize>key.bytes.byteLength;
  const size = rec.size;
  let status = SharedStatus.CasMismatch;
  for (let attempt = 0; attempt <= CAS_RETRIES; attempt++) {
    store<u64>(returned, 0);
    store<u32>(returned, 0, 8);
    const got = proxy_get_shared_data(keyPtr, keyLen, returned, returned + 4, returned + 8);
    if (got != SharedStatus.Ok && got != SharedStatus.NotFound) return got;
    const block = <usize>load<u32>(returned);
    const present = got == SharedStatus.Ok && load<u32>(returned, 4) == <u32>size;
    const cas = got == SharedStatus.Ok ? load<u32>(returned, 8) : 0;
    let base = block;
    if (!present) { // absent, or not this layout: start from a zeroed record
      hostFree(block);
      base = heap.alloc(<usize>size);
      memory.fill(base, 0, <usize>size);
    }
    rec.base = base;
    const write = update.apply(rec, present);
    status = write ? proxy_set_shared_data(keyPtr, keyLen, base, <usize>size, cas) : SharedStatus.Ok;
    rec.base = 0;
    hostFree(base); // the host's block or the zeroed one
    if (status != SharedStatus.CasMismatch) return status;
  }
  return status;
}
