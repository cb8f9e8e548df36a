// Sets of bucket records (bucket.ts) in shared data under `sluice:rate-limit:<rule fingerprint>:<set>`,
// updated with compare-and-swap: a set is one value, so finding the key's way, taking a free one
// and drawing tokens are one atomic step across workers. Keys and records live in buffers
// allocated at configure, so a request costs one get and (when the set changes) one set, with no
// allocation besides the host's value copy.
//
// A set that does not exist yet is written with a cas no stored value has (CREATE_CAS): the host
// ignores the cas of an absent key, so the write creates it; if another worker created the set
// in between, the host answers CasMismatch instead of overwriting that worker's tokens, and the
// request reads again.
//
// The process's seed (setOf in key.ts) is created the same way under `sluice:rate-limit:seed` by
// the first VM that configures a rule of several sets; every other VM of the process reads it.
import { proxy_get_shared_data, proxy_set_shared_data } from "@gcoredev/proxy-wasm-sdk-as/assembly/imports";
import { stringToBuffer } from "../shared/bytes";
import { SharedStatus } from "../shared/shared-data";
import { Decision, decide, Limit, recordSize, WAYS } from "./bucket";
import { hostFree } from "../shared/host-memory";
import { hostRandom64 } from "../shared/host-random";

/** CAS attempts after the first before a request counts as a store error. */
// @ts-ignore: decorator
@inline export const MAX_CAS_RETRIES = 8;

/** The cas of a creating write: the host's cas counter would have to wrap to reach it. */
// @ts-ignore: decorator
@inline const CREATE_CAS: u32 = 0xffffffff;

// Host results: u32 pointer, u32 length, u32 cas.
const returned = memory.data(12);
const drawn = memory.data(8);

/** Reads `key` into `returned` (pointer, length, cas); the host status. */
// @ts-ignore: decorator
@inline function getShared(key: usize, keyLen: usize): u32 {
  store<u64>(returned, 0);
  store<u32>(returned, 0, 8);
  return proxy_get_shared_data(key, keyLen, returned, returned + 4, returned + 8);
}

/**
 * The seed of this Envoy process: 8 bytes from WASI random_get (XOR `fallback`, e.g. the clock,
 * should the host's random source fail), stored in shared data by the first VM to ask; a VM that
 * loses the creating race, and every later one, reads the winner's. If shared data fails: the
 * VM's own draw (a key still never shares a bucket, but workers may place it in different sets).
 */
export function processSeed(fallback: u64): u64 {
  const keyBuffer = stringToBuffer("sluice:rate-limit:seed");
  const key = changetype<usize>(keyBuffer);
  const keyLen = <usize>keyBuffer.byteLength;
  store<u64>(drawn, hostRandom64(fallback));
  for (let attempt = 0; attempt <= MAX_CAS_RETRIES; attempt++) {
    const got = getShared(key, keyLen);
    let cas = CREATE_CAS;
    if (got == SharedStatus.Ok) {
      const ptr = <usize>load<u32>(returned);
      const stored = load<u32>(returned, 4) == 8;
      const seed = stored ? load<u64>(ptr) : 0;
      hostFree(ptr);
      if (stored) return seed;
      cas = load<u32>(returned, 8); // not a seed: replaced
    } else if (got != SharedStatus.NotFound) {
      break;
    }
    if (proxy_set_shared_data(key, keyLen, drawn, 8, cas) != SharedStatus.CasMismatch) break;
  }
  return load<u64>(drawn);
}

/** The store of the sets named `<prefix><8 hex digits of the set>`, with `limits`. */
export function bucketStore(prefix: string, limits: Limit[]): BucketStore {
  return new BucketStore(stringToBuffer(prefix + "00000000"), prefix.length, new ArrayBuffer(recordSize(limits.length) * <i32>WAYS),
    limits);
}

/** The shared-data keys and set buffer of one rule (or of its overflow bucket). */
export class BucketStore {
  constructor(
    /** The set's key: `prefixLen` bytes of prefix, then 8 digits rewritten per request. */
    private readonly key: ArrayBuffer,
    private readonly prefixLen: i32,
    /** Where the set a request writes back is made. */
    private readonly record: ArrayBuffer,
    readonly limits: Limit[],
  ) {}

  private setSlot(slot: u32): void {
    const digits = changetype<usize>(this.key) + this.prefixLen;
    for (let i = 0; i < 8; i++) {
      const d = (slot >> (28 - 4 * i)) & 15;
      store<u8>(digits + i, <u8>(d < 10 ? 0x30 + d : 0x57 + d)); // 0-9a-f
    }
  }

  /**
   * Takes `cost` tokens for key `owner` (not 0) from its way of set `slot` (`ways` records) at
   * `now`, filling `d`. Returns Ok, or the failing host status (CasMismatch after MAX_CAS_RETRIES
   * lost races).
   */
  take(slot: u32, ways: i32, owner: u64, now: i64, cost: u64, d: Decision): u32 {
    this.setSlot(slot);
    const key = changetype<usize>(this.key);
    const keyLen = <usize>this.key.byteLength;
    const out = changetype<usize>(this.record);
    const size = <usize>(recordSize(this.limits.length) * ways);
    for (let attempt = 0; attempt <= MAX_CAS_RETRIES; attempt++) {
      const got = getShared(key, keyLen);
      let cas = CREATE_CAS;
      if (got == SharedStatus.NotFound) {
        decide(this.limits, 0, 0, ways, owner, now, cost, out, d);
      } else if (got == SharedStatus.Ok) {
        const ptr = <usize>load<u32>(returned);
        decide(this.limits, ptr, <i32>load<u32>(returned, 4), ways, owner, now, cost, out, d);
        hostFree(ptr);
        cas = load<u32>(returned, 8);
      } else {
        return got;
      }
      if (!d.write) return SharedStatus.Ok;
      const status = proxy_set_shared_data(key, keyLen, out, size, cas);
      if (status != SharedStatus.CasMismatch) return status;
    }
    return SharedStatus.CasMismatch;
  }
}
