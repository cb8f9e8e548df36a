// Percentage splits in basis points (1/10,000). A keyed split hashes its salt, a NUL byte and the
// key's bytes (shared/hash.ts hash32Bytes, the same on every VM and after restarts), so one user
// always lands in the same bucket of one split while splits with different salts are independent.
// A random split draws its bucket from the VM's generator (random.ts).
import { stringToBuffer } from "../shared/bytes";
import { hash32Bytes } from "../shared/hash";

// @ts-ignore: decorator
@inline export const BASIS_POINTS: u32 = 10_000;

/** Seed for hash32 that makes hash32(key, seed) equal hash32(salt + "\0" + key, 0): the FNV-1a
 *  state after the salt and the NUL, XOR the FNV offset basis that hash32 starts from. */
export function saltSeed(salt: string): u32 {
  let h: u32 = 0x811c9dc5;
  for (let i = 0, n = salt.length; i < n; i++) {
    h = (h ^ (<u32>salt.charCodeAt(i) & 0xff)) * 0x01000193;
  }
  h = h * 0x01000193; // the NUL separator: h ^ 0 == h
  return h ^ 0x811c9dc5;
}

/** Maps 32 uniformly distributed bits onto 0..9999. */
// @ts-ignore: decorator
@inline
export function toBucket(bits: u32): u32 {
  return <u32>((<u64>bits * <u64>BASIS_POINTS) >> 32);
}

/** The bucket (0..9999) of the key (`n` bytes at `key`) in the split whose salt gave `seed`. */
export function keyBucket(key: usize, n: i32, seed: u32): u32 {
  return toBucket(hash32Bytes(key, n, seed));
}

/** Sticky assignment of a random split: a cookie naming the outcome. */
export class Sticky {
  constructor(
    /** RequestValues source of the cookie. */
    readonly source: i32,
    /** Set-Cookie values (bytes) for each outcome: one per weight, then the "not selected" one. */
    readonly setCookies: ArrayBuffer[],
  ) {}
}

/** The cookie value recording that a random split selected no colour (colours never start with `-`). */
export const NOT_SELECTED = "-";
/** NOT_SELECTED as bytes, compared with the cookie in place. */
export const NOT_SELECTED_BYTES = stringToBuffer(NOT_SELECTED);

export class Split {
  /** RequestValues source of the key, or -1 for a random split. */
  keySource: i32 = -1;
  seed: u32 = 0;
  /** Cumulative upper bounds of each weight's buckets (exclusive), ascending, at most 10,000. */
  bounds: StaticArray<u32> = new StaticArray<u32>(0);
  /** Colour index of each weight. */
  colours: StaticArray<i32> = new StaticArray<i32>(0);
  sticky: Sticky | null = null;

  /** The weight whose band holds `bucket`, or -1 when the bucket lies beyond every weight. */
  band(bucket: u32): i32 {
    const bounds = this.bounds;
    for (let i = 0, n = bounds.length; i < n; i++) {
      if (bucket < unchecked(bounds[i])) return i;
    }
    return -1;
  }
}
