// Metric names (`sluice.spiffe_rbac.*`) and their updates. Request paths count in the VM, in one
// array of pending counts (shared/metrics.ts's Counter is one object per counter; a configuration
// of many policies has one per policy, and the collector marks every live object each
// collection); RbacRoot flushes them to the host on every tick (FLUSH_PERIOD_MS) and at shutdown,
// so a request makes no metric host call and host values lag by at most one period. Same
// contract as Counter: a counter the host refused to define is a no-op.
import { proxy_increment_metric } from "@gcoredev/proxy-wasm-sdk-as/assembly/imports";
import { defineCounter, metricsPrefix } from "../shared/metrics";
import { PolicyTable } from "./policy";

export const PREFIX = metricsPrefix("spiffe_rbac");
export const FLUSH_PERIOD_MS: u32 = 1000;

export namespace Stat {
  export const Allowed: i32 = 0;
  export const Denied: i32 = 1;
  export const ShadowAllowed: i32 = 2;
  export const ShadowDenied: i32 = 3;
  export const InvalidIdentity: i32 = 4;
  export const XfccMalformed: i32 = 5;
}

/** How many Stat counters there are; the `matched` counters follow them. */
// @ts-ignore: decorator
@inline const STAT_COUNT = 6;

/** The Stat counters, then one `sluice.spiffe_rbac.policy.<name>.matched` counter per policy. */
export class RbacMetrics {
  /** Host ids, -1 when not defined. */
  private readonly ids: StaticArray<i64>;
  /** Counts kept in the VM since the last flush(). */
  private readonly pending: StaticArray<i64>;

  /** Defines every counter (host calls: configure time only). */
  constructor(policies: PolicyTable) {
    const stats = ["allowed", "denied", "shadow_allowed", "shadow_denied", "invalid_identity", "xfcc_malformed"];
    const n = STAT_COUNT + policies.count;
    const ids = new StaticArray<i64>(n);
    for (let i = 0; i < n; i++) {
      const name = i < STAT_COUNT ? PREFIX + stats[i] : PREFIX + "policy." + policies.name(i - STAT_COUNT) + ".matched";
      unchecked(ids[i] = defineCounter(name).id);
    }
    this.ids = ids;
    this.pending = new StaticArray<i64>(n);
  }

  // @ts-ignore: decorator
  @inline count(stat: i32): void {
    const at = changetype<usize>(this.pending) + (<usize>stat << 3);
    store<i64>(at, load<i64>(at) + 1);
  }

  // @ts-ignore: decorator
  @inline countPolicy(policy: i32): void {
    this.count(STAT_COUNT + policy);
  }

  /** Sends the counts kept in the VM (one host call per counter that moved). */
  flush(): void {
    const pending = this.pending;
    for (let i = 0, n = pending.length; i < n; i++) {
      const count = unchecked(pending[i]);
      if (count == 0) continue;
      unchecked(pending[i] = 0);
      const id = unchecked(this.ids[i]);
      if (id >= 0 && count > 0) proxy_increment_metric(<u32>id, count);
    }
  }
}
