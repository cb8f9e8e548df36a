// Per-rule counters `sluice.rate_limit.<rule>.<event>`. Requests add to deltas kept in the VM;
// the deltas go to the host on every tick (TICK_MS) and whenever one reaches FLUSH_THRESHOLD, so a
// request normally makes no metric host call and counters lag by at most one tick period.
import { Counter, defineCounter, metricsPrefix } from "../shared/metrics";

export namespace Event {
  export const Allowed: i32 = 0;
  export const Limited: i32 = 1;
  export const ShadowLimited: i32 = 2;
  export const StoreError: i32 = 3;
  export const Evicted: i32 = 4;
  export const RlsError: i32 = 5;
}

/** Metric name suffixes, indexed by Event. */
export const EVENT_NAMES: string[] = ["allowed", "limited", "shadow_limited", "store_error", "evicted", "rls_error"];

// @ts-ignore: decorator
@inline export const TICK_MS: u32 = 1000;
// @ts-ignore: decorator
@inline const FLUSH_THRESHOLD: i64 = 1024;

export const PREFIX = metricsPrefix("rate_limit");

export class RuleCounters {
  private readonly counters: Counter[] = [];
  private readonly deltas: StaticArray<i64> = new StaticArray<i64>(6);

  /** Defines the rule's counters (one host call each). */
  constructor(rule: string) {
    for (let i = 0; i < EVENT_NAMES.length; i++) {
      this.counters.push(defineCounter(PREFIX + rule + "." + EVENT_NAMES[i]));
    }
  }

  count(event: i32): void {
    const delta = unchecked(this.deltas[event]) + 1;
    if (delta >= FLUSH_THRESHOLD) {
      unchecked(this.counters[event]).increment(delta);
      unchecked(this.deltas[event] = 0);
    } else {
      unchecked(this.deltas[event] = delta);
    }
  }

  flush(): void {
    for (let i = 0; i < 6; i++) {
      const delta = unchecked(this.deltas[i]);
      if (delta > 0) {
        unchecked(this.counters[i]).increment(delta);
        unchecked(this.deltas[i] = 0);
      }
    }
  }
}
