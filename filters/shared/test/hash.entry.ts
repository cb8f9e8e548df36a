// Test entry for hash.ts.
import { hash32, hash64 } from "../hash";

export function h32(s: string, seed: u32): u32 {
  return hash32(s, seed);
}

export function h64(s: string, seed: u64): u64 {
  return hash64(s, seed);
}
