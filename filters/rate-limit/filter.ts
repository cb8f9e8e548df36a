// RateLimitRoot (configuration, bucket stores, counters, metric flushing on tick) and
// RateLimitFilter (one per stream: the first rule that applies decides the request).
import { proxy_set_effective_context, proxy_set_tick_period_milliseconds } from "@gcoredev/proxy-wasm-sdk-as/assembly/imports";
import { readPluginConfiguration } from "../shared/buffers";
import { continueRequest } from "../shared/stream-control";
import { HeadersStatus, HttpContext, RootContext } from "../shared/context";
import { stringToBuffer } from "../shared/bytes";
import { replaceEncodedHeader } from "../shared/encoded-host-calls";
import { hostTime } from "../shared/hook-reads";
import { callToken, grpcCall, readResponse, releaseResponse, responsePtr } from "../shared/grpc";
import { HeaderPairs } from "../shared/header-pairs";
import { addHeader, HeaderList, HeaderMap, replaceHeader } from "../shared/headers";
import { ConfigErrors } from "../shared/config-error";
import { isGrpcRequest, NO_GRPC_STATUS, sendLocalReply } from "../shared/local-reply";
import { logEnabled, logEncoded, logMessage, LogLevel } from "../shared/log";
import { SharedStatus } from "../shared/shared-data";
import { Decision, Limit } from "./bucket";
import { Config, HeadersMode, Overflow, parseConfig, RlsConfig, Rule } from "./config";
import { INVALID_COST, requestCost } from "./cost";
import { keyFingerprint, MISSING_KEY, setOf } from "./key";
import { Event, RuleCounters, TICK_MS } from "./metrics";
import { encodeConfig } from "./encoded-config";
import { ruleState, RuleState } from "./rule-state";
import {
  addRateLimitHeaders, addRateLimitHeaderValues, addRetryAfter, addStatusHeaders, hasRateLimitHeaders, hasRetryAfter,
} from "./rate-limit-headers";
import { RequestView } from "./request";
import {
  decodeRateLimitResponse, dropKeyEntries, finishRateLimitRequest, RateLimitReply, RLS_METHOD, RLS_SERVICE, startRateLimitRequest,
} from "./rls";
import { BucketStore, processSeed } from "./store";
import { ceilSeconds } from "./bucket";
import { decimal } from "../shared/number-text";

const timeScratch = memory.data(8);
const REJECT_DETAILS = stringToBuffer("rate_limited");
const INVALID_COST_DETAILS = stringToBuffer("rate_limit_invalid_cost");
const NO_BODY = new ArrayBuffer(0);
/** The response headers or rejection headers of the request being decided (one at a time). */
const headers = new HeaderPairs();
/** A stream's limits until a bucket decides its request. */
const NO_LIMITS: Limit[] = [];

export class RateLimitRoot extends RootContext {
  config: Config | null = null;
  /** Per rule, in config order. */
  states: RuleState[] = [];
  /** The process's secret that places keys in sets (key.ts setOf); 0 until a rule has several. */
  seed: u64 = 0;
  /** Enforcement credit for `enforce_percent`: limited requests are enforced in an exact ratio. */
  private enforceCredit: i32 = 0;
  /** Reused by every stream of this VM (one request is decided at a time). */
  readonly decision: Decision = new Decision();
  /** The request view of the stream being decided, reset per request; made with `config`. */
  view: RequestView | null = null;
  /** Streams paused for a rate limit service answer (each holds its call token), linked through
   *  nextWaiting: as many as calls in flight, so few. */
  private firstWaiting: RateLimitFilter | null = null;

  onConfigure(configSize: u32): bool {
    const errors = new ConfigErrors("rate-limit");
    const config = parseConfig(errors, readPluginConfiguration(configSize));
    if (config === null) {
      errors.log();
      return false;
    }
    this.flushCounters();
    const states: RuleState[] = [];
    const encoded = encodeConfig(config);
    let seed: u64 = 0;
    for (let i = 0; i < config.rules.length; i++) {
      const rule = unchecked(config.rules[i]);
      if (rule.sets > 1 && seed == 0) { // the clock, should random_get fail
        hostTime(timeScratch);
        seed = processSeed(load<u64>(timeScratch));
      }
      states.push(ruleState(rule, encoded));
    }
    this.config = config;
    this.view = new RequestView(config.readAllHeaders);
    this.states = states;
    this.seed = seed;
    proxy_set_tick_period_milliseconds(TICK_MS);
    return true;
  }

  onTick(): void {
    this.flushCounters();
  }

  onGrpcReceive(token: u32, messageSize: u32): void {
    const stream = this.takeWaiting(token);
    if (stream === null) return;
    const length = readResponse(messageSize);
    if (length >= 0) {
      decodeRateLimitResponse(responsePtr(), length, stream.rlsReply());
      releaseResponse();
    }
    proxy_set_effective_context(stream.id);
    stream.onRlsAnswer(length >= 0);
  }

  /** A call that ends without a message: an error status or the timeout. */
  onGrpcClose(token: u32, statusCode: u32): void {
    const stream = this.takeWaiting(token);
    if (stream === null) return;
    proxy_set_effective_context(stream.id);
    stream.onRlsAnswer(false);
  }

  onDone(): bool {
    this.flushCounters();
    return true;
  }

  /** Keeps `stream` until its call (rlsToken) is answered. */
  addWaiting(stream: RateLimitFilter): void {
    stream.nextWaiting = this.firstWaiting;
    this.firstWaiting = stream;
  }

  /** The stream waiting for call `token`, taken off the list; null when there is none (answered
   *  already, or the stream went away). */
  takeWaiting(token: u32): RateLimitFilter | null {
    let before: RateLimitFilter | null = null;
    let stream = this.firstWaiting;
    while (stream !== null && stream.rlsToken != token) {
      before = stream;
      stream = stream.nextWaiting;
    }
    if (stream === null) return null;
    if (before === null) this.firstWaiting = stream.nextWaiting;
    else before.nextWaiting = stream.nextWaiting;
    stream.nextWaiting = null;
    return stream;
  }

  private flushCounters(): void {
    const states = this.states;
    for (let i = 0, n = states.length; i < n; i++) unchecked(states[i]).counters.flush();
  }

  /** Whether the next limited request is enforced (false: treated as shadow). */
  enforceNext(percent: i32): bool {
    this.enforceCredit += percent;
    if (this.enforceCredit < 100) return false;
    this.enforceCredit -= 100;
    return true;
  }

  newHttpContext(id: u32): HttpContext | null {
    return this.config === null ? null : new RateLimitFilter(id, this);
  }
}

export class RateLimitFilter extends HttpContext {
  /** The rule that decided the request (null: none), what the root keeps for it, and what the
   *  response headers report. */
  private rule: Rule | null = null;
  private state: RuleState | null = null;
  private remaining: u64 = 0;
  private resetNs: u64 = 0;
  private limitIndex: i32 = 0;
  private fingerprint: u64 = 0;
  /** The limits that decided (the rule's or its overflow bucket's), and whether a bucket did. */
  private limits: Limit[] = NO_LIMITS;
  private bucketed: bool = false;
  /** The rate limit service call this stream waits for (0: none), and the next waiting stream. */
  rlsToken: u32 = 0;
  nextWaiting: RateLimitFilter | null = null;
  private rlsCounters: RuleCounters | null = null;
  /** The service's answer let the request through: its headers and tightest limit go out with
   *  the response. */
  private rlsAllowed: bool = false;
  /** The service's answer, decoded into an object this context keeps from stream to stream. */
  private rls: RateLimitReply | null = null;

  constructor(id: u32, readonly rl: RateLimitRoot) {
    super(id, rl);
  }

  /** What a request reads before it writes: the rule (null: none decided, what decide() sets with
   *  it is read only with it) and the rate limit service's call and answer. */
  reset(): void {
    this.rule = null;
    this.rlsToken = 0;
    this.rlsCounters = null;
    this.rlsAllowed = false;
  }

  onRequestHeaders(headerCount: u32, endOfStream: bool): u32 {
    const config = changetype<Config>(this.rl.config); // streams are made once there is one
    const rules = config.rules;
    const req = changetype<RequestView>(this.rl.view);
    req.reset();
    for (let i = 0, n = rules.length; i < n; i++) {
      const rule = unchecked(rules[i]);
      const match = rule.match;
      if (match !== null && !match.matches(req)) continue;
      let fingerprint: u64 = 0;
      let slot: u32 = 0;
      let ways: i32 = 1;
      const global = rule.global;
      // a global rule's descriptor is written while its key is read
      if (global) startRateLimitRequest(changetype<RlsConfig>(config.rls).domain, unchecked(rule.descriptorNames[0]), rule.name);
      if (rule.key.length > 0) {
        fingerprint = keyFingerprint(rule.key, req, rule.fingerprint, global ? rule.descriptorNames : null);
        if (fingerprint == MISSING_KEY) {
          if (!rule.missingKeyDefault) continue;
          slot = rule.sets; // the one bucket of requests missing a key part
          if (global) dropKeyEntries(); // it names the rule only
        } else {
          slot = setOf(fingerprint, this.rl.seed, rule.sets);
          ways = rule.ways;
        }
      }
      return this.decide(config, unchecked(this.rl.states[i]), rule, req, fingerprint, slot, ways);
    }
    return HeadersStatus.Continue;
  }

  private decide(config: Config, state: RuleState, rule: Rule, req: RequestView, fingerprint: u64, slot: u32, ways: i32): u32 {
    const counters = state.counters;
    this.state = state;
    const cost = requestCost(rule.cost, req);
    if (cost == INVALID_COST) {
      if (logEnabled(LogLevel.Debug)) logMessage(LogLevel.Debug, "rate-limit: invalid cost header for rule " + rule.name);
      sendLocalReply(400, INVALID_COST_DETAILS, NO_BODY, null, NO_GRPC_STATUS);
      return HeadersStatus.StopIteration;
    }
    hostTime(timeScratch);
    const d = this.rl.decision;
    const now = load<i64>(timeScratch);
    // a keyed fingerprint is never 0 (MISSING_KEY); the one record of a set of 1 way is owner 1
    let status = state.store.take(slot, ways, fingerprint == 0 ? 1 : fingerprint, now, cost, d);
    let limits = rule.limits;
    // the bucket that decides: none when the key overflowed without a shared bucket
    let bucket: Decision | null = d;
    if (status == SharedStatus.Ok && d.overflow) {
      counters.count(Event.Overflow);
      const policy = rule.overflow;
      if (policy == Overflow.SharedBucket) {
        status = changetype<BucketStore>(state.overflowStore).take(0, 1, 1, now, cost, d); // made with the rule
        limits = rule.overflowLimits;
      } else {
        bucket = null;
        d.allowed = policy == Overflow.Allow; // (d.evicted is false: nothing was taken)
      }
    }
    if (status != SharedStatus.Ok) {
      counters.count(Event.StoreError);
      if (logEnabled(LogLevel.Warn)) logMessage(LogLevel.Warn, "rate-limit: shared data status " + decimal(status) + " for rule " + rule.name);
      if (!config.failureModeDeny) return HeadersStatus.Continue;
      this.reject(config, null, rule, fingerprint, null);
      return HeadersStatus.StopIteration;
    }
    if (d.evicted) counters.count(Event.Evicted);
    this.limits = limits;
    if (d.allowed) {
      this.allow(rule, bucket, fingerprint);
      if (rule.global) return this.askRls(config, rule, cost, counters);
      counters.count(Event.Allowed);
      return HeadersStatus.Continue;
    }
    if (this.limited(config, rule, counters)) {
      this.reject(config, bucket, rule, fingerprint, null);
      return HeadersStatus.StopIteration;
    }
    return HeadersStatus.Continue;
  }

  /** Keeps what the response headers report: the bucket's decision `d`, or none (null: the key
   *  overflowed and was let through without a bucket). */
  private allow(rule: Rule, d: Decision | null, fingerprint: u64): void {
    this.rule = rule;
    this.fingerprint = fingerprint;
    this.bucketed = d !== null;
    if (d === null) return;
    this.remaining = d.remaining;
    this.resetNs = d.resetNs;
    this.limitIndex = d.limit;
  }

  /** Counts a limited request; true when it is to be rejected, false for a shadow hit (the
   *  request continues with the shadow header). */
  private limited(config: Config, rule: Rule, counters: RuleCounters): bool {
    if (!rule.shadow && this.rl.enforceNext(config.enforcePercent)) {
      counters.count(Event.Limited);
      return true;
    }
    counters.count(Event.ShadowLimited);
    const state = changetype<RuleState>(this.state); // set by decide()
    replaceEncodedHeader(HeaderMap.RequestHeaders, state.encoded.shadowHeader, state.name);
    if (logEnabled(LogLevel.Info)) logEncoded(LogLevel.Info, state.shadowLogLine);
    return false;
  }

  /** Asks the rate limit service about the rule's descriptor; the request waits for the answer. */
  private askRls(config: Config, rule: Rule, cost: u64, counters: RuleCounters): u32 {
    const rls = changetype<RlsConfig>(config.rls); // a global rule needs one (config.ts checkRules)
    const message = finishRateLimitRequest(cost);
    const status = grpcCall(changetype<RuleState>(this.state).encoded.rlsCluster, RLS_SERVICE, RLS_METHOD, message.ptr, message.length,
      rls.timeoutMs);
    if (status != 0) {
      if (logEnabled(LogLevel.Warn)) logMessage(LogLevel.Warn, "rate-limit: rate limit service call failed with status " + decimal(status));
      return this.rlsFailed(config, rule, counters) ? HeadersStatus.StopIteration : HeadersStatus.Continue;
    }
    this.rlsCounters = counters;
    this.rlsToken = callToken();
    this.rl.addWaiting(this);
    return HeadersStatus.StopIteration;
  }

  /** Counts rls_error and applies rls.failure_mode_deny; true when the request was rejected. */
  private rlsFailed(config: Config, rule: Rule, counters: RuleCounters): bool {
    counters.count(Event.RlsError);
    if (!changetype<RlsConfig>(config.rls).failureModeDeny) {
      counters.count(Event.Allowed);
      return false;
    }
    counters.count(Event.Limited);
    this.rule = null;
    this.reject(config, null, rule, 0, null);
    return true;
  }

  /** Where the service's answer to this stream is decoded. */
  rlsReply(): RateLimitReply {
    let reply = this.rls;
    if (reply === null) {
      reply = new RateLimitReply();
      this.rls = reply;
    }
    return reply;
  }

  /** The rate limit service answered (`answered`: decoded into rlsReply()), or failed / timed out.
   *  Runs with this stream as the effective context. */
  onRlsAnswer(answered: bool): void {
    this.rlsToken = 0;
    const rule = this.rule;
    const counters = this.rlsCounters;
    if (rule === null || counters === null) return;
    const config = changetype<Config>(this.rl.config);
    const reply = changetype<RateLimitReply>(this.rls); // made by rlsReply() when answered
    if (!answered || !reply.valid) {
      if (logEnabled(LogLevel.Warn)) logMessage(LogLevel.Warn, "rate-limit: no valid answer from the rate limit service for rule " + rule.name);
      if (!this.rlsFailed(config, rule, counters)) continueRequest(this.id);
      return;
    }
    if (reply.overLimit && this.limited(config, rule, counters)) {
      this.rule = null;
      this.reject(config, null, rule, this.fingerprint, reply);
      return;
    }
    if (!reply.overLimit) counters.count(Event.Allowed);
    const add = reply.requestHeaders;
    for (let i = 0; i < add.length; i++) replaceHeader(HeaderMap.RequestHeaders, add.names[i], add.values[i]);
    this.rlsAllowed = true;
    continueRequest(this.id);
  }

  onDelete(): void {
    if (this.rlsToken != 0) this.rl.takeWaiting(this.rlsToken);
  }

  /** Sends the rejection; `d`: the local decision, or null when no local bucket decided it;
   *  `reply`: the rate limit service's OVER_LIMIT answer (its response headers go first; its
   *  longest OVER_LIMIT reset gives retry-after and, with a headers mode, the rate-limit headers,
   *  unless the service sent those headers itself). Neither: no rate-limit headers, no retry-after. */
  private reject(config: Config, d: Decision | null, rule: Rule, fingerprint: u64, reply: RateLimitReply | null): void {
    const mode = config.headersMode;
    const state = changetype<RuleState>(this.state); // set by decide()
    const encoded = state.encoded;
    const ruleName = state.name;
    const names = encoded.rejectNames;
    const values = encoded.rejectValues;
    let serviceRetryAfter = false;
    let serviceRateLimitHeaders = false;
    // the service's headers (the list grows for them), at most 3 rate-limit headers and
    // retry-after, then reply.headers
    headers.start(names.length + 4);
    if (reply !== null) {
      const fromService = reply.responseHeaders;
      serviceRetryAfter = hasRetryAfter(fromService);
      serviceRateLimitHeaders = hasRateLimitHeaders(fromService, mode);
      for (let i = 0, n = fromService.length; i < n; i++) {
        headers.named(stringToBuffer(unchecked(fromService.names[i])));
        headers.buffer(stringToBuffer(unchecked(fromService.values[i])));
      }
    }
    if (d !== null) {
      if (mode != HeadersMode.None) {
        addRateLimitHeaders(headers, mode, ruleName, this.limits[d.limit], d, rule.key.length > 0, fingerprint);
      }
      addRetryAfter(headers, ceilSeconds(d.retryNs));
    } else if (reply !== null && reply.hasRetry) {
      const s = reply.retry;
      if (mode != HeadersMode.None && s.complete && !serviceRateLimitHeaders) {
        addStatusHeaders(headers, mode, ruleName, s, rule.key.length > 0, fingerprint);
      }
      if (!serviceRetryAfter) addRetryAfter(headers, s.resetSeconds);
    }
    for (let i = 0, n = names.length; i < n; i++) {
      headers.named(unchecked(names[i]));
      headers.buffer(unchecked(values[i]));
    }
    headers.finish();
    const grpc = isGrpcRequest();
    sendLocalReply(config.reply.status, REJECT_DETAILS, encoded.rejectBody, headers, grpc ? config.reply.grpcStatus : NO_GRPC_STATUS);
  }

  onResponseHeaders(headerCount: u32, endOfStream: bool): u32 {
    const fromRls = this.rlsAllowed ? this.rls : null;
    if (fromRls !== null) {
      const add = fromRls.responseHeaders;
      for (let i = 0; i < add.length; i++) addHeader(HeaderMap.ResponseHeaders, add.names[i], add.values[i]);
    }
    const rule = this.rule;
    const mode = changetype<Config>(this.rl.config).headersMode;
    if (rule === null || mode == HeadersMode.None) return HeadersStatus.Continue;
    if (!this.bucketed && (fromRls === null || !fromRls.hasTightest)) return HeadersStatus.Continue; // no bucket decided
    if (fromRls !== null && hasRateLimitHeaders(fromRls.responseHeaders, mode)) return HeadersStatus.Continue; // the service's own win
    const ruleName = changetype<RuleState>(this.state).name;
    const keyed = rule.key.length > 0;
    const s = fromRls !== null && fromRls.hasTightest ? fromRls.tightest : null;
    headers.start(3);
    if (s !== null && (!this.bucketed || s.remaining < this.remaining)) {
      addStatusHeaders(headers, mode, ruleName, s, keyed, this.fingerprint);
    } else {
      const limit = this.limits[this.limitIndex];
      addRateLimitHeaderValues(headers, mode, ruleName, limit.maxTokens, limit.windowSeconds, this.remaining,
        ceilSeconds(this.resetNs), keyed, this.fingerprint);
    }
    headers.finish();
    headers.addTo(HeaderMap.ResponseHeaders);
    return HeadersStatus.Continue;
  }
}
