// Test entry for baggage.ts.
import { readBaggage, withMember } from "../baggage";

/** `invalid`, or `colour=<value|-> others=<text> count=<n> removed=<n>`. */
export function read(header: string, key: string): string {
  const b = readBaggage(header, key);
  if (!b.valid) return "invalid";
  const colour = b.colour;
  return "colour=" + (colour === null ? "-" : colour) + " others=" + b.others +
    " count=" + b.otherCount.toString() + " removed=" + b.removed.toString();
}

/** The header with the colour member replaced by `key=colour`, "invalid", or "over limits". */
export function merge(header: string, key: string, colour: string): string {
  const b = readBaggage(header, key);
  if (!b.valid) return "invalid";
  const merged = withMember(b.others, b.otherCount, key + "=" + colour);
  return merged === null ? "over limits" : merged;
}
