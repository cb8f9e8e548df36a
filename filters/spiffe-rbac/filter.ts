// SpiffeRbacRoot (configure, metric flush on tick) and SpiffeRbacFilter (one decision per request
// at request headers). Host calls per request: the peer's URI SAN, then only what a policy asks
// for (each header or property once), the XFCC header for trusted proxies, and the local reply.
import { proxy_set_tick_period_milliseconds } from "@gcoredev/proxy-wasm-sdk-as/assembly/imports";
import { readPluginConfiguration } from "../shared/buffers";
import { HeadersStatus, HttpContext, RootContext } from "../shared/context";
import { HeaderList, HeaderMap, removeHeader } from "../shared/headers";
import { ConfigReader } from "../shared/json";
import { isGrpcRequest, sendLocalReply } from "../shared/local-reply";
import { logEnabled, LogLevel, logMessage } from "../shared/log";
import { CONNECTION_URI_SAN_PEER } from "../shared/properties";
import { FILTER, parseConfig, RbacConfig } from "./config";
import { Caller, Decision, Evaluator, reasonName } from "./evaluate";
import { FLUSH_PERIOD_MS, RbacMetrics, Stat } from "./metrics";
import { HostKey, propertyString, requestHeader } from "./host-key";
import { HostRequest } from "./host-request";
import { PathOptions } from "./path";
import { anyPrincipal } from "./policy";
import { parseXfcc, xfccUri, XfccResult } from "./xfcc";

export const XFCC_HEADER = "x-forwarded-client-cert";
export const DECISION_HEADER = "x-sluice-rbac";
export const DENY_DETAILS = "rbac_access_denied";
const GRPC_PERMISSION_DENIED: i32 = 7;
const PEER_URI = new HostKey(CONNECTION_URI_SAN_PEER);
const CONTENT_TYPE = new HostKey("content-type");
const XFCC = new HostKey(XFCC_HEADER);

export class SpiffeRbacRoot extends RootContext {
  evaluator: Evaluator | null = null;
  // Per-request state, reused: a VM runs one callback at a time and nothing outlives it.
  readonly caller: Caller = new Caller();
  request: HostRequest = new HostRequest(new PathOptions());
  readonly decision: Decision = new Decision();
  readonly shadowDecision: Decision = new Decision();

  onConfigure(configSize: u32): bool {
    const reader = new ConfigReader(FILTER);
    const config = parseConfig(readPluginConfiguration(configSize), reader);
    if (config === null) {
      logMessage(LogLevel.Critical, reader.message());
      return false;
    }
    const previous = this.evaluator;
    if (previous !== null) previous.metrics.flush();
    this.evaluator = new Evaluator(config, new RbacMetrics(config.policies));
    this.request = new HostRequest(config.paths);
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
    const evaluator = rbac.evaluator!;
    const config = evaluator.config;
    const metrics = evaluator.metrics;
    const caller = rbac.caller;
    this.identify(config, evaluator, caller);
    if (caller.invalid) metrics.count(Stat.InvalidIdentity);
    const request = rbac.request.reset();
    const shadowSet = evaluator.shadow;
    if (shadowSet !== null) {
      const shadow = evaluator.decide(shadowSet, caller, request, rbac.shadowDecision);
      metrics.count(shadow.allow ? Stat.ShadowAllowed : Stat.ShadowDenied);
      if (!shadow.allow && logEnabled(LogLevel.Info)) this.logDecision(LogLevel.Info, "shadow denied", shadow, caller, request);
    }
    const enforceSet = evaluator.enforce;
    if (enforceSet === null) return HeadersStatus.Continue;
    const decision = evaluator.decide(enforceSet, caller, request, rbac.decision);
    if (decision.allow) {
      metrics.count(Stat.Allowed);
      if (logEnabled(LogLevel.Debug)) this.logDecision(LogLevel.Debug, "allowed", decision, caller, request);
      return HeadersStatus.Continue;
    }
    metrics.count(Stat.Denied);
    // debug, as Envoy's RBAC filter: a flood of hostile requests must not build a string each
    if (logEnabled(LogLevel.Debug)) this.logDecision(LogLevel.Debug, "denied", decision, caller, request);
    let headers: HeaderList | null = null;
    if (config.decisionHeader) {
      headers = new HeaderList();
      headers.add(DECISION_HEADER, describe(decision));
    }
    const grpc = isGrpcRequest(requestHeader(CONTENT_TYPE));
    sendLocalReply(403, DENY_DETAILS, config.denyBody, headers, grpc ? GRPC_PERMISSION_DENIED : -1);
    return HeadersStatus.StopIteration;
  }

  /** Sets `caller`: the peer's URI SAN, or for a trusted proxy the URI of the chosen XFCC element. */
  private identify(config: RbacConfig, evaluator: Evaluator, caller: Caller): void {
    caller.reset();
    const peerUri = propertyString(PEER_URI);
    const peer = caller.peer;
    if (peerUri !== null) peer.parse(peerUri);
    const xfcc = config.xfcc;
    if (xfcc !== null) {
      if (peerUri !== null && peer.valid && anyPrincipal(xfcc.trustedProxies, peer)) {
        const header = requestHeader(XFCC);
        if (header === null) return;
        const result = parseXfcc(header, xfcc.useLast);
        if (result == XfccResult.Uri) {
          caller.forwarded.parse(xfccUri);
          caller.present(caller.forwarded);
        } else if (result != XfccResult.NoUri) {
          if (result == XfccResult.Malformed) evaluator.metrics.count(Stat.XfccMalformed);
          caller.invalid = true;
          caller.presented = header.length > 256 ? header.substring(0, 256) : header;
        }
        return;
      }
      if (xfcc.stripUntrusted) removeHeader(HeaderMap.RequestHeaders, XFCC_HEADER);
    }
    if (peerUri !== null) caller.present(peer);
  }

  private logDecision(level: u32, what: string, decision: Decision, caller: Caller, request: HostRequest): void {
    logMessage(level, FILTER + ": " + what + " (" + describe(decision) + ") principal=\"" + caller.presented +
      "\" method=" + request.method() + " path=\"" + request.path() + "\"");
  }
}

/** `<reason>` or `<reason>; policy=<name>`: the decision header and log wording. */
function describe(decision: Decision): string {
  const policy = decision.policy;
  const reason = reasonName(decision.reason);
  return policy === null ? reason : reason + "; policy=" + policy.name;
}
