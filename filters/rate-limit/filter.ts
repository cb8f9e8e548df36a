// RateLimitRoot (configuration, bucket stores, counters, metric flushing on tick) and
// RateLimitFilter (one per stream: the first rule that applies decides the request).
import {
  proxy_continue_stream, proxy_get_current_time_nanoseconds, proxy_set_effective_context, proxy_set_tick_period_milliseconds,
} from "@gcoredev/proxy-wasm-sdk-as/assembly/imports";
import { readPluginConfiguration } from "../shared/buffers";
import { HeadersStatus, HttpContext, RootContext } from "../shared/context";
import { grpcCall, grpcResponseMessage } from "../shared/grpc";
import { addHeader, HeaderList, HeaderMap, replaceHeader } from "../shared/headers";
import { ConfigErrors } from "../shared/config-error";
import { isGrpcRequest, ReplyHeaders } from "../shared/local-reply";
import { logEnabled, logMessage, LogLevel } from "../shared/log";
import { SharedStatus } from "../shared/shared-data";
import { Decision } from "./bucket";
import { Config, HeadersMode, parseConfig, Rule } from "./config";
import { INVALID_COST, requestCost } from "./cost";
import { keyFingerprint, keyValues, MISSING_KEY } from "./key";
import { Event, RuleCounters, TICK_MS } from "./metrics";
import { addRateLimitHeaders, addRateLimitHeaderValues, hasHeader, hasRateLimitHeaders, retryAfter } from "./rate-limit-headers";
import { RequestView } from "./request";
import { decodeRateLimitResponse, encodeRateLimitRequest, RateLimitReply, RLS_METHOD, RLS_SERVICE, RlsStatus } from "./rls";
import { BucketStore } from "./store";
import { decimal, hex } from "../shared/number-text";

/** The per-request headers of a rejection, reused. */
const rejectHeaders = new ReplyHeaders();
// @ts-ignore: decorator
@inline const REQUEST_STREAM: u32 = 0;
const timeScratch = memory.data(8);

export class RateLimitRoot extends RootContext {
  config: Config | null = null;
  stores: BucketStore[] = [];
  counters: RuleCounters[] = [];
  /** Enforcement credit for `enforce_percent`: limited requests are enforced in an exact ratio. */
  private enforceCredit: i32 = 0;
  /** Reused by every stream of this VM (one request is decided at a time). */
  readonly decision: Decision = new Decision();
  /** The request view of the stream being decided, reset per request. */
  view: RequestView = new RequestView(false);
  /** Streams paused for a rate limit service answer, by gRPC call token. */
  readonly waiting: Map<u32, RateLimitFilter> = new Map();

  onConfigure(configSize: u32): bool {
    const errors = new ConfigErrors("rate-limit");
    const config = parseConfig(errors, readPluginConfiguration(configSize));
    if (config === null) {
      errors.log();
      return false;
    }
    this.flushCounters();
    const stores: BucketStore[] = [];
    const counters: RuleCounters[] = [];
    for (let i = 0; i < config.rules.length; i++) {
      const rule = config.rules[i];
      stores.push(new BucketStore("sluice:rate-limit:" + hex(rule.fingerprint, 16) + ":", rule.limits));
      counters.push(new RuleCounters(rule.name));
    }
    this.config = config;
    this.view = new RequestView(config.readAllHeaders);
    this.stores = stores;
    this.counters = counters;
    proxy_set_tick_period_milliseconds(TICK_MS);
    return true;
  }

  onTick(): void {
    this.flushCounters();
  }

  onGrpcReceive(token: u32, messageSize: u32): void {
    if (!this.waiting.has(token)) return;
    const stream = this.waiting.get(token);
    this.waiting.delete(token);
    const message = grpcResponseMessage(messageSize);
    proxy_set_effective_context(stream.id);
    stream.onRlsAnswer(message === null ? null : decodeRateLimitResponse(message));
  }

  /** A call that ends without a message: an error status or the timeout. */
  onGrpcClose(token: u32, statusCode: u32): void {
    if (!this.waiting.has(token)) return;
    const stream = this.waiting.get(token);
    this.waiting.delete(token);
    proxy_set_effective_context(stream.id);
    stream.onRlsAnswer(null);
  }

  onDone(): bool {
    this.flushCounters();
    return true;
  }

  private flushCounters(): void {
    const counters = this.counters;
    for (let i = 0, n = counters.length; i < n; i++) unchecked(counters[i]).flush();
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
  /** The rule that decided the request (-1: none) and what the response headers report. */
  private rule: Rule | null = null;
  private remaining: u64 = 0;
  private resetNs: u64 = 0;
  private limitIndex: i32 = 0;
  private fingerprint: u64 = 0;
  /** While waiting for the rate limit service: the request view and its call token (0: none). */
  private req: RequestView | null = null;
  private rlsToken: u32 = 0;
  private rlsCounters: RuleCounters | null = null;
  private rlsResponseHeaders: HeaderList | null = null;
  /** The service's tightest complete limit, reported instead of the local one when tighter. */
  private rlsTightest: RlsStatus | null = null;

  constructor(id: u32, readonly rl: RateLimitRoot) {
    super(id, rl);
  }

  onRequestHeaders(headerCount: u32, endOfStream: bool): u32 {
    const config = this.rl.config!;
    const rules = config.rules;
    const req = this.rl.view;
    req.reset();
    for (let i = 0, n = rules.length; i < n; i++) {
      const rule = unchecked(rules[i]);
      const match = rule.match;
      if (match !== null && !match.matches(req)) continue;
      let fingerprint: u64 = 0;
      let slot: u32 = 0;
      if (rule.key.length > 0) {
        fingerprint = keyFingerprint(rule.key, req, rule.fingerprint);
        if (fingerprint == MISSING_KEY) {
          if (!rule.missingKeyDefault) continue;
          slot = rule.maxKeys; // the one bucket of requests missing a key part
        } else {
          slot = <u32>(fingerprint % <u64>rule.maxKeys);
        }
      }
      return this.decide(config, i, rule, req, fingerprint, slot);
    }
    return HeadersStatus.Continue;
  }

  private decide(config: Config, index: i32, rule: Rule, req: RequestView, fingerprint: u64, slot: u32): u32 {
    const counters = unchecked(this.rl.counters[index]);
    const cost = requestCost(rule.cost, req);
    if (cost == INVALID_COST) {
      if (logEnabled(LogLevel.Debug)) logMessage(LogLevel.Debug, "rate-limit: invalid cost header for rule " + rule.name);
      config.invalidCost.send(false);
      return HeadersStatus.StopIteration;
    }
    proxy_get_current_time_nanoseconds(timeScratch);
    const d = this.rl.decision;
    const status = unchecked(this.rl.stores[index]).take(slot, fingerprint, load<i64>(timeScratch), cost, d);
    if (status != SharedStatus.Ok) {
      counters.count(Event.StoreError);
      if (logEnabled(LogLevel.Warn)) logMessage(LogLevel.Warn, "rate-limit: shared data status " + decimal(status) + " for rule " + rule.name);
      if (!config.failureModeDeny) return HeadersStatus.Continue;
      this.reject(config, req, null, rule, fingerprint, null);
      return HeadersStatus.StopIteration;
    }
    if (d.evicted) counters.count(Event.Evicted);
    if (d.allowed) {
      this.rule = rule;
      this.remaining = d.remaining;
      this.resetNs = d.resetNs;
      this.limitIndex = d.limit;
      this.fingerprint = fingerprint;
      if (rule.global) return this.askRls(config, rule, req, cost, counters);
      counters.count(Event.Allowed);
      return HeadersStatus.Continue;
    }
    if (this.limited(config, rule, counters)) {
      this.reject(config, req, d, rule, fingerprint, null);
      return HeadersStatus.StopIteration;
    }
    return HeadersStatus.Continue;
  }

  /** Counts a limited request; true when it is to be rejected, false for a shadow hit (the
   *  request continues with the shadow header). */
  private limited(config: Config, rule: Rule, counters: RuleCounters): bool {
    if (!rule.shadow && this.rl.enforceNext(config.enforcePercent)) {
      counters.count(Event.Limited);
      return true;
    }
    counters.count(Event.ShadowLimited);
    replaceHeader(HeaderMap.RequestHeaders, config.shadowHeader, rule.name);
    if (logEnabled(LogLevel.Info)) logMessage(LogLevel.Info, "rate-limit: shadow limited by rule " + rule.name);
    return false;
  }

  /** Asks the rate limit service about the rule's descriptor; the request waits for the answer. */
  private askRls(config: Config, rule: Rule, req: RequestView, cost: u64, counters: RuleCounters): u32 {
    const rls = config.rls!;
    let values = rule.key.length > 0 ? keyValues(rule.key, req) : [] as string[];
    let names = rule.descriptorNames;
    if (values === null) { // the rule's default bucket: the descriptor names the rule only
      values = [];
      names = [names[0]];
    }
    values.unshift(rule.name);
    const message = encodeRateLimitRequest(rls.domain, names, values, cost);
    const call = grpcCall(rls.cluster, RLS_SERVICE, RLS_METHOD, null, message, rls.timeoutMs);
    if (call.status != 0) {
      if (logEnabled(LogLevel.Warn)) logMessage(LogLevel.Warn, "rate-limit: rate limit service call failed with status " + decimal(call.status));
      return this.rlsFailed(config, rule, counters, req) ? HeadersStatus.StopIteration : HeadersStatus.Continue;
    }
    this.req = new RequestView(req.usePairs); // the root's view serves other requests meanwhile
    this.rlsCounters = counters;
    this.rlsToken = call.token;
    this.rl.waiting.set(call.token, this);
    return HeadersStatus.StopIteration;
  }

  /** Counts rls_error and applies rls.failure_mode_deny; true when the request was rejected. */
  private rlsFailed(config: Config, rule: Rule, counters: RuleCounters, req: RequestView): bool {
    counters.count(Event.RlsError);
    if (!config.rls!.failureModeDeny) {
      counters.count(Event.Allowed);
      return false;
    }
    counters.count(Event.Limited);
    this.rule = null;
    this.reject(config, req, null, rule, 0, null);
    return true;
  }

  /** The rate limit service answered (`reply`), or failed / timed out (null). Runs with this
   *  stream as the effective context. */
  onRlsAnswer(reply: RateLimitReply | null): void {
    this.rlsToken = 0;
    const rule = this.rule;
    const req = this.req;
    if (rule === null || req === null || this.rlsCounters === null) return;
    const config = this.rl.config!;
    const counters = this.rlsCounters!;
    if (reply === null || !reply.valid) {
      if (logEnabled(LogLevel.Warn)) logMessage(LogLevel.Warn, "rate-limit: no valid answer from the rate limit service for rule " + rule.name);
      if (!this.rlsFailed(config, rule, counters, req)) proxy_continue_stream(REQUEST_STREAM);
      return;
    }
    if (reply.overLimit && this.limited(config, rule, counters)) {
      this.rule = null;
      this.reject(config, req, null, rule, this.fingerprint, reply);
      return;
    }
    if (!reply.overLimit) counters.count(Event.Allowed);
    const add = reply.requestHeaders;
    for (let i = 0; i < add.length; i++) replaceHeader(HeaderMap.RequestHeaders, add.names[i], add.values[i]);
    this.rlsResponseHeaders = reply.responseHeaders;
    this.rlsTightest = reply.tightest;
    proxy_continue_stream(REQUEST_STREAM);
  }

  onDelete(): void {
    if (this.rlsToken != 0) this.rl.waiting.delete(this.rlsToken);
  }

  /** Sends the rejection; `d`: the local decision, or null when no local bucket decided it;
   *  `reply`: the rate limit service's OVER_LIMIT answer (its response headers go first; its
   *  longest OVER_LIMIT reset gives retry-after and, with a headers mode, the rate-limit headers,
   *  unless the service sent those headers itself). Neither: no rate-limit headers, no retry-after. */
  private reject(config: Config, req: RequestView, d: Decision | null, rule: Rule, fingerprint: u64,
    reply: RateLimitReply | null): void {
    const mode = config.headersMode;
    const headers = reply === null ? new HeaderList() : reply.responseHeaders;
    const serviceRetryAfter = reply !== null && hasHeader(headers, "retry-after");
    const serviceRateLimitHeaders = reply !== null && hasRateLimitHeaders(headers, mode);
    if (d !== null) {
      if (mode != HeadersMode.None) {
        addRateLimitHeaders(headers, mode, rule.name, rule.limits[d.limit], d, rule.key.length > 0, fingerprint);
      }
      headers.add("retry-after", retryAfter(d));
    } else if (reply !== null && reply.retry !== null) {
      const s = reply.retry!;
      if (mode != HeadersMode.None && s.complete && !serviceRateLimitHeaders) {
        addRateLimitHeaderValues(headers, mode, rule.name, s.requestsPerUnit, s.windowSeconds, s.remaining, s.resetSeconds,
          rule.key.length > 0, fingerprint);
      }
      if (!serviceRetryAfter) headers.add("retry-after", decimal(<i64>max<u64>(1, s.resetSeconds)));
    }
    config.reply.sendWith(isGrpcRequest(), rejectHeaders.clear().addList(headers), null);
  }

  onResponseHeaders(headerCount: u32, endOfStream: bool): u32 {
    const fromRls = this.rlsResponseHeaders;
    if (fromRls !== null) {
      for (let i = 0; i < fromRls.length; i++) addHeader(HeaderMap.ResponseHeaders, fromRls.names[i], fromRls.values[i]);
    }
    const rule = this.rule;
    const mode = this.rl.config!.headersMode;
    if (rule === null || mode == HeadersMode.None) return HeadersStatus.Continue;
    if (fromRls !== null && hasRateLimitHeaders(fromRls, mode)) return HeadersStatus.Continue; // the service's own win
    const headers = new HeaderList();
    const keyed = rule.key.length > 0;
    const s = this.rlsTightest;
    if (s !== null && s.remaining < this.remaining) {
      addRateLimitHeaderValues(headers, mode, rule.name, s.requestsPerUnit, s.windowSeconds, s.remaining, s.resetSeconds,
        keyed, this.fingerprint);
    } else {
      const d = this.rl.decision;
      d.remaining = this.remaining;
      d.resetNs = this.resetNs;
      addRateLimitHeaders(headers, mode, rule.name, rule.limits[this.limitIndex], d, keyed, this.fingerprint);
    }
    for (let i = 0; i < headers.length; i++) addHeader(HeaderMap.ResponseHeaders, headers.names[i], headers.values[i]);
    return HeadersStatus.Continue;
  }
}
