// Metric names (ARCHITECTURE.md "Metrics"): one requests counter per configured colour, plus the
// inbound-trust counters. Colour names are bounded by the config (at most 32 colours). Counts wait
// in the VM (Counter.add) until the root flushes them on its tick.
import { metricsPrefix } from "../shared/metrics";

export const PREFIX = metricsPrefix("traffic_colour");

/** `sluice.traffic_colour.<colour>.requests`: requests that left the filter with this colour. */
export function colourRequestsName(colour: string): string {
  return PREFIX + colour + ".requests";
}

/** Requests whose colour header or baggage member came from a peer not allowed to set it. */
export const UNTRUSTED_STRIPPED = PREFIX + "untrusted_stripped";

/** Colours that were not a configured colour: a trusted inbound colour or a sticky cookie. */
export const INVALID = PREFIX + "invalid";
