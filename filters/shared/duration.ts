// Duration strings in config: one or more <number><unit> parts, summed, in any order.
//   number: digits with an optional fraction ("1", "1.5", ".5" is rejected: a digit must lead)
//   unit:   ms, s, m, h, d
// Examples: "250ms", "1s", "1.5s", "2m", "1h", "1d", "1m30s"; "0" alone means zero.
// The result is whole milliseconds (fractions below 1 ms are dropped, fraction digits after the
// ninth are ignored). Rejected: empty text,
// signs, spaces, missing or unknown units, and totals that do not fit in u64 milliseconds.
// scripts/config-model.mjs reads durations the same way (the CLI's copy).
import { digitAt } from "./number-text";

/** Returned by parseDuration for text that is not a duration. */
export const INVALID_DURATION: u64 = u64.MAX_VALUE;

// @ts-ignore: decorator
@inline const MAX_DIGITS = 18; // whole parts up to 10^18 - 1
// @ts-ignore: decorator
@inline const MAX_FRACTION_DIGITS = 9; // fraction * unit stays below 2^64

/** Milliseconds in `text`, or INVALID_DURATION. */
export function parseDuration(text: string): u64 {
  const n = text.length;
  if (n == 0) return INVALID_DURATION;
  if (text == "0") return 0;
  let total: u64 = 0;
  let pos = 0;
  while (pos < n) {
    // whole part
    let whole: u64 = 0;
    const wholeAt = pos;
    let d: i32;
    while ((d = digitAt(text, pos)) >= 0) {
      if (pos - wholeAt == MAX_DIGITS) return INVALID_DURATION;
      whole = whole * 10 + <u64>d;
      pos++;
    }
    if (pos == wholeAt) return INVALID_DURATION;
    // fraction, kept as fraction / scale
    let fraction: u64 = 0;
    let scale: u64 = 1;
    if (text.charCodeAt(pos) == 0x2e) {
      pos++;
      const fractionAt = pos;
      while ((d = digitAt(text, pos)) >= 0) {
        if (pos - fractionAt < MAX_FRACTION_DIGITS) {
          fraction = fraction * 10 + <u64>d;
          scale *= 10;
        }
        pos++;
      }
      if (pos == fractionAt) return INVALID_DURATION;
    }
    // unit
    let unit: u64;
    const c = text.charCodeAt(pos);
    if (c == 0x6d && text.charCodeAt(pos + 1) == 0x73) { unit = 1; pos += 2; }
    else if (c == 0x73) { unit = 1000; pos++; }
    else if (c == 0x6d) { unit = 60_000; pos++; }
    else if (c == 0x68) { unit = 3_600_000; pos++; }
    else if (c == 0x64) { unit = 86_400_000; pos++; }
    else return INVALID_DURATION;
    // whole * unit + fraction * unit / scale, checked for overflow
    if (whole > (INVALID_DURATION - unit) / unit) return INVALID_DURATION;
    const part = whole * unit + fraction * unit / scale;
    if (part >= INVALID_DURATION - total) return INVALID_DURATION;
    total += part;
  }
  return total;
}
