// Test entry for timestamp.ts.
import { parseTimestamp } from "../timestamp";

/** Epoch nanoseconds of an RFC 3339 timestamp, or i64.MIN_VALUE when invalid. */
export function parse(text: string): i64 {
  return parseTimestamp(text);
}
