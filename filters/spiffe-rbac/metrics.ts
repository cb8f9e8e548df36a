// Metric names (`sluice.spiffe_rbac.*`) and their updates. Request paths count in the VM (one
// CounterArray for the stats and one counter per policy); RbacRoot flushes them to the host on
// every tick (FLUSH_PERIOD_MS) and at shutdown, so a request makes no metric host call and host
// values lag by at most one period.
import { CounterArray, metricsPrefix } from "../shared/metrics";
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
  export const PathNormalized: i32 = 6;
  export const PathRejected: i32 = 7;
  export const PathForwardedRaw: i32 = 8;
  export const AuthorityNormalized: i32 = 9;
  export const AuthorityRejected: i32 = 10;
}

/** How many Stat counters there are; the `matched` counters follow them. */
// @ts-ignore: decorator
@inline const STAT_COUNT = 11;

/** The Stat counters, then one `sluice.spiffe_rbac.policy.<name>.matched` counter per policy. */
export class RbacMetrics {
  private readonly counters: CounterArray;

  /** Defines every counter (host calls: configure time only). */
  constructor(policies: PolicyTable) {
    const names = ["allowed", "denied", "shadow_allowed", "shadow_denied", "invalid_identity", "xfcc_malformed",
      "path_normalized", "path_rejected", "path_forwarded_raw", "authority_normalized", "authority_rejected"];
    for (let i = 0, n = policies.count; i < n; i++) names.push("policy." + policies.name(i) + ".matched");
    this.counters = new CounterArray(PREFIX, names);
  }

  // @ts-ignore: decorator
  @inline count(stat: i32): void {
    this.counters.add(stat);
  }

  // @ts-ignore: decorator
  @inline countPolicy(policy: i32): void {
    this.counters.add(STAT_COUNT + policy);
  }

  /** Sends the counts kept in the VM (one host call per counter that moved). */
  flush(): void {
    this.counters.flush();
  }
}
