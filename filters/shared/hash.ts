// Non-cryptographic hashes of byte strings for bucket tables and sticky percentage splits:
// FNV-1a over the bytes (the low 8 bits of each code unit), starting from the FNV offset basis
// XOR a caller's seed, then the MurmurHash3 finalizer (fmix) so every input bit reaches every
// output bit (plain FNV-1a leaves the low bits weak, and splits use `hash % 100`).
// Pure functions of (bytes, seed): stable across VMs, restarts and versions. Not for secrets.
// The *Bytes forms hash bytes in place (a value read with host-values.ts) to the same result as
// the byte string holding them.

/** 32-bit hash of byte string `s` with `seed`. */
export function hash32(s: string, seed: u32 = 0): u32 {
  return fnv32(changetype<usize>(s), s.length, 1, seed);
}

/** 32-bit hash of `len` bytes at `p` with `seed` (as hash32 of the same bytes as a string). */
export function hash32Bytes(p: usize, len: i32, seed: u32 = 0): u32 {
  return fnv32(p, len, 0, seed);
}

/** 64-bit hash of byte string `s` with `seed`. */
export function hash64(s: string, seed: u64 = 0): u64 {
  return fnv64(changetype<usize>(s), s.length, 1, seed);
}

/** 64-bit hash of `len` bytes at `p` with `seed` (as hash64 of the same bytes as a string). */
export function hash64Bytes(p: usize, len: i32, seed: u64 = 0): u64 {
  return fnv64(p, len, 0, seed);
}

// `shift`: 1 over a string's UTF-16 code units (their low bytes), 0 over bytes.
function fnv32(p: usize, n: i32, shift: i32, seed: u32): u32 {
  let h: u32 = 0x811c9dc5 ^ seed;
  for (let i = 0; i < n; i++) {
    h = (h ^ <u32>load<u8>(p + (<usize>i << shift))) * 0x01000193;
  }
  h ^= h >> 16;
  h *= 0x85ebca6b;
  h ^= h >> 13;
  h *= 0xc2b2ae35;
  return h ^ (h >> 16);
}

function fnv64(p: usize, n: i32, shift: i32, seed: u64): u64 {
  let h: u64 = 0xcbf29ce484222325 ^ seed;
  for (let i = 0; i < n; i++) {
    h = (h ^ <u64>load<u8>(p + (<usize>i << shift))) * 0x100000001b3;
  }
  h ^= h >> 33;
  h *= 0xff51afd7ed558ccd;
  h ^= h >> 33;
  h *= 0xc4ceb9fe1a85ec53;
  return h ^ (h >> 33);
}
