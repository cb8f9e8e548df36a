// Per-rule counters `sluice.rate_limit.<rule>.<event>`. Requests count in the VM (Counter.add);
// the counts go to the host on every tick (TICK_MS), so a request makes no metric host call and
// counters lag by at most one tick period.
import { Counter, defineCounter, flushCounters, metricsPrefix } from "../shared/metrics";

export namespace Event {
  export const Allowed: i32 = 0;
  export const Limited: i32 = 1;
  export const ShadowLimited: i32 = 2;
  export const StoreError: i32 = 3;
  export const Evicted: i32 = 4;
  export const RlsError: i32 = 5;
  export const Overflow: i32 = 6;
}

/** Metric name suffixes, indexed by Event. */
export const EVENT_NAMES: string[] = ["allowed", "limited", "shadow_limited", "store_error", "evicted", "rls_error", "overflow"];

// @ts-ignore: decorator
@inline export const TICK_MS: u32 = 1000;

export const PREFIX = metricsPrefix("rate_limit");

export class RuleCounters {
  private readonly counters: Counter[] = [];

  /** Defines the rule's counters (one host call each). */
  constructor(rule: string) {
    for (let i = 0; i < EVENT_NAMES.length; i++) {
      this.counters.push(defineCounter(PREFIX + rule + "." + EVENT_NAMES[i]));
    }
  }

  count(event: i32): void {
    unchecked(this.counters[event]).add();
  }

  flush(): void {
    flushCounters(this.counters);
  }
}
