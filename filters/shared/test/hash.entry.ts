// Test entry for hash.ts.
import { stringToBuffer } from "../bytes";
import { hash32, hash32Bytes, hash64, hash64Bytes } from "../hash";

export function h32(s: string, seed: u32): u32 {
  return hash32(s, seed);
}

export function h64(s: string, seed: u64): u64 {
  return hash64(s, seed);
}

/** hash32Bytes over the bytes of byte string `s`. */
export function h32Bytes(s: string, seed: u32): u32 {
  const bytes = stringToBuffer(s);
  return hash32Bytes(changetype<usize>(bytes), bytes.byteLength, seed);
}

/** hash64Bytes over the bytes of byte string `s`. */
export function h64Bytes(s: string, seed: u64): u64 {
  const bytes = stringToBuffer(s);
  return hash64Bytes(changetype<usize>(bytes), bytes.byteLength, seed);
}
