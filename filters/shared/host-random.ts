// 64 bits from the host's random source (WASI random_get), for seeds drawn at configure time: a
// request never calls it.
import { random_get } from "@assemblyscript/wasi-shim/assembly/bindings/wasi_snapshot_preview1";

const drawn = memory.data(8);

/** 8 bytes from WASI random_get XOR `fallback` (e.g. the clock), so that a failing random source
 *  (the bytes stay 0) still gives the fallback. */
export function hostRandom64(fallback: u64): u64 {
  store<u64>(drawn, 0);
  random_get(drawn, 8);
  return load<u64>(drawn) ^ fallback;
}
