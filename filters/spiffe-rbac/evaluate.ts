// The decision for one request (README "Evaluation"). A pass evaluates one set of policies:
//   1. a valid identity from a trust domain outside `trust_domains` is denied (untrusted_trust_domain);
//   2. when a policy of the set reads the path and `:path` does not normalize: denied (invalid_path;
//      with path_forwarding normalized or reject, filter.ts has answered 400 before);
//   3. AUDIT policies: every match is counted and logged;
//   4. the first matching DENY policy denies (denied_by_policy);
//   5. a caller whose identity is invalid is denied (invalid_identity) unless an ALLOW policy with
//      `from.unauthenticated: true` matches;
//   6. with ALLOW policies in the set, the first match allows, none denies (no_allow_match);
//      without any, `default_action` decides.
// The enforce pass uses the enforce-mode policies; the shadow pass (when a policy or the global
// mode is shadow) uses all policies and is only counted and logged.
import { logEnabled, LogLevel, logMessage } from "../shared/log";
import { setBitAt } from "./bit-set";
import { CallerMatches, UNAUTHENTICATED, UNAUTHENTICATED_ALLOWED } from "./caller-matches";
import { FILTER, RbacConfig } from "./config";
import { HostRequest } from "./host-request";
import { RbacMetrics } from "./metrics";
import { Action, PolicyFlag, PolicyTable } from "./policy";
import { element } from "./static-array";

export namespace Reason {
  export const AllowedByPolicy: i32 = 0;
  export const DefaultAction: i32 = 1;
  export const DeniedByPolicy: i32 = 2;
  export const NoAllowMatch: i32 = 3;
  export const InvalidIdentity: i32 = 4;
  export const UntrustedTrustDomain: i32 = 5;
  export const InvalidPath: i32 = 6;
  /** Not decisions: the 400s before any evaluation (README "Path forwarding"). */
  export const PathRejected: i32 = 7;
  export const AuthorityRejected: i32 = 8;
}

/** How many Reason values there are. */
// @ts-ignore: decorator
@inline export const REASON_COUNT = 9;

export function reasonName(reason: i32): string {
  switch (reason) {
    case Reason.AllowedByPolicy: return "allowed_by_policy";
    case Reason.DefaultAction: return "default_action";
    case Reason.DeniedByPolicy: return "denied_by_policy";
    case Reason.NoAllowMatch: return "no_allow_match";
    case Reason.InvalidIdentity: return "invalid_identity";
    case Reason.UntrustedTrustDomain: return "untrusted_trust_domain";
    case Reason.InvalidPath: return "invalid_path";
    case Reason.PathRejected: return "path_rejected";
    default: return "authority_rejected";
  }
}

/** Logs `<filter>: <what> principal="<presented>" method=<method> path="<canonical path>"`. */
export function logRequest(level: u32, what: string, caller: Caller, request: HostRequest): void {
  logMessage(level, FILTER + ": " + what + " principal=\"" + caller.presented + "\" method=" + request.method().toString() +
    " path=\"" + request.path().toString() + "\"");
}

/** Caller.id without a valid identity; Decision.policy without a policy. */
// @ts-ignore: decorator
@inline export const NONE = -1;

/** Who is calling: a valid identity, none (plaintext or no URI), or an invalid one. Reused from
 *  request to request (`reset`). */
export class Caller {
  /** The CallerMatches entry of the valid identity, or NONE. */
  id: i32 = NONE;
  /** An identity was presented but is not a valid SPIFFE ID (or the XFCC header was malformed). */
  invalid: bool = false;
  /** What was presented, for logs ("" when nothing). */
  presented: string = "";

  reset(): void {
    this.id = NONE;
    this.invalid = false;
    this.presented = "";
  }

  /** Takes entry `entry` of `identities` as the caller's identity, valid or not. */
  present(identities: CallerMatches, entry: i32): void {
    this.presented = identities.uri(entry);
    if (identities.valid(entry)) this.id = entry;
    else this.invalid = true;
  }
}

export class Decision {
  allow: bool = true;
  reason: i32 = Reason.DefaultAction;
  /** The deciding policy, or NONE. */
  policy: i32 = NONE;

  set(allow: bool, reason: i32, policy: i32): Decision {
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
  /** One set per Action (in Action order, `words` words each): the set's policies with it. */
  readonly actions: StaticArray<u32>;
  readonly words: i32;
  /** The set has ALLOW policies (else `default_action` decides). */
  hasAllow: bool = false;
  hasDeny: bool = false;
  hasAudit: bool = false;
  /** Some policy of the set reads the path. */
  usesPath: bool = false;
  /** Some policy of the set reads `:authority`. */
  usesHost: bool = false;

  constructor(
    policyCount: i32,
    /** "" for the enforce pass, "shadow " for the shadow pass (log wording). */
    readonly label: string,
    /** Count `matched` for every policy (else only for shadow-mode ones). */
    readonly countAll: bool,
  ) {
    const words = (policyCount + 31) >> 5;
    this.actions = new StaticArray<u32>(3 * words);
    this.words = words;
  }

  add(policies: PolicyTable, policy: i32): void {
    const action = policies.action(policy);
    setBitAt(this.actions, action * this.words, policy);
    if (action == Action.Deny) this.hasDeny = true;
    else if (action == Action.Allow) this.hasAllow = true;
    else this.hasAudit = true;
    if (policies.has(policy, PolicyFlag.UsesPath)) this.usesPath = true;
    if (policies.has(policy, PolicyFlag.UsesHost)) this.usesHost = true;
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
    const count = policies.count;
    const globalShadow = config.shadow;
    const enforce: PolicySet | null = globalShadow ? null : new PolicySet(count, "", true);
    const shadow = new PolicySet(count, "shadow ", globalShadow);
    let anyShadow = globalShadow;
    for (let i = 0; i < count; i++) {
      shadow.add(policies, i);
      if (policies.has(i, PolicyFlag.Shadow)) anyShadow = true;
      else if (enforce !== null) enforce.add(policies, i);
    }
    this.enforce = enforce;
    // the shadow pass only runs when some policy (or the global mode) is shadow
    if (anyShadow) this.shadow = shadow;
  }

  decide(set: PolicySet, caller: Caller, request: HostRequest, out: Decision): Decision {
    const id = caller.id;
    const identities = this.callerMatches;
    if (id != NONE && !identities.trusted(id)) return out.set(false, Reason.UntrustedTrustDomain, NONE);
    if (set.usesPath && !request.pathValid()) return out.set(false, Reason.InvalidPath, NONE);
    const from = identities.fromAt(id == NONE ? UNAUTHENTICATED : id);
    const path = set.usesPath ? this.config.checks.pathCandidatesAt(request) : NO_PATH_INDEX;
    let audit = set.hasAudit ? this.firstMatch(set, Action.Audit, from, 0, request, path) : NONE;
    while (audit != NONE) {
      this.matched(set, audit, caller, request);
      audit = this.firstMatch(set, Action.Audit, from, audit + 1, request, path);
    }
    const deny = set.hasDeny ? this.firstMatch(set, Action.Deny, from, 0, request, path) : NONE;
    if (deny != NONE) {
      this.matched(set, deny, caller, request);
      return out.set(false, Reason.DeniedByPolicy, deny);
    }
    if (caller.invalid) {
      const allow = this.firstMatch(set, Action.Allow, identities.fromAt(UNAUTHENTICATED_ALLOWED), 0, request, path);
      if (allow != NONE) {
        this.matched(set, allow, caller, request);
        return out.set(true, Reason.AllowedByPolicy, allow);
      }
      return out.set(false, Reason.InvalidIdentity, NONE);
    }
    if (!set.hasAllow) return out.set(this.config.defaultAllow, Reason.DefaultAction, NONE);
    const allow = this.firstMatch(set, Action.Allow, from, 0, request, path);
    if (allow != NONE) {
      this.matched(set, allow, caller, request);
      return out.set(true, Reason.AllowedByPolicy, allow);
    }
    return out.set(false, Reason.NoAllowMatch, NONE);
  }

  /** The first policy, from configuration index `start` on, both among `set`'s policies with
   *  action `action` and in the caller's policy bits at callerMatches.from[from..], whose `to` and
   *  `when` match the request; NONE when none does. `path`: where the policies that can match
   *  the request's path are in RequestChecks' path index, or NO_PATH_INDEX. */
  private firstMatch(set: PolicySet, action: i32, from: i32, start: i32, request: HostRequest, path: i32): i32 {
    const checks = this.config.checks;
    const a = set.actions;
    const b = this.callerMatches.from;
    const n = set.words;
    const at = action * n;
    for (let w = start >> 5; w < n; w++) {
      let bits = element(a, at + w) & element(b, from + w);
      if (path != NO_PATH_INDEX) bits &= checks.pathCandidatesWord(path + w);
      if (w == start >> 5) bits &= <u32>-1 << (start & 31);
      while (bits != 0) {
        const index = (w << 5) + <i32>ctz(bits);
        if (checks.matches(index, request)) return index;
        bits &= bits - 1;
      }
    }
    return NONE;
  }

  private matched(set: PolicySet, policy: i32, caller: Caller, request: HostRequest): void {
    const policies = this.config.policies;
    if (!set.countAll && !policies.has(policy, PolicyFlag.Shadow)) return;
    this.metrics.countPolicy(policy);
    if (policies.action(policy) == Action.Audit && logEnabled(LogLevel.Info)) {
      logRequest(LogLevel.Info, set.label + "audit policy=" + policies.name(policy), caller, request);
    }
  }
}
