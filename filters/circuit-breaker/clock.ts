// Wall-clock time from the host, in milliseconds.
import { hostTime } from "../shared/hook-reads";

const scratch = memory.data(8);

/** The host's current time in ms (0 if the host cannot tell). */
export function nowMs(): i64 {
  store<u64>(scratch, 0);
  hostTime(scratch);
  return <i64>(load<u64>(scratch) / 1_000_000);
}
