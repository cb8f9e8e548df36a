import { beforeAll, describe, expect, it } from "vitest";
import { loadEntry } from "./load.js";
import { splitBucket } from "../../../integration/support/colour.js";

interface SplitModule {
  bucket(salt: string, key: string): number;
  bucketOfConcatenation(salt: string, key: string): number;
  countSelected(salt: string, prefix: string, count: number, basisPoints: number): number;
  countSelectedByBoth(a: string, b: string, prefix: string, count: number, basisPoints: number): number;
}

let m: SplitModule;
beforeAll(async () => {
  m = await loadEntry<SplitModule>("split");
});

const IDS = 100_000;

describe("traffic-colour › keyed split buckets", () => {
  it.each([
    ["canary-2026-05", "user-42"],
    ["", "x"],
    ["exp", ""],
    ["s\u00e9l", "\u00ff\u0001"],
  ])("hashes salt %j, a NUL and key %j as one byte string", (salt, key) => {
    expect(m.bucket(salt, key)).toBe(m.bucketOfConcatenation(salt, key));
  });

  it("gives the same user the same bucket every time (pure function of salt and key)", () => {
    const first = m.bucket("canary", "user-1001");
    for (let i = 0; i < 5; i++) expect(m.bucket("canary", "user-1001")).toBe(first);
    expect(first).toBeGreaterThanOrEqual(0);
    expect(first).toBeLessThan(10_000);
  });

  it("matches the documented algorithm, so other components can compute the same buckets", () => {
    for (let i = 0; i < 200; i++) {
      expect(m.bucket("canary-2026-05", `user-${i}`)).toBe(splitBucket("canary-2026-05", `user-${i}`));
    }
    expect([m.bucket("canary", "user-1"), m.bucket("canary", "user-2"), m.bucket("exp-b", "user-1")]).toEqual([22, 3209, 5371]);
  });

  it.each([
    [500, 5],
    [25, 0.25],
    [1, 0.01],
    [5000, 50],
  ])("selects %i basis points of 100,000 ids within ±0.3 percentage points", (basisPoints, percent) => {
    const selected = m.countSelected("canary-2026-05", "user-", IDS, basisPoints);
    expect(Math.abs((selected / IDS) * 100 - percent)).toBeLessThanOrEqual(0.3);
  });

  it("keeps two splits with different salts independent (correlation near 0)", () => {
    const p = 0.2;
    const a = m.countSelected("experiment-a", "user-", IDS, p * 10_000) / IDS;
    const b = m.countSelected("experiment-b", "user-", IDS, p * 10_000) / IDS;
    const both = m.countSelectedByBoth("experiment-a", "experiment-b", "user-", IDS, p * 10_000) / IDS;
    // Pearson correlation of the two selection indicators
    const correlation = (both - a * b) / Math.sqrt(a * (1 - a) * b * (1 - b));
    expect(Math.abs(correlation)).toBeLessThan(0.02);
  });

  it("puts every id in the same bucket for the same salt (fully correlated control)", () => {
    expect(m.countSelectedByBoth("same", "same", "user-", 10_000, 2000)).toBe(m.countSelected("same", "user-", 10_000, 2000));
  });
});
