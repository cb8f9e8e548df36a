// Metric names (`sluice.spiffe_rbac.*`) and their updates. Request paths count in the VM
// (CounterArray.add); RbacRoot flushes them to the host on every tick (FLUSH_PERIOD_MS) and at shutdown, so a
// request makes no metric host call and host values lag by at most one period.
import { metricsPrefix } from "../shared/metrics";
import { CounterArray } from "./counter-array";
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

const NAMES = ["allowed", "denied", "shadow_allowed", "shadow_denied", "invalid_identity", "xfcc_malformed"];

/** `sluice.spiffe_rbac.policy.<name>.matched`. */
function policyMetricName(policies: PolicyTable, policy: i32): string {
  return PREFIX + "policy." + policies.name(policy) + ".matched";
}

/** The Stat counters, then one `matched` counter per policy. */
function counterNames(policies: PolicyTable): string[] {
  const names = new Array<string>();
  for (let i = 0; i < NAMES.length; i++) names.push(PREFIX + NAMES[i]);
  for (let i = 0, n = policies.count; i < n; i++) names.push(policyMetricName(policies, i));
  return names;
}

export class RbacMetrics extends CounterArray {
  /** Defines every counter (host calls: configure time only). */
  constructor(policies: PolicyTable) {
    super(counterNames(policies));
  }

  // @ts-ignore: decorator
  @inline count(stat: i32): void {
    this.add(stat);
  }

  // @ts-ignore: decorator
  @inline countPolicy(policy: i32): void {
    this.add(NAMES.length + policy);
  }
}
