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
import { SpiffeId } from "../shared/spiffe";
import { logEnabled, LogLevel, logMessage } from "../shared/log";
import { CallerMatches } from "./caller-matches";
import { FILTER, RbacConfig } from "./config";
import { RbacMetrics } from "./metrics";
import { Action, Policy, RequestView } from "./policy";

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
 *  request to request (`reset`), with its two parse buffers. */
export class Caller {
  /** The valid identity (`peer` or `forwarded`), or null. */
  id: SpiffeId | null = null;
  /** An identity was presented but is not a valid SPIFFE ID (or the XFCC header was malformed). */
  invalid: bool = false;
  /** What was presented, for logs ("" when nothing). */
  presented: string = "";
  /** The direct peer's URI SAN, parsed. */
  readonly peer: SpiffeId = new SpiffeId();
  /** The URI of the chosen XFCC element, parsed. */
  readonly forwarded: SpiffeId = new SpiffeId();

  reset(): void {
    this.id = null;
    this.invalid = false;
    this.presented = "";
  }

  /** Takes `parsed` (just parsed) as the caller's identity, valid or not. */
  present(parsed: SpiffeId): void {
    this.presented = parsed.uri;
    if (parsed.valid) this.id = parsed;
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

/** One pass's policies, split by action, in configuration order. */
export class PolicySet {
  deny: Policy[] = [];
  allow: Policy[] = [];
  audit: Policy[] = [];
  /** Some policy of the set reads the path. */
  usesPath: bool = false;

  constructor(
    /** "" for the enforce pass, "shadow " for the shadow pass (log wording). */
    readonly label: string,
    /** Count `matched` for every policy (else only for shadow-mode ones). */
    readonly countAll: bool,
  ) {}

  add(policy: Policy): void {
    if (policy.action == Action.Deny) this.deny.push(policy);
    else if (policy.action == Action.Allow) this.allow.push(policy);
    else this.audit.push(policy);
    if (policy.usesPath) this.usesPath = true;
  }
}

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
      const enforce = new PolicySet("", true);
      for (let i = 0; i < policies.length; i++) if (!policies[i].shadow) enforce.add(policies[i]);
      this.enforce = enforce;
    }
    if (anyShadow) {
      const shadow = new PolicySet("shadow ", config.shadow);
      for (let i = 0; i < policies.length; i++) shadow.add(policies[i]);
      this.shadow = shadow;
    }
  }

  decide(set: PolicySet, caller: Caller, request: RequestView, out: Decision): Decision {
    const id = caller.id;
    const callerMatches = this.callerMatches;
    if (id !== null && this.config.trustDomains !== null && !callerMatches.trusted(id)) {
      return out.set(false, Reason.UntrustedTrustDomain, null);
    }
    if (set.usesPath && !request.pathValid()) return out.set(false, Reason.InvalidPath, null);
    const from = callerMatches.bits(id);
    const audit = set.audit;
    for (let i = 0, n = audit.length; i < n; i++) {
      const policy = unchecked(audit[i]);
      if (from.has(policy.index) && policy.matchesRequest(request)) this.matched(set, policy, caller, request);
    }
    const deny = set.deny;
    for (let i = 0, n = deny.length; i < n; i++) {
      const policy = unchecked(deny[i]);
      if (from.has(policy.index) && policy.matchesRequest(request)) {
        this.matched(set, policy, caller, request);
        return out.set(false, Reason.DeniedByPolicy, policy);
      }
    }
    const allow = set.allow;
    if (caller.invalid) {
      for (let i = 0, n = allow.length; i < n; i++) {
        const policy = unchecked(allow[i]);
        if (policy.allowsUnauthenticated && policy.matchesRequest(request)) {
          this.matched(set, policy, caller, request);
          return out.set(true, Reason.AllowedByPolicy, policy);
        }
      }
      return out.set(false, Reason.InvalidIdentity, null);
    }
    if (allow.length == 0) return out.set(this.config.defaultAllow, Reason.DefaultAction, null);
    for (let i = 0, n = allow.length; i < n; i++) {
      const policy = unchecked(allow[i]);
      if (from.has(policy.index) && policy.matchesRequest(request)) {
        this.matched(set, policy, caller, request);
        return out.set(true, Reason.AllowedByPolicy, policy);
      }
    }
    return out.set(false, Reason.NoAllowMatch, null);
  }

  private matched(set: PolicySet, policy: Policy, caller: Caller, request: RequestView): void {
    if (!set.countAll && !policy.shadow) return;
    this.metrics.countPolicy(policy);
    if (policy.action == Action.Audit && logEnabled(LogLevel.Info)) {
      logMessage(LogLevel.Info, FILTER + ": " + set.label + "audit policy=" + policy.name + " principal=\"" +
        caller.presented + "\" method=" + request.method() + " path=\"" + request.path() + "\"");
    }
  }
}
