// Bucket records in shared data under `sluice:rate-limit:<rule fingerprint>:<slot>`, updated with
// compare-and-swap. Keys and records live in buffers allocated at configure, so a request costs one
// get and (when the record changes) one set, with no allocation besides the host's value copy.
//
// A key that does not exist yet is first created holding full buckets (cas 0: two workers racing
// both write the same full state), then updated with CAS like any other, so no token is lost
// to the host's "absent key ignores cas" rule.
import { proxy_get_shared_data, proxy_set_shared_data } from "@gcoredev/proxy-wasm-sdk-as/assembly/imports";
import { SharedStatus } from "../shared/shared-data";
import { Decision, decide, fillRecord, Limit, recordSize } from "./bucket";
import { hostFree } from "../shared/host-memory";

/** CAS attempts after the first before a request counts as a store error. */
// @ts-ignore: decorator
@inline export const MAX_CAS_RETRIES = 8;

// Host results: u32 pointer, u32 length, u32 cas.
const returned = memory.data(12);

/** The shared-data keys and record buffer of one rule. */
export class BucketStore {
  /** `<prefix><8 hex digits of the slot>`; the digits are rewritten per request. */
  private readonly key: ArrayBuffer;
  private readonly prefixLen: i32;
  private readonly record: ArrayBuffer;

  constructor(prefix: string, readonly limits: Limit[]) {
    this.prefixLen = prefix.length;
    this.key = new ArrayBuffer(prefix.length + 8);
    this.record = new ArrayBuffer(recordSize(limits.length));
    const base = changetype<usize>(this.key);
    for (let i = 0; i < prefix.length; i++) store<u8>(base + i, <u8>prefix.charCodeAt(i));
  }

  private setSlot(slot: u32): void {
    const digits = changetype<usize>(this.key) + this.prefixLen;
    for (let i = 0; i < 8; i++) {
      const d = (slot >> (28 - 4 * i)) & 15;
      store<u8>(digits + i, <u8>(d < 10 ? 0x30 + d : 0x57 + d)); // 0-9a-f
    }
  }

  /**
   * Takes `cost` tokens for key `owner` from `slot` at `now`, filling `d`. Returns Ok, or the
   * failing host status (CasMismatch after MAX_CAS_RETRIES lost races).
   */
  take(slot: u32, owner: u64, now: i64, cost: u64, d: Decision): u32 {
    this.setSlot(slot);
    const key = changetype<usize>(this.key);
    const keyLen = <usize>this.key.byteLength;
    const out = changetype<usize>(this.record);
    const size = <usize>this.record.byteLength;
    let created = false;
    for (let attempt = 0; attempt <= MAX_CAS_RETRIES; attempt++) {
      store<u64>(returned, 0);
      store<u32>(returned, 0, 8);
      const got = proxy_get_shared_data(key, keyLen, returned, returned + 4, returned + 8);
      if (got == SharedStatus.NotFound && !created) {
        fillRecord(this.limits, out, owner, now);
        const status = proxy_set_shared_data(key, keyLen, out, size, 0);
        if (status != SharedStatus.Ok) return status;
        created = true;
        attempt--;
        continue;
      }
      if (got != SharedStatus.Ok) return got;
      const ptr = <usize>load<u32>(returned);
      decide(this.limits, ptr, <i32>load<u32>(returned, 4), owner, now, cost, out, d);
      hostFree(ptr);
      if (!d.write) return SharedStatus.Ok;
      const status = proxy_set_shared_data(key, keyLen, out, size, load<u32>(returned, 8));
      if (status != SharedStatus.CasMismatch) return status;
    }
    return SharedStatus.CasMismatch;
  }
}
