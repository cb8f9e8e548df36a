// Metric names (`sluice.spiffe_rbac.*`) and their updates. Request paths only add to in-VM
// deltas; RbacRoot flushes them to the host on every tick (FLUSH_PERIOD_MS) and at shutdown, so a
// request makes no metric host call and host values lag by at most one period.
import { Counter, defineCounter, metricsPrefix } from "../shared/metrics";
import { Policy } from "./policy";

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

const NAMES = ["allowed", "denied", "shadow_allowed", "shadow_denied", "invalid_identity", "xfcc_malformed"];

/** `sluice.spiffe_rbac.policy.<name>.matched`. */
export function policyMetricName(policy: Policy): string {
  return PREFIX + "policy." + policy.name + ".matched";
}

export class RbacMetrics {
  counters: Counter[] = [];
  pending: StaticArray<i64>;

  /** Defines every counter (host calls: configure time only). */
  constructor(policies: Policy[]) {
    this.pending = new StaticArray<i64>(NAMES.length + policies.length);
    for (let i = 0; i < NAMES.length; i++) this.counters.push(defineCounter(PREFIX + NAMES[i]));
    for (let i = 0; i < policies.length; i++) this.counters.push(defineCounter(policyMetricName(policies[i])));
  }

  // @ts-ignore: decorator
  @inline count(stat: i32): void {
    unchecked(this.pending[stat]++);
  }

  // @ts-ignore: decorator
  @inline countPolicy(policy: Policy): void {
    unchecked(this.pending[NAMES.length + policy.index]++);
  }

  /** Sends the accumulated deltas (one host call per counter that moved). */
  flush(): void {
    const pending = this.pending;
    for (let i = 0, n = pending.length; i < n; i++) {
      const delta = unchecked(pending[i]);
      if (delta == 0) continue;
      unchecked(pending[i] = 0);
      this.counters[i].increment(delta);
    }
  }
}
