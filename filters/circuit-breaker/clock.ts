// Wall-clock time from the host, in milliseconds.
import { proxy_get_current_time_nanoseconds } from "@gcoredev/proxy-wasm-sdk-as/assembly/imports";

const scratch = memory.data(8);

/** The host's current time in ms (0 if the host cannot tell). */
export function nowMs(): i64 {
  store<u64>(scratch, 0);
  proxy_get_current_time_nanoseconds(scratch);
  return <i64>(load<u64>(scratch) / 1_000_000);
}
