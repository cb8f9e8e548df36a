// Compare-and-swap updates of circuit records in shared data through this VM's copy of a record:
// a read copies the host's block (the scratch block, shared/host-memory.ts) into the copy, the
// update changes the copy and a write sends it back with the cas of the read. A missing record,
// or one of another size, reads as a zeroed record (closed, empty window).
// A read not followed by a write leaves the copy equal to the record as of that cas, so the copy
// stands in for the next read of the same key: a write with that cas succeeds only if nobody wrote
// the record since. Recording an outcome after an admission that wrote nothing (a closed circuit)
// is then one host call instead of two.
// Written here rather than with shared/shared-data.ts's casUpdate, which copies the key and the
// value into new buffers on every call: this runs twice per request.
import { proxy_get_shared_data, proxy_set_shared_data } from "@gcoredev/proxy-wasm-sdk-as/assembly/imports";
import { SharedStatus } from "../shared/shared-data";
import { nowMs } from "./clock";
import { Circuit } from "./config";
import { CircuitRecord, recordBytes } from "./record";
import { hostFree } from "../shared/host-memory";

/** Attempts after the first when another VM wrote in between. */
export const CAS_RETRIES = 8;

/** Changes a record; returns true to write it back. `present`: the record was in the store.
 *  An update that returns false must leave the record unchanged: the copy it changed then still
 *  stands for the stored record (RecordCopy). An update reads the host clock at most once per
 *  request (resetClock), and only when the record needs it. */
export abstract class RecordUpdate {
  /** The time read since resetClock(), or -1. */
  private clockMs: i64 = -1;

  abstract apply(rec: CircuitRecord, present: bool): bool;

  /** Forgets the time read for the previous request. */
  // @ts-ignore: decorator
  @inline resetClock(): void { this.clockMs = -1; }

  /** Uses `ms` as the time until the next resetClock(). */
  // @ts-ignore: decorator
  @inline setClock(ms: i64): void { this.clockMs = ms; }

  now(): i64 {
    if (this.clockMs < 0) this.clockMs = nowMs();
    return this.clockMs;
  }
}

// Host results: u32 pointer, u32 length, u32 cas.
const returned = memory.data(12);

/** This VM's copy of one of a circuit's records, and which record it is as of which cas. */
export class RecordCopy extends CircuitRecord {
  /** Set by read(): the record was in the store with this layout. */
  present: bool = false;
  /** Set by read(): the cas to write with (0 when the record was absent). */
  readCas: u32 = 0;
  /** The copy's bytes (`base` points into them). */
  private readonly bytes: ArrayBuffer;
  /** The key whose record the copy equals at cas `cas`; `cas` 0: the copy stands for no record. */
  private key: ArrayBuffer | null = null;
  private cas: u32 = 0;

  constructor(circuit: Circuit) {
    super(circuit);
    this.bytes = new ArrayBuffer(recordBytes(circuit));
    this.base = changetype<usize>(this.bytes);
  }

  /** The cas at which the copy equals `key`'s record, or 0 when it does not. */
  casOf(key: ArrayBuffer): u32 {
    return this.key === key ? this.cas : 0;
  }

  /** Reads the record under `key` into the copy (zeroed when absent or of another size); returns
   *  the host's status and sets `present` and `readCas`. */
  read(key: ArrayBuffer): u32 {
    store<u64>(returned, 0);
    store<u32>(returned, 0, 8);
    const got = proxy_get_shared_data(changetype<usize>(key), key.byteLength, returned, returned + 4, returned + 8);
    const block = <usize>load<u32>(returned);
    this.present = got == SharedStatus.Ok && load<u32>(returned, 4) == <u32>this.size;
    this.readCas = got == SharedStatus.Ok ? load<u32>(returned, 8) : 0;
    if (this.present) memory.copy(this.base, block, <usize>this.size);
    else memory.fill(this.base, 0, <usize>this.size);
    hostFree(block);
    this.key = key;
    this.cas = this.present ? this.readCas : 0;
    return got;
  }

  /** Writes the copy under `key` with `cas`. Afterwards the copy stands for no record: the new cas
   *  is not known, or the write lost. */
  write(key: ArrayBuffer, cas: u32): u32 {
    this.cas = 0;
    return proxy_set_shared_data(changetype<usize>(key), key.byteLength, this.base, <usize>this.size, cas);
  }
}

/**
 * Read-modify-write of the record under `key` (encoded once) through `copy`: one get (none when
 * the copy still holds the record), and one set when `update` asks for it, retried up to
 * CAS_RETRIES times on a lost race. Returns Ok, CasMismatch when every attempt lost, or the host's
 * failure.
 */
export function updateRecord(key: ArrayBuffer, copy: RecordCopy, update: RecordUpdate): u32 {
  let cached = copy.casOf(key); // not 0: the copy stands for the record, no read needed
  let status = SharedStatus.CasMismatch;
  for (let attempt = 0; attempt <= CAS_RETRIES;) {
    if (cached == 0) {
      const got = copy.read(key);
      if (got != SharedStatus.Ok && got != SharedStatus.NotFound) return got;
    }
    if (!update.apply(copy, cached != 0 || copy.present)) {
      if (cached == 0) return SharedStatus.Ok;
      cached = 0; // nothing to write proves nothing about a copy: read the record
      continue;
    }
    status = copy.write(key, cached != 0 ? cached : copy.readCas);
    if (status != SharedStatus.CasMismatch) return status;
    cached = 0; // a lost race
    attempt++;
  }
  return status;
}
