// Test entry for record.ts: feeds outcomes into a circuit record's window and reads its figures.
import { Circuit, WindowType } from "../config";
import { CircuitRecord, WindowFigures } from "../record";

/**
 * Outcomes as characters ("s" success, "f" failure, "w" slow success, "x" slow failure), the i-th
 * at `times[i]` ms, into a count window of `size` or a time window of `windowMs` in `buckets`
 * (size 0); returns "calls/failures/slow/consecutive" after each call, space-separated.
 */
export function feed(outcomes: string, times: Float64Array, size: i32, windowMs: i32, buckets: i32): string {
  const c = new Circuit();
  if (size > 0) {
    c.windowType = WindowType.Count;
    c.windowSize = size;
  } else {
    c.windowType = WindowType.Time;
    c.windowMs = <u64>windowMs;
    c.buckets = buckets;
  }
  const rec = new CircuitRecord(c);
  rec.base = heap.alloc(<usize>rec.size);
  memory.fill(rec.base, 0, <usize>rec.size);
  const figures = new WindowFigures();
  let out = "";
  for (let i = 0; i < outcomes.length; i++) {
    const o = outcomes.charCodeAt(i);
    const now = <i64>times[i];
    rec.addCall(now, o == 0x66 || o == 0x78, o == 0x77 || o == 0x78);
    rec.figures(now, figures);
    out += (i > 0 ? " " : "") + figures.calls.toString() + "/" + figures.failures.toString() + "/" +
      figures.slow.toString() + "/" + rec.consecutiveFailures.toString();
  }
  heap.free(rec.base);
  return out;
}
