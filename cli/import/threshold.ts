// Rates for circuit-breaker's `failures / calls >= rate` that trip on exactly the windows another
// tool's comparison trips on.
//
// circuit-breaker computes the ratio as a double and trips when it is >= the configured rate
// (filters/circuit-breaker/breaker.ts); its windows count calls in 32 bits. A source tool's rule
// is described by x0, the smallest double ratio that trips it (Sentinel's `ratio > r`: the double
// after r; hystrix-go's rounded percentage: see hystrixTrips). Among the ratios a window can
// hold (k / n, n < 2^32, computed as doubles), lo is the largest below x0 and hi the smallest at
// or above it: every rate in (lo, hi] trips on exactly the same windows. The rate written is the
// shortest decimal the filter's own JSON number parser (cli/json-text.ts, its TypeScript twin)
// reads as a double in (lo, hi].
import { numberValue } from "../json-text.js";

/** The most calls a circuit-breaker window holds (a 32-bit count). */
export const MAX_CALLS = 2n ** 32n - 1n;

interface Fraction {
  n: bigint;
  d: bigint;
}

const f64 = new Float64Array(1);
const bits = new BigUint64Array(f64.buffer);

/** The double next to `x` (x > 0) towards +Infinity (`up`) or 0. */
export function nextDouble(x: number, up: boolean): number {
  if (x === 0) return up ? Number.MIN_VALUE : 0;
  f64[0] = x;
  bits[0] = up ? bits[0]! + 1n : bits[0]! - 1n;
  return f64[0]!;
}

/** The exact value of a finite double >= 0. */
function fractionOf(x: number): Fraction {
  f64[0] = x;
  const b = bits[0]!;
  const exponent = Number((b >> 52n) & 0x7ffn);
  const mantissa = b & ((1n << 52n) - 1n);
  const m = exponent === 0 ? mantissa : mantissa | (1n << 52n);
  const e = (exponent === 0 ? 1 : exponent) - 1075;
  return e >= 0 ? { n: m << BigInt(e), d: 1n } : { n: m, d: 1n << BigInt(-e) };
}

/** The nearest fractions below and above `x` (x > 0, not itself such a fraction) whose
 *  denominators are at most `max`: a Stern-Brocot descent that takes each run in one step. */
function neighbours(x: Fraction, max: bigint): { below: Fraction; above: Fraction } {
  let below = { n: 0n, d: 1n };
  let above = { n: 1n, d: 0n };
  for (;;) {
    const n = below.n + above.n;
    const d = below.d + above.d;
    if (d > max) return { below, above };
    const side = n * x.d - x.n * d;
    if (side === 0n) throw new Error(`internal: ${x.n}/${x.d} is a ratio of calls itself`);
    if (side < 0n) {
      // the mediant is below x: move `below` up by the longest run that stays below
      const gap = x.n * below.d - below.n * x.d;
      const step = above.n * x.d - x.n * above.d;
      let k = (gap - 1n) / step;
      if (above.d > 0n && (max - below.d) / above.d < k) k = (max - below.d) / above.d;
      below = { n: below.n + k * above.n, d: below.d + k * above.d };
    } else {
      const gap = above.n * x.d - x.n * above.d;
      const step = x.n * below.d - below.n * x.d;
      let k = (gap - 1n) / step;
      if ((max - above.d) / below.d < k) k = (max - above.d) / below.d;
      above = { n: above.n + k * below.n, d: above.d + k * below.d };
    }
  }
}

/** k / n as circuit-breaker computes it: both exact doubles, one correctly rounded division. */
const ratioOf = (f: Fraction): number => Number(f.n) / Number(f.d);

/** `x` with `digits` significant digits, rounded towards zero, as a plain decimal. */
function decimalBelow(x: Fraction, digits: number): string {
  let scale = 0;
  while (x.n * 10n ** BigInt(Math.max(scale, 0)) < 10n ** BigInt(digits - 1) * x.d * 10n ** BigInt(Math.max(-scale, 0))) scale++;
  while (x.n * 10n ** BigInt(Math.max(scale, 0)) >= 10n ** BigInt(digits) * x.d * 10n ** BigInt(Math.max(-scale, 0))) scale--;
  const m = scale >= 0 ? (x.n * 10n ** BigInt(scale)) / x.d : x.n / (x.d * 10n ** BigInt(-scale));
  return plainDecimal(m, scale);
}

/** m × 10^-scale written without an exponent. */
function plainDecimal(m: bigint, scale: number): string {
  if (scale <= 0) return (m * 10n ** BigInt(-scale)).toString();
  const digits = m.toString().padStart(scale + 1, "0");
  const text = `${digits.slice(0, -scale)}.${digits.slice(-scale)}`;
  return text.replace(/\.?0+$/, "");
}

export interface Rate {
  /** The rate as written in the config. */
  text: string;
  /** The double the filter reads. */
  value: number;
  /** The largest ratio of calls below the threshold, and the smallest at or above it. */
  lo: number;
  hi: number;
}

/** The rate that trips on exactly the ratios >= x0 (0 < x0 <= 1). */
export function rateFrom(x0: number): Rate {
  if (!(x0 > 0 && x0 <= 1)) throw new Error(`internal: threshold ${x0} is not in (0, 1]`);
  const prev = fractionOf(nextDouble(x0, false));
  const at = fractionOf(x0);
  // the midpoint between x0 and the double before it: ratios above it round to x0 or more
  const { below, above } = neighbours({ n: prev.n * at.d + at.n * prev.d, d: 2n * prev.d * at.d }, MAX_CALLS);
  const lo = ratioOf(below);
  const hi = ratioOf(above);
  if (!(lo < x0 && hi >= x0)) throw new Error(`internal: no ratio separates ${x0}`);
  for (let digits = 1; digits <= 20; digits++) {
    const text = decimalBelow(above, digits);
    const value = numberValue(text);
    if (value > lo && value <= hi) return { text, value, lo, hi };
  }
  throw new Error(`internal: no decimal rate for ${x0}`);
}

/** Sentinel's `ratio > r` (DegradeRule count for exception ratios, slowRatioThreshold; a ratio
 *  of exactly 1.0 also trips a slow-ratio rule whose threshold is 1.0): the smallest tripping
 *  double ratio, or undefined when no ratio trips (r >= 1 for exception ratios). */
export function sentinelThreshold(r: number, equalTripsAtOne: boolean): number | undefined {
  if (r >= 1) return r === 1 && equalTripsAtOne ? 1 : undefined;
  return nextDouble(Math.max(r, 0), true);
}

/** hystrix-go's check (metrics.go): the circuit trips when
 *  `int(float64(errs)/float64(reqs)*100 + 0.5) >= ErrorPercentThreshold`. */
export function hystrixTrips(ratio: number, percent: number): boolean {
  return Math.trunc(ratio * 100 + 0.5) >= percent;
}

/** The smallest double ratio that trips hystrix-go at `percent` (1..100), by bisection over the
 *  doubles in [0, 1] (the check is monotone in the ratio). */
export function hystrixThreshold(percent: number): number {
  f64[0] = 0;
  let low = bits[0]!;
  f64[0] = 1;
  let high = bits[0]!;
  // invariant: the double with bits `high` trips, the one with bits `low` does not
  while (high - low > 1n) {
    const mid = (low + high) / 2n;
    bits[0] = mid;
    if (hystrixTrips(f64[0]!, percent)) high = mid;
    else low = mid;
  }
  bits[0] = high;
  return f64[0]!;
}
