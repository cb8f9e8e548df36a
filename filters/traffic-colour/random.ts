// The generator behind random splits: xorshift64* seeded once per VM from WASI random_get at
// configure, so a request costs no host call. Not for secrets: it only spreads anonymous traffic.
import { hostRandom64 } from "../shared/host-random";

let state: u64 = 0x9e3779b97f4a7c15;

/** Seeds from the host's random source, mixing in `fallback` (e.g. the clock) in case it fails. */
export function seedRandom(fallback: u64): void {
  const seed = hostRandom64(fallback);
  state = seed != 0 ? seed : 0x9e3779b97f4a7c15;
}

/** 32 random bits. */
export function nextRandom32(): u32 {
  let x = state;
  x ^= x >> 12;
  x ^= x << 25;
  x ^= x >> 27;
  state = x;
  return <u32>((x * 0x2545f4914f6cdd1d) >> 32);
}
