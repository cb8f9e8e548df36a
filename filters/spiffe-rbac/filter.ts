// SpiffeRbacRoot (configure, metric flush on tick) and SpiffeRbacFilter (one decision per request
// at request headers). Host calls per request: the peer's URI SAN, then only what a policy asks
// for (each header or property once), the XFCC header for trusted proxies, and the local reply;
// on an allowed request, the canonical `:path`/`:authority` and the matched `when` headers
// replacing what arrived (README "Path forwarding").
import { proxy_set_tick_period_milliseconds } from "@gcoredev/proxy-wasm-sdk-as/assembly/imports";
import { bytesToString, stringToBuffer } from "../shared/bytes";
import { readPluginConfiguration } from "../shared/buffers";
import { HeadersStatus, HttpContext, RootContext } from "../shared/context";
import { removeEncodedHeader, replaceHeaderBytes } from "../shared/encoded-host-calls";
import { HeaderMap } from "../shared/headers";
import { readHeader, readProperty, releaseValue, valuePtr } from "../shared/host-values";
import { ConfigErrors } from "../shared/config-error";
import { logEnabled, LogLevel } from "../shared/log";
import { CONNECTION_URI_SAN_PEER } from "../shared/properties";
import { CallerMatches } from "./caller-matches";
import { AuthorityResult } from "./authority";
import { FILTER, Forwarding, parseConfig, RbacConfig, XfccConfig } from "./config";
import { DenyReply } from "./deny-reply";
import { Caller, Decision, Evaluator, logRequest, NONE, PolicySet, reasonName } from "./evaluate";
import { FLUSH_PERIOD_MS, RbacMetrics, Stat } from "./metrics";
import { AUTHORITY, HostRequest, PATH } from "./host-request";
import { PathResult } from "./path";
import { PolicyTable } from "./policy";
import { parseXfcc, xfccUriEnd, xfccUriStart, XfccResult } from "./xfcc";

const PEER_URI = stringToBuffer(CONNECTION_URI_SAN_PEER);
const XFCC = stringToBuffer("x-forwarded-client-cert");
/** How much of a malformed XFCC header a log shows. */
const MAX_PRESENTED_HEADER = 256;

export class SpiffeRbacRoot extends RootContext {
  evaluator: Evaluator | null = null;
  // Per-request state, reused: a VM runs one callback at a time and nothing outlives it.
  readonly caller: Caller = new Caller();
  readonly decision: Decision = new Decision();
  readonly shadowDecision: Decision = new Decision();
  /** Set with `evaluator`. */
  request: HostRequest | null = null;
  denyReply: DenyReply | null = null;

  onConfigure(configSize: u32): bool {
    const errors = new ConfigErrors(FILTER);
    const config = parseConfig(readPluginConfiguration(configSize), errors);
    if (config === null) {
      errors.log();
      return false;
    }
    const previous = this.evaluator;
    if (previous !== null) previous.metrics.flush();
    this.evaluator = new Evaluator(config, new RbacMetrics(config.policies));
    this.request = new HostRequest(config.paths);
    this.denyReply = new DenyReply(config.replies, config.decisionHeader, config.policies);
    proxy_set_tick_period_milliseconds(FLUSH_PERIOD_MS);
    return true;
  }

  onTick(): void {
    const evaluator = this.evaluator;
    if (evaluator !== null) evaluator.metrics.flush();
  }

  onDone(): bool {
    this.onTick();
    return true;
  }

  newHttpContext(id: u32): HttpContext | null {
    const evaluator = this.evaluator;
    return evaluator === null ? null : new SpiffeRbacFilter(id, this);
  }
}

export class SpiffeRbacFilter extends HttpContext {
  constructor(id: u32, readonly rbac: SpiffeRbacRoot) { super(id, rbac); }

  onRequestHeaders(headerCount: u32, endOfStream: bool): u32 {
    const rbac = this.rbac;
    const evaluator = rbac.evaluator;
    // set before this context was created (newHttpContext)
    if (evaluator === null) return HeadersStatus.Continue;
    const config = evaluator.config;
    const metrics = evaluator.metrics;
    const caller = rbac.caller;
    this.identify(config, evaluator, caller);
    if (caller.invalid) metrics.count(Stat.InvalidIdentity);
    const request = changetype<HostRequest>(rbac.request).reset();
    const enforceSet = evaluator.enforce;
    // what the enforced policies read must be forwarded as read (README "Path forwarding")
    const shape = enforceSet !== null && (enforceSet.usesPath || enforceSet.usesHost);
    if (shape && config.forwarding != Forwarding.Raw && this.rejectsShape(changetype<PolicySet>(enforceSet), request, config, evaluator)) {
      return HeadersStatus.StopIteration;
    }
    const shadowSet = evaluator.shadow;
    if (shadowSet !== null) {
      const shadow = evaluator.decide(shadowSet, caller, request, rbac.shadowDecision);
      metrics.count(shadow.allow ? Stat.ShadowAllowed : Stat.ShadowDenied);
      if (!shadow.allow && logEnabled(LogLevel.Info)) logDecision(LogLevel.Info, "shadow denied", shadow, config, caller, request);
    }
    if (enforceSet === null) return HeadersStatus.Continue;
    const decision = evaluator.decide(enforceSet, caller, request, rbac.decision);
    if (decision.allow) {
      metrics.count(Stat.Allowed);
      if (logEnabled(LogLevel.Debug)) logDecision(LogLevel.Debug, "allowed", decision, config, caller, request);
      if (config.forwarding != Forwarding.Raw) config.checks.forwardHeaders();
      if (shape) forward(enforceSet, request, config, evaluator);
      return HeadersStatus.Continue;
    }
    metrics.count(Stat.Denied);
    // debug, as Envoy's RBAC filter: a flood of hostile requests must not build a string each
    if (logEnabled(LogLevel.Debug)) logDecision(LogLevel.Debug, "denied", decision, config, caller, request);
    changetype<DenyReply>(rbac.denyReply).send(decision);
    return HeadersStatus.StopIteration;
  }

  /** With path_forwarding normalized or reject: answers 400 (and returns true) when `:path` or
   *  `:authority`, read by `set`'s policies, is ambiguous, or not canonical with reject. */
  private rejectsShape(set: PolicySet, request: HostRequest, config: RbacConfig, evaluator: Evaluator): bool {
    const strict = config.forwarding == Forwarding.Reject;
    let authority = false;
    let rejected = false;
    if (set.usesPath) {
      request.path();
      const path = request.pathResult;
      rejected = path == PathResult.Invalid || (strict && path == PathResult.Changed);
    }
    if (!rejected && set.usesHost) {
      request.host();
      const result = request.authorityResult;
      rejected = authority = result == AuthorityResult.Invalid || (strict && result == AuthorityResult.Changed);
    }
    if (!rejected) return false;
    evaluator.metrics.count(authority ? Stat.AuthorityRejected : Stat.PathRejected);
    changetype<DenyReply>(this.rbac.denyReply).reject(authority);
    return true;
  }

  /** Sets `caller`: the peer's URI SAN, or for a trusted proxy the URI of the chosen XFCC element. */
  private identify(config: RbacConfig, evaluator: Evaluator, caller: Caller): void {
    caller.reset();
    const identities = evaluator.callerMatches;
    let peer = NONE;
    const n = readProperty(PEER_URI);
    if (n >= 0) peer = identities.find(valuePtr(), n);
    releaseValue();
    const xfcc = config.xfcc;
    if (xfcc !== null) {
      if (peer != NONE && identities.trustedProxy(peer)) {
        this.identifyForwarded(xfcc, evaluator, caller);
        return;
      }
      if (xfcc.stripUntrusted) removeEncodedHeader(HeaderMap.RequestHeaders, XFCC);
    }
    if (peer != NONE) caller.present(identities, peer);
  }

  /** Sets `caller` from the XFCC header of a trusted proxy. */
  private identifyForwarded(xfcc: XfccConfig, evaluator: Evaluator, caller: Caller): void {
    const n = readHeader(HeaderMap.RequestHeaders, XFCC);
    if (n < 0) return;
    const header = valuePtr();
    const result = parseXfcc(header, n, xfcc.useLast);
    if (result == XfccResult.Uri) {
      const identities = evaluator.callerMatches;
      caller.present(identities, forwardedIdentity(identities, header));
    } else if (result != XfccResult.NoUri) {
      if (result == XfccResult.Malformed) evaluator.metrics.count(Stat.XfccMalformed);
      caller.invalid = true;
      caller.presented = bytesToString(header, <usize>min(n, MAX_PRESENTED_HEADER));
    }
    releaseValue();
  }
}

/** After an allowed request: the canonical `:path` and `:authority` replace the raw ones that
 *  `set`'s policies read in canonical form (path_forwarding normalized), or a changed path is
 *  counted as forwarded raw. */
function forward(set: PolicySet, request: HostRequest, config: RbacConfig, evaluator: Evaluator): void {
  const metrics = evaluator.metrics;
  if (set.usesPath && request.pathResult == PathResult.Changed) {
    if (config.forwarding == Forwarding.Raw) {
      metrics.count(Stat.PathForwardedRaw);
    } else {
      const path = request.path();
      replaceHeaderBytes(HeaderMap.RequestHeaders, PATH, path.ptr, request.forwardLength);
      metrics.count(Stat.PathNormalized);
    }
  }
  if (set.usesHost && config.forwarding != Forwarding.Raw && request.authorityResult == AuthorityResult.Changed) {
    const authority = request.authority;
    replaceHeaderBytes(HeaderMap.RequestHeaders, AUTHORITY, authority.ptr, request.authorityLength);
    metrics.count(Stat.AuthorityNormalized);
  }
}

function logDecision(level: u32, what: string, decision: Decision, config: RbacConfig, caller: Caller, request: HostRequest): void {
  logRequest(level, what + " (" + describe(decision, config.policies) + ")", caller, request);
}

/** The entry of the identity named by the XFCC URI that parseXfcc just found in `header`. */
function forwardedIdentity(identities: CallerMatches, header: usize): i32 {
  return identities.find(header + <usize>xfccUriStart, xfccUriEnd - xfccUriStart);
}

/** `<reason>` or `<reason>; policy=<name>`: the decision header and log wording. */
function describe(decision: Decision, policies: PolicyTable): string {
  const policy = decision.policy;
  const reason = reasonName(decision.reason);
  return policy == NONE ? reason : reason + "; policy=" + policies.name(policy);
}
