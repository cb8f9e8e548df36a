// Metric names (ARCHITECTURE.md "Metrics"): one requests counter per configured colour, plus the
// inbound-trust counters. Colour names are bounded by the config (at most 32 colours). Counts wait
// in the VM (BufferedCounter) until the root flushes them on its tick.
import { Counter, metricsPrefix } from "../shared/metrics";

export const PREFIX = metricsPrefix("traffic_colour");

/** `sluice.traffic_colour.<colour>.requests`: requests that left the filter with this colour. */
export function colourRequestsName(colour: string): string {
  return PREFIX + colour + ".requests";
}

/** Requests whose colour header or baggage member came from a peer not allowed to set it. */
export const UNTRUSTED_STRIPPED = PREFIX + "untrusted_stripped";

/** Colours that were not a configured colour: a trusted inbound colour or a sticky cookie. */
export const INVALID = PREFIX + "invalid";

/** A counter whose increments wait in the VM until flush(): no host call per request. */
export class BufferedCounter {
  pending: i64 = 0;
  constructor(readonly counter: Counter) {}

  flush(): void {
    if (this.pending > 0) {
      this.counter.increment(this.pending);
      this.pending = 0;
    }
  }
}
