import { beforeAll, describe, expect, it } from "vitest";
import { loadTestModule } from "./load.js";

interface HashModule {
  h32(s: string, seed: number): number;
  h64(s: string, seed: bigint): bigint;
  h32Bytes(s: string, seed: number): number;
  h64Bytes(s: string, seed: bigint): bigint;
}

let m: HashModule;
beforeAll(async () => {
  m = await loadTestModule<HashModule>("hash");
});

// Independent reference implementations of hash.ts: FNV-1a from basis ^ seed, then fmix.
function reference32(s: string, seed: number): number {
  let h = (0x811c9dc5 ^ seed) >>> 0;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ (s.charCodeAt(i) & 0xff), 0x01000193) >>> 0;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b) >>> 0;
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35) >>> 0;
  return (h ^ (h >>> 16)) >>> 0;
}

function reference64(s: string, seed: bigint): bigint {
  const mask = (1n << 64n) - 1n;
  let h = 0xcbf29ce484222325n ^ seed;
  for (let i = 0; i < s.length; i++) h = ((h ^ BigInt(s.charCodeAt(i) & 0xff)) * 0x100000001b3n) & mask;
  h ^= h >> 33n;
  h = (h * 0xff51afd7ed558ccdn) & mask;
  h ^= h >> 33n;
  h = (h * 0xc4ceb9fe1a85ec53n) & mask;
  return h ^ (h >> 33n);
}

describe("hash", () => {
  // Pinned values: changing them re-buckets every sticky split in production.
  it.each([
    ["", 0, 0xab3e7c0b],
    ["a", 0, 0x1a80b1b3],
    ["user-42", 0, 0x7c2a1196],
    ["user-42", 1, 0x51ff7290],
  ])("hash32(%j, %d) is pinned", (s, seed, expected) => {
    expect(m.h32(s, seed) >>> 0).toBe(expected);
  });

  it.each([
    ["", 0n, 0xefd01f60ba992926n],
    ["a", 0n, 0x82a2a958a9bece5bn],
    ["user-42", 7n, 0x08320d69ea7ed4c7n],
  ])("hash64(%j, %d) is pinned", (s, seed, expected) => {
    expect(BigInt.asUintN(64, m.h64(s, seed))).toBe(expected);
  });

  it("matches an independent reference implementation on random byte strings and seeds", () => {
    let state = 11;
    const next = () => (state = (Math.imul(state, 1103515245) + 12345) >>> 0);
    for (let i = 0; i < 500; i++) {
      const s = String.fromCharCode(...Array.from({ length: next() % 32 }, () => next() & 0xff));
      const seed = next();
      expect(m.h32(s, seed) >>> 0).toBe(reference32(s, seed));
      expect(BigInt.asUintN(64, m.h64(s, BigInt(seed)))).toBe(reference64(s, BigInt(seed)));
    }
  });

  it("hashes bytes read in place exactly as the byte string holding them", () => {
    let state = 5;
    const next = () => (state = (Math.imul(state, 1103515245) + 12345) >>> 0);
    for (let i = 0; i < 500; i++) {
      const s = String.fromCharCode(...Array.from({ length: next() % 32 }, () => next() & 0xff));
      const seed = next();
      expect(m.h32Bytes(s, seed) >>> 0).toBe(m.h32(s, seed) >>> 0);
      expect(BigInt.asUintN(64, m.h64Bytes(s, BigInt(seed)))).toBe(BigInt.asUintN(64, m.h64(s, BigInt(seed))));
    }
  });

  it("changes with the seed", () => {
    expect(m.h32("key", 1)).not.toBe(m.h32("key", 2));
    expect(m.h64("key", 1n)).not.toBe(m.h64("key", 2n));
  });

  it("spreads sequential keys evenly over 100 buckets", () => {
    const buckets = new Array(100).fill(0);
    for (let i = 0; i < 100_000; i++) buckets[(m.h32(`user-${i}`, 0) >>> 0) % 100]++;
    for (const count of buckets) expect(Math.abs(count - 1000)).toBeLessThan(150);
  });
});
