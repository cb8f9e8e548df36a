// Metric names (ARCHITECTURE.md "Metrics"): one requests counter per configured colour, plus the
// inbound-trust counters. Colour names are bounded by the config (at most 32 colours). Counts wait
// in the VM (Counter.add) until the root flushes them on its tick.
import { Counter, defineCounter, metricsPrefix } from "../shared/metrics";

/** The trust counters, after the colour counters: their distance from the end of the list. */
export const enum TrustCounter {
  /** Requests whose colour header or baggage member came from a peer not allowed to set it. */
  UntrustedStripped = 2,
  /** Colours that were not a configured colour: a trusted inbound colour or a sticky cookie. */
  Invalid = 1,
}

/** The filter's counters: `sluice.traffic_colour.<colour>.requests` (requests that left the
 *  filter with this colour) for each colour, indexed by colour, then the trust counters. */
export function defineCounters(colours: string[]): Counter[] {
  const prefix = metricsPrefix("traffic_colour");
  const counters = new Array<Counter>();
  for (let i = 0; i < colours.length; i++) counters.push(defineCounter(prefix + colours[i] + ".requests"));
  counters.push(defineCounter(prefix + "untrusted_stripped"));
  counters.push(defineCounter(prefix + "invalid"));
  return counters;
}

/** Counts a request on trust counter `which` of `counters` (from defineCounters). */
export function countTrust(counters: Counter[], which: TrustCounter): void {
  unchecked(counters[counters.length - <i32>which]).add();
}
