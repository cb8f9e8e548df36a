// Test entry for split.ts: buckets of keyed splits, computed in bulk inside the module so the
// accuracy tests over 100,000 ids stay fast.
import { stringToBuffer } from "../../shared/bytes";
import { hash32 } from "../../shared/hash";
import { keyBucket as keyBytesBucket, saltSeed, toBucket } from "../split";

/** keyBucket of a key given as a byte string. */
function keyBucket(key: string, seed: u32): u32 {
  const bytes = stringToBuffer(key);
  return keyBytesBucket(changetype<usize>(bytes), bytes.byteLength, seed);
}

/** Bucket (0..9999) of `key` in a split salted with `salt`. */
export function bucket(salt: string, key: string): u32 {
  return keyBucket(key, saltSeed(salt));
}

/** The bucket hash32(salt + "\0" + key) gives when computed from the whole string. */
export function bucketOfConcatenation(salt: string, key: string): u32 {
  return toBucket(hash32(salt + "\0" + key, 0));
}

/** How many of the ids `<prefix><i>` (i in 0..count-1) fall below `basisPoints`. */
export function countSelected(salt: string, prefix: string, count: i32, basisPoints: u32): i32 {
  const seed = saltSeed(salt);
  let selected = 0;
  for (let i = 0; i < count; i++) {
    if (keyBucket(prefix + i.toString(), seed) < basisPoints) selected++;
  }
  return selected;
}

/** How many ids `<prefix><i>` fall below `basisPoints` in both splits (salts `a` and `b`). */
export function countSelectedByBoth(a: string, b: string, prefix: string, count: i32, basisPoints: u32): i32 {
  const seedA = saltSeed(a);
  const seedB = saltSeed(b);
  let both = 0;
  for (let i = 0; i < count; i++) {
    const id = prefix + i.toString();
    if (keyBucket(id, seedA) < basisPoints && keyBucket(id, seedB) < basisPoints) both++;
  }
  return both;
}
