// The sliding windows of a circuit record against a plain model (through a compiled entry).
import { beforeAll, describe, expect, it } from "vitest";
import { loadEntry } from "./load.js";

interface RecordModule {
  feed(outcomes: string, times: Float64Array, size: number, windowMs: number, buckets: number): string;
}

let m: RecordModule;
beforeAll(async () => {
  m = await loadEntry<RecordModule>("record");
});

const isFailure = (o: string) => o === "f" || o === "x";
const isSlow = (o: string) => o === "w" || o === "x";

/** The expected figures after each call i: the calls j <= i for which live(j, i) holds. */
function model(outcomes: string, live: (j: number, i: number) => boolean): string {
  const out: string[] = [];
  let consecutive = 0;
  for (let i = 0; i < outcomes.length; i++) {
    consecutive = isFailure(outcomes[i]) ? consecutive + 1 : 0;
    const window = [...outcomes.slice(0, i + 1)].filter((_, j) => live(j, i));
    out.push(`${window.length}/${window.filter(isFailure).length}/${window.filter(isSlow).length}/${consecutive}`);
  }
  return out.join(" ");
}

function randomOutcomes(n: number, seed: number): string {
  let x = seed;
  let s = "";
  for (let i = 0; i < n; i++) {
    x = (x * 1103515245 + 12345) >>> 0;
    s += "sfwx"[(x >>> 16) % 4];
  }
  return s;
}

describe("circuit-breaker › record windows", () => {
  it.each([1, 7, 8, 10, 64, 100])("a count window of %i holds exactly the last calls", (size) => {
    const outcomes = randomOutcomes(3 * size + 5, size);
    const times = new Float64Array(outcomes.length);
    expect(m.feed(outcomes, times, size, 0, 0)).toBe(model(outcomes, (j, i) => j > i - size));
  });

  it.each([[1000, 1], [1000, 10], [3000, 3], [10000, 10]])("a time window of %i ms in %i buckets holds the calls of its live buckets",
    (windowMs, buckets) => {
      const outcomes = randomOutcomes(200, windowMs + buckets);
      const times = Float64Array.from(outcomes, (_, i) => 1_700_000_000_000 + i * (windowMs / 37));
      const bucketMs = windowMs / buckets;
      const bucket = (t: number) => Math.floor(t / bucketMs);
      expect(m.feed(outcomes, times, 0, windowMs, buckets))
        .toBe(model(outcomes, (j, i) => bucket(times[j]) > bucket(times[i]) - buckets));
    });
});
