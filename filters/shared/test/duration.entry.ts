// Test entry for duration.ts.
import { INVALID_DURATION, parseDuration } from "../duration";

/** Milliseconds as decimal text, or "invalid". */
export function durationMs(text: string): string {
  const ms = parseDuration(text);
  return ms == INVALID_DURATION ? "invalid" : ms.toString();
}
