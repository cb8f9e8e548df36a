// Metric names (`sluice.spiffe_rbac.*`) and their updates. Request paths count in the VM
// (Counter.add); RbacRoot flushes them to the host on every tick (FLUSH_PERIOD_MS) and at shutdown, so a
// request makes no metric host call and host values lag by at most one period.
import { Counter, defineCounter, flushCounters, metricsPrefix } from "../shared/metrics";
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

  /** Defines every counter (host calls: configure time only). */
  constructor(policies: Policy[]) {
    for (let i = 0; i < NAMES.length; i++) this.counters.push(defineCounter(PREFIX + NAMES[i]));
    for (let i = 0; i < policies.length; i++) this.counters.push(defineCounter(policyMetricName(policies[i])));
  }

  // @ts-ignore: decorator
  @inline count(stat: i32): void {
    unchecked(this.counters[stat]).add();
  }

  // @ts-ignore: decorator
  @inline countPolicy(policy: Policy): void {
    unchecked(this.counters[NAMES.length + policy.index]).add();
  }

  /** Sends the counts kept in the VM (one host call per counter that moved). */
  flush(): void {
    flushCounters(this.counters);
  }
}
