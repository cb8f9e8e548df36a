// The decision for one request (README "Evaluation"). A pass evaluates one set of policies:
//   1. a valid identity from a trust domain outside `trust_domains` is denied (untrusted_trust_domain);
//   2. when a policy of the set reads the path and `:path` does not normalize: denied (invalid_path);
//   3. AUDIT policies: every match is counted and logged;
//   4. the first matching DENY policy denies (denied_by_policy);
//   5. a caller whose identity is invalid is denied (invalid_identity) unless an ALLOW policy with
//      `from.unauthenticated: true` matches;
//   6. with ALLOW policies in the set, the first match allows, none denies (no_allow_match);
//      without any, `default_action` decides.
// The enforce pass uses the enforce-mode policies; the shadow pass (when a policy or the global
// mode is shadow) uses all policies and is only counted and logged.
import { logEnabled, LogLevel, logMessage } from "../shared/log";
import { BitSet } from "./bit-set";
import { CallerMatches, Identity } from "./caller-matches";
import { FILTER, RbacConfig } from "./config";
import { HostRequest } from "./host-request";
import { RbacMetrics } from "./metrics";
import { Action, Policy } from "./policy";

export namespace Reason {
  export const AllowedByPolicy: i32 = 0;
  export const DefaultAction: i32 = 1;
  export const DeniedByPolicy: i32 = 2;
  export const NoAllowMatch: i32 = 3;
  export const InvalidIdentity: i32 = 4;
  export const UntrustedTrustDomain: i32 = 5;
  export const InvalidPath: i32 = 6;
}

const REASON_NAMES = [
  "allowed_by_policy", "default_action", "denied_by_policy", "no_allow_match", "invalid_identity",
  "untrusted_trust_domain", "invalid_path",
];

export function reasonName(reason: i32): string {
  return REASON_NAMES[reason];
}

/** Who is calling: a valid identity, none (plaintext or no URI), or an invalid one. Reused from
 *  request to request (`reset`). */
export class Caller {
  /** The valid identity, or null. */
  id: Identity | null = null;
  /** An identity was presented but is not a valid SPIFFE ID (or the XFCC header was malformed). */
  invalid: bool = false;
  /** What was presented, for logs ("" when nothing). */
  presented: string = "";

  reset(): void {
    this.id = null;
    this.invalid = false;
    this.presented = "";
  }

  /** Takes `identity` as the caller's, valid or not. */
  present(identity: Identity): void {
    this.presented = identity.uri;
    if (identity.valid) this.id = identity;
    else this.invalid = true;
  }
}

export class Decision {
  allow: bool = true;
  reason: i32 = Reason.DefaultAction;
  policy: Policy | null = null;

  set(allow: bool, reason: i32, policy: Policy | null): Decision {
    this.allow = allow;
    this.reason = reason;
    this.policy = policy;
    return this;
  }
}

/** One pass's policies, split by action: one bit per policy (by configuration index, so bit
 *  order is configuration order). A request ANDs a mask with the caller's `from` bits and visits
 *  only the policies left, not every policy of the configuration. */
export class PolicySet {
  readonly deny: BitSet;
  readonly allow: BitSet;
  readonly audit: BitSet;
  /** The set has ALLOW policies (else `default_action` decides). */
  hasAllow: bool = false;
  hasDeny: bool = false;
  hasAudit: bool = false;
  /** Some policy of the set reads the path. */
  usesPath: bool = false;

  constructor(
    policyCount: i32,
    /** "" for the enforce pass, "shadow " for the shadow pass (log wording). */
    readonly label: string,
    /** Count `matched` for every policy (else only for shadow-mode ones). */
    readonly countAll: bool,
  ) {
    this.deny = new BitSet(policyCount);
    this.allow = new BitSet(policyCount);
    this.audit = new BitSet(policyCount);
  }

  add(policy: Policy): void {
    if (policy.action == Action.Deny) {
      this.deny.set(policy.index);
      this.hasDeny = true;
    } else if (policy.action == Action.Allow) {
      this.allow.set(policy.index);
      this.hasAllow = true;
    } else {
      this.audit.set(policy.index);
      this.hasAudit = true;
    }
    if (policy.usesPath) this.usesPath = true;
  }
}

/** firstMatch's `path` when the pass does not read the path (no policy of it has `paths`). */
// @ts-ignore: decorator
@inline const NO_PATH_INDEX = -1;

export class Evaluator {
  /** Null in global shadow mode. */
  enforce: PolicySet | null = null;
  /** Null when no policy (and not the global mode) is shadow. */
  shadow: PolicySet | null = null;

  readonly callerMatches: CallerMatches;

  constructor(readonly config: RbacConfig, readonly metrics: RbacMetrics) {
    this.callerMatches = new CallerMatches(config);
    const policies = config.policies;
    let anyShadow = config.shadow;
    for (let i = 0; i < policies.length; i++) if (policies[i].shadow) anyShadow = true;
    if (!config.shadow) {
      const enforce = new PolicySet(policies.length, "", true);
      for (let i = 0; i < policies.length; i++) if (!policies[i].shadow) enforce.add(policies[i]);
      this.enforce = enforce;
    }
    if (anyShadow) {
      const shadow = new PolicySet(policies.length, "shadow ", config.shadow);
      for (let i = 0; i < policies.length; i++) shadow.add(policies[i]);
      this.shadow = shadow;
    }
  }

  decide(set: PolicySet, caller: Caller, request: HostRequest, out: Decision): Decision {
    const id = caller.id;
    if (id !== null && !id.trusted) return out.set(false, Reason.UntrustedTrustDomain, null);
    if (set.usesPath && !request.pathValid()) return out.set(false, Reason.InvalidPath, null);
    const from = id === null ? this.callerMatches.unauthenticated : id.from;
    const path = set.usesPath ? this.config.checks.pathCandidatesAt(request) : NO_PATH_INDEX;
    let audit = set.hasAudit ? this.firstMatch(set.audit, from, 0, request, path) : null;
    while (audit !== null) {
      this.matched(set, audit, caller, request);
      audit = this.firstMatch(set.audit, from, audit.index + 1, request, path);
    }
    const deny = set.hasDeny ? this.firstMatch(set.deny, from, 0, request, path) : null;
    if (deny !== null) {
      this.matched(set, deny, caller, request);
      return out.set(false, Reason.DeniedByPolicy, deny);
    }
    if (caller.invalid) {
      const allow = this.firstMatch(set.allow, this.callerMatches.unauthenticatedAllowed, 0, request, path);
      if (allow !== null) {
        this.matched(set, allow, caller, request);
        return out.set(true, Reason.AllowedByPolicy, allow);
      }
      return out.set(false, Reason.InvalidIdentity, null);
    }
    if (!set.hasAllow) return out.set(this.config.defaultAllow, Reason.DefaultAction, null);
    const allow = this.firstMatch(set.allow, from, 0, request, path);
    if (allow !== null) {
      this.matched(set, allow, caller, request);
      return out.set(true, Reason.AllowedByPolicy, allow);
    }
    return out.set(false, Reason.NoAllowMatch, null);
  }

  /** The first policy, from configuration index `start` on, in both `set` and `from` whose `to`
   *  and `when` match the request; null when none does. `path`: where the policies that can
   *  match the request's path are in RequestChecks' path index, or NO_PATH_INDEX. */
  private firstMatch(set: BitSet, from: BitSet, start: i32, request: HostRequest, path: i32): Policy | null {
    const checks = this.config.checks;
    const a = set.words;
    const b = from.words;
    for (let w = start >> 5, n = a.length; w < n; w++) {
      let bits = unchecked(a[w]) & unchecked(b[w]);
      if (path != NO_PATH_INDEX) bits &= checks.pathCandidatesWord(path + w);
      if (w == start >> 5) bits &= <u32>-1 << (start & 31);
      while (bits != 0) {
        const index = (w << 5) + <i32>ctz(bits);
        if (checks.matches(index, request)) return unchecked(this.config.policies[index]);
        bits &= bits - 1;
      }
    }
    return null;
  }

  private matched(set: PolicySet, policy: Policy, caller: Caller, request: HostRequest): void {
    if (!set.countAll && !policy.shadow) return;
    this.metrics.countPolicy(policy);
    if (policy.action == Action.Audit && logEnabled(LogLevel.Info)) {
      logMessage(LogLevel.Info, FILTER + ": " + set.label + "audit policy=" + policy.name + " principal=\"" +
        caller.presented + "\" method=" + request.method().toString() + " path=\"" + request.path().toString() + "\"");
    }
  }
}
