// Small shared pieces of the importers: durations, rates and the comments that explain them.
import { ExactNumber } from "./emit.js";
import { rateFrom } from "./threshold.js";

/** Milliseconds as a Duration: "10s" when whole seconds, else "300ms". */
export function duration(ms: number): string {
  return ms % 1000 === 0 ? `${ms / 1000}s` : `${ms}ms`;
}

/** A rate for circuit-breaker's `>=` that trips exactly where the source's smallest tripping
 *  ratio x0 does, and the comment that says so. `source` is the source's rule in words
 *  ("Sentinel opens when the ratio is above 0.5"); `tripsFrom` the ratios that trip it
 *  ("above 0.5"). */
export function exactRate(field: string, x0: number, source: string, tripsFrom: string, notes: string[]): ExactNumber {
  const rate = rateFrom(x0);
  notes.push(`${field} ${rate.text}: ${source}, this filter at or above ${field}; of the ratios a window of up to 4294967295 calls ` +
    `(the filter's 32-bit count) can hold, those at or above ${rate.text} are exactly those ${tripsFrom}: both open on the same windows`);
  return new ExactNumber(rate.text);
}
