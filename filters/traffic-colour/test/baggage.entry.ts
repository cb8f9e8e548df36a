// Test entry for baggage.ts.
import { bytesToString, stringToBuffer } from "../../shared/bytes";
import { BaggageHeader } from "../baggage";

const baggage = new BaggageHeader();

/** Reads `header` (bytes) into `baggage`. */
function readHeader(header: string, key: string): void {
  const bytes = stringToBuffer(header);
  baggage.read(changetype<usize>(bytes), bytes.byteLength, stringToBuffer(key));
}

/** `invalid`, or `colour=<value|-> others=<text> count=<n> removed=<n>`. */
export function read(header: string, key: string): string {
  readHeader(header, key);
  if (!baggage.valid) return "invalid";
  const colour = baggage.colourStart < 0 ? "-" : bytesToString(baggage.colour, <usize>baggage.colourLength);
  return "colour=" + colour + " others=" + bytesToString(baggage.rewritten, <usize>baggage.rewrittenLength) +
    " count=" + baggage.otherCount.toString() + " removed=" + baggage.removed.toString();
}

/** The header with the colour member replaced by `key=colour`, "invalid", or "over limits". */
export function merge(header: string, key: string, colour: string): string {
  readHeader(header, key);
  if (!baggage.valid) return "invalid";
  if (!baggage.appendMember(stringToBuffer(key + "=" + colour))) return "over limits";
  return bytesToString(baggage.rewritten, <usize>baggage.rewrittenLength);
}
