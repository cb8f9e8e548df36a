// What a rate-limit root keeps per rule of its configuration: the rule's bucket stores and
// counters, and what the request path sends for it, encoded once.
import { stringToBuffer } from "../shared/bytes";
import { hex } from "../shared/number-text";
import { Overflow, Rule } from "./config";
import { EncodedConfig } from "./encoded-config";
import { RuleCounters } from "./metrics";
import { BucketStore, bucketStore } from "./store";

export class RuleState {
  constructor(
    /** The rule's buckets. */
    readonly store: BucketStore,
    /** The shared bucket of keys that found no slot (overflow: shared_bucket), else null. */
    readonly overflowStore: BucketStore | null,
    readonly counters: RuleCounters,
    /** The rule's name (the shadow header's value, in the ietf headers). */
    readonly name: ArrayBuffer,
    /** The info line of a shadow hit. */
    readonly shadowLogLine: ArrayBuffer,
    /** The configuration's parts, shared by its rules. */
    readonly encoded: EncodedConfig,
  ) {}
}

/** The state of `rule` (of the configuration encoded as `encoded`). */
export function ruleState(rule: Rule, encoded: EncodedConfig): RuleState {
  const prefix = "sluice:rate-limit:" + hex(rule.fingerprint, 16) + ":";
  return new RuleState(bucketStore(prefix, rule.limits),
    rule.overflow == Overflow.SharedBucket ? bucketStore(prefix + "overflow:", rule.overflowLimits) : null,
    new RuleCounters(rule.name), stringToBuffer(rule.name), stringToBuffer("rate-limit: shadow limited by rule " + rule.name), encoded);
}
