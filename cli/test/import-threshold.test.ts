// The rates `sluice import` writes for circuit-breaker's `ratio >= rate` trip on exactly the windows
// the source tool's own comparison trips on, for every window the filter can count, as the
// filter's JSON parser reads the rate.
import fc from "fast-check";
import { beforeAll, describe, expect, it } from "vitest";
import { loadTestModule } from "../../filters/shared/test/load.js";
import { hystrixThreshold, hystrixTrips, MAX_CALLS, rateFrom, sentinelThreshold } from "../import/threshold.js";

const N = Number(MAX_CALLS);

/** Windows near `x`: for many sizes n, the failure counts just below and above x·n. */
function windowsNear(x: number): [number, number][] {
  const out: [number, number][] = [];
  for (const n of [1, 2, 3, 7, 49, 50, 51, 99, 100, 101, 199, 200, 999, 1000, 65_537, 999_983, 1_000_000, 123_456_789, N - 1, N]) {
    const k = Math.floor(x * n);
    for (let d = -2; d <= 2; d++) if (k + d >= 0 && k + d <= n) out.push([k + d, n]);
  }
  return out;
}

const windows = fc.integer({ min: 1, max: N }).chain((n) => fc.tuple(fc.integer({ min: 0, max: n }), fc.constant(n)));

let readNumber: (literal: string) => number;
beforeAll(async () => {
  ({ readNumber } = await loadTestModule<{ readNumber(literal: string): number }>("json"));
});

describe("Sentinel's `ratio > r` as a rate for `>=`", () => {
  const thresholds = [0, 0.001, 0.01, 0.02, 0.05, 0.1, 0.2, 0.25, 0.3, 1 / 3, 0.333, 0.5, 0.6, 0.7, 0.75, 0.9, 0.95, 0.99, 0.999, 0.9999];

  it.each(thresholds)("r = %s: the filter reads the rate as written, and it trips exactly on the windows above r", (r) => {
    const rate = rateFrom(sentinelThreshold(r, false)!);
    expect(readNumber(rate.text)).toBe(rate.value);
    for (const [k, n] of windowsNear(r)) expect([k, n, k / n >= rate.value]).toEqual([k, n, k / n > r]);
    fc.assert(fc.property(windows, ([k, n]) => (k / n >= rate.value) === (k / n > r)), { numRuns: 2_000 });
  });

  it("writes short rates for the thresholds people use", () => {
    expect(rateFrom(sentinelThreshold(0.5, false)!).text).toBe("0.5000000001");
    expect(rateFrom(sentinelThreshold(0.02, false)!).text).toBe("0.020000000004");
    expect(rateFrom(sentinelThreshold(0, false)!).text).toBe("0.0000000002");
  });

  it("takes Sentinel's special case of a slow ratio of 1.0 (equal trips) as rate 1", () => {
    expect(rateFrom(sentinelThreshold(1, true)!).text).toBe("1");
    expect(sentinelThreshold(1, false)).toBeUndefined(); // an exception ratio is never above 1
  });

  it("finds a rate for every threshold with up to four decimals", () => {
    for (let i = 0; i < 10_000; i++) {
      const r = i / 10_000;
      const rate = rateFrom(sentinelThreshold(r, false)!);
      expect(rate.lo).toBeLessThanOrEqual(r);
      expect(rate.value > rate.lo && rate.value <= rate.hi).toBe(true);
    }
  });
});

describe("hystrix-go's rounded percentage as a rate for `>=`", () => {
  it.each([1, 5, 10, 25, 33, 49, 50, 51, 75, 99, 100])("ErrorPercentThreshold %i: trips exactly where int(errors / requests × 100 + 0.5) >= it", (pct) => {
    const rate = rateFrom(hystrixThreshold(pct));
    expect(readNumber(rate.text)).toBe(rate.value);
    for (const [k, n] of windowsNear((pct - 0.5) / 100)) expect([k, n, k / n >= rate.value]).toEqual([k, n, hystrixTrips(k / n, pct)]);
    fc.assert(fc.property(windows, ([k, n]) => (k / n >= rate.value) === hystrixTrips(k / n, pct)), { numRuns: 2_000 });
  });

  it("trips at 49.5% for 50%, as hystrix-go rounds", () => {
    expect(rateFrom(hystrixThreshold(50)).text).toBe("0.495");
    expect(hystrixTrips(99 / 200, 50)).toBe(true);
    expect(hystrixTrips(98 / 200, 50)).toBe(false);
  });
});
