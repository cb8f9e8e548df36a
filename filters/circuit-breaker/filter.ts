// CircuitBreakerRoot (per plugin per VM: config, metrics, slot tables, tick) and
// CircuitBreakerFilter (per stream: match, admit or reject, record the outcome).
import { HeadersStatus, HttpContext, RootContext } from "../shared/context";
import { readPluginConfiguration } from "../shared/buffers";
import { ConfigErrors } from "../shared/config-error";
import { hash64, hash64Bytes } from "../shared/hash";
import { readHeader, readProperty, releaseValue, valuePtr } from "../shared/host-values";
import { getHeader, HeaderMap, pathWithoutQuery } from "../shared/headers";
import { StringMatcher } from "../shared/matchers";
import { isGrpcRequest } from "../shared/local-reply";
import { logMessage, LogLevel } from "../shared/log";
import { getEncodedHeader, getEncodedProperty, getEncodedPropertyInt } from "../shared/encoded-host-calls";
import { stringToBuffer } from "../shared/bytes";
import { SharedStatus } from "../shared/shared-data";
import { proxy_set_tick_period_milliseconds } from "@gcoredev/proxy-wasm-sdk-as/assembly/imports";
import { RecordOutcome, Transition, TripReason, Verdict } from "./breaker";
import { classifyCodeDetails, classifyFlags, classifyGrpc, classifyStatus, Outcome } from "./classify";
import { responseGrpcStatus, responseStatus } from "./header-values";
import { nowMs } from "./clock";
import { Circuit, FILTER, KeySource, Mode, parseConfig, RequestMatch } from "./config";
import { State } from "./record";
import { Count } from "./metrics";
import { CircuitRuntime, halfOpenDetail } from "./runtime";
import { NO_SLOT, STORE_FAILED } from "./slots";
import { KeyCount, KeyInfo } from "./keys";
import { decimal } from "../shared/number-text";

/** Tick period: flushes counters and half-opens expired circuits with no traffic (lag <= 1 s). */
export const TICK_MS: u32 = 1000;

// read only for a call that ended without a :status (encoded once, no allocation per call)
const RESPONSE_FLAGS = stringToBuffer("response\0flags");
const RESPONSE_CODE_DETAILS = stringToBuffer("response\0code_details");
const METHOD = stringToBuffer(":method");
const AUTHORITY = stringToBuffer(":authority");
const PATH = stringToBuffer(":path");
const CLUSTER_NAME = stringToBuffer("xds\0cluster_name");
const ROUTE_NAME = stringToBuffer("xds\0route_name");

export class CircuitBreakerRoot extends RootContext {
  /** One per circuit, in config order; empty until configured. */
  runtimes: CircuitRuntime[] = [];

  onConfigure(configSize: u32): bool {
    const errors = new ConfigErrors(FILTER);
    const config = parseConfig(readPluginConfiguration(configSize), errors);
    if (config === null) {
      errors.log();
      return false;
    }
    const circuits = config.circuits;
    const runtimes = new Array<CircuitRuntime>();
    for (let i = 0; i < circuits.length; i++) runtimes.push(new CircuitRuntime(circuits[i]));
    this.runtimes = runtimes;
    proxy_set_tick_period_milliseconds(TICK_MS);
    return true;
  }

  onTick(): void {
    const now = nowMs();
    const runtimes = this.runtimes;
    for (let i = 0; i < runtimes.length; i++) {
      const rt = unchecked(runtimes[i]);
      rt.metrics.flush();
      const keys = rt.keys;
      if (keys !== null) keys.flush();
      const c = rt.circuit;
      if (c.mode == Mode.Disabled || c.mode == Mode.ForcedOpen) continue;
      let gauge: i64 = 0;
      const tick = rt.tick;
      tick.setClock(now);
      for (let slot = 0; slot < c.maxKeys; slot++) {
        tick.state = State.Closed;
        if (rt.slots.update(slot, tick) != SharedStatus.Ok) {
          rt.metrics.increment(Count.StoreError);
          continue;
        }
        let key: KeyInfo | null = null;
        if (keys !== null) key = keys.at(slot, tick.keyHash);
        if (tick.halfOpened) rt.transitioned(key, slot, Transition.HalfOpened, halfOpenDetail(c));
        else if (key !== null) key.metrics.state.set(<i64>tick.state); // other VMs' transitions too
        if (tick.state == State.Open) gauge = 1;
        else if (tick.state == State.HalfOpen && gauge == 0) gauge = 2;
      }
      rt.metrics.state.set(gauge);
    }
  }

  newHttpContext(id: u32): HttpContext | null {
    return this.runtimes.length == 0 ? null : new CircuitBreakerFilter(id, this);
  }
}

export class CircuitBreakerFilter extends HttpContext {
  /** The circuit of an admitted request whose outcome is still to record (null: none, or recorded). */
  private runtime: CircuitRuntime | null = null;
  private slot: i32 = 0;
  private keyHash: u64 = 0;
  /** The key of an admitted or rejected request of a split circuit (null: unsplit). */
  private key: KeyInfo | null = null;
  private episode: u32 = 0;
  private probe: bool = false;
  private holdsInFlight: bool = false;
  private startMs: i64 = 0;
  /** The request is gRPC: 1 yes, 0 no, -1 not read yet. */
  private grpc: i8 = -1;
  // request headers read at most once, when a matcher or the key needs them
  private authority: string | null = null;
  private authorityRead: bool = false;
  private path: string | null = null;
  private pathRead: bool = false;

  constructor(id: u32, readonly cb: CircuitBreakerRoot) { super(id, cb); }

  /** The fields of an admitted request (slot .. startMs) are set with `runtime` and read only
   *  while it is set; the headers read are marked unread. */
  reset(): void {
    this.runtime = null;
    this.grpc = -1;
    this.authorityRead = false;
    this.pathRead = false;
  }

  onRequestHeaders(headerCount: u32, endOfStream: bool): u32 {
    const rt = this.findRuntime();
    if (rt === null) return HeadersStatus.Continue;
    const c = rt.circuit;
    if (c.mode == Mode.Disabled) return HeadersStatus.Continue;
    if (c.mode == Mode.ForcedOpen) {
      rt.metrics.add(Count.Rejected);
      return this.reject(rt, Verdict.RejectOpen, <i64>c.openMs);
    }
    const keyHash = this.keyHashFor(c);
    const slot = admit(rt, keyHash);
    if (slot < 0) { // passes untracked
      if (slot == STORE_FAILED) rt.metrics.add(Count.StoreError);
      else rt.metrics.add(Count.KeyOverflow);
      return HeadersStatus.Continue;
    }
    const keys = rt.keys;
    if (keys !== null) {
      const known = keys.at(slot, keyHash);
      this.key = known !== null ? known : keys.learn(slot, keyHash, this.keyValue(c));
    }
    const admission = rt.admission;
    if (admission.transition == Transition.HalfOpened) rt.transitioned(this.key, slot, Transition.HalfOpened, halfOpenDetail(c));
    const verdict = admission.verdict;
    if (verdict == Verdict.Pass || verdict == Verdict.Probe) {
      this.runtime = rt;
      this.slot = slot;
      this.keyHash = keyHash;
      this.episode = admission.episode;
      this.probe = verdict == Verdict.Probe;
      this.holdsInFlight = admission.holdsInFlight;
      if (c.slowCallMs > 0) this.startMs = admission.now();
      if (c.grpcStatuses.length > 0) this.isGrpc(); // request headers are readable now
      return HeadersStatus.Continue;
    }
    rt.metrics.add(Count.Rejected);
    const key = this.key;
    if (key !== null) key.metrics.counters.add(KeyCount.Rejected);
    if (c.mode == Mode.Shadow) {
      (key !== null ? key.reply : rt.reply).markShadow(verdict);
      return HeadersStatus.Continue;
    }
    return this.reject(rt, verdict, admission.retryAfterMs);
  }

  /** The first circuit whose match fits the request. */
  private findRuntime(): CircuitRuntime | null {
    const runtimes = this.cb.runtimes;
    for (let i = 0; i < runtimes.length; i++) {
      const rt = unchecked(runtimes[i]);
      const match = rt.circuit.match;
      if (match === null || this.matches(match)) return rt;
    }
    return null;
  }

  onLog(): void {
    this.settle(true);
  }

  onDone(): void {
    this.settle(false);
  }

  /** Records the outcome once: at access-log time, or at stream end when on_log never came. */
  private settle(completed: bool): void {
    const rt = this.runtime;
    if (rt === null) return;
    this.runtime = null;
    const c = rt.circuit;
    const update = rt.outcome;
    update.keyHash = this.keyHash;
    update.episode = this.episode;
    update.probe = this.probe;
    update.holdsInFlight = this.holdsInFlight;
    update.outcome = completed ? this.classify(c) : Outcome.Ignored;
    update.resetClock();
    update.slow = update.outcome != Outcome.Ignored && c.slowCallMs > 0 && update.now() - this.startMs > <i64>c.slowCallMs;
    const status = rt.slots.update(this.slot, update);
    const m = rt.metrics;
    if (status != SharedStatus.Ok) {
      m.add(Count.StoreError);
      return;
    }
    if (update.outcome != Outcome.Ignored) {
      m.add(Count.Calls);
      if (update.outcome == Outcome.Failure) m.add(Count.Failures);
      if (update.slow) m.add(Count.SlowCalls);
    }
    if (update.transition != Transition.None) rt.transitioned(this.key, this.slot, update.transition, outcomeDetail(update));
  }

  /** The finished call's outcome from :status, grpc-status, and without a :status Envoy's
   *  response flags or response code details. */
  private classify(c: Circuit): Outcome {
    const status = responseStatus();
    if (status < 0) return classifyNoResponse(c);
    const outcome = classifyStatus(status, c);
    if (outcome != Outcome.Success || c.grpcStatuses.length == 0 || !this.isGrpc()) return outcome;
    return classifyGrpc(responseGrpcStatus(), c);
  }

  private reject(rt: CircuitRuntime, verdict: Verdict, retryAfterMs: i64): u32 {
    const key = this.key;
    (key !== null ? key.reply : rt.reply).send(verdict, retryAfterMs, this.isGrpc());
    return HeadersStatus.StopIteration;
  }

  private isGrpc(): bool {
    if (this.grpc < 0) this.grpc = <i8>isGrpcRequest();
    return this.grpc != 0;
  }

  /** The hash of the request's key value, read in place (the empty value when absent); 0 for an
   *  unsplit circuit. */
  private keyHashFor(c: Circuit): u64 {
    let len = 0;
    switch (c.keySource) {
      case KeySource.None: return 0;
      case KeySource.Cluster: len = readProperty(CLUSTER_NAME); break;
      case KeySource.Route: len = readProperty(ROUTE_NAME); break;
      case KeySource.Header: len = readHeader(HeaderMap.RequestHeaders, c.keyHeaderBytes); break;
      default: {
        const authority = this.getAuthority();
        return hash64(authority === null ? "" : authority) | 1;
      }
    }
    const hash = hash64Bytes(valuePtr(), max(len, 0)) | 1;
    releaseValue();
    return hash;
  }

  /** The request's key value as text (read again only when this VM meets a key for the first time). */
  private keyValue(c: Circuit): string {
    let value: string | null;
    switch (c.keySource) {
      case KeySource.Cluster: value = getEncodedProperty(CLUSTER_NAME); break;
      case KeySource.Route: value = getEncodedProperty(ROUTE_NAME); break;
      case KeySource.Header: value = getHeader(HeaderMap.RequestHeaders, c.keyHeader); break;
      default: value = this.getAuthority();
    }
    return value === null ? "" : value;
  }

  private matches(m: RequestMatch): bool {
    if (m.hosts.length > 0) {
      const authority = this.getAuthority();
      if (authority === null || !anyGlob(m.hosts, authority)) return false;
    }
    if (m.paths.length > 0) {
      const path = this.getPath();
      if (path === null || !anyGlob(m.paths, path)) return false;
    }
    if (m.methods.length > 0) {
      const method = getEncodedHeader(HeaderMap.RequestHeaders, METHOD);
      if (method === null || !m.methods.includes(method)) return false;
    }
    for (let i = 0; i < m.headers.length; i++) {
      const condition = unchecked(m.headers[i]);
      if (!condition.holds(getHeader(HeaderMap.RequestHeaders, condition.name))) return false;
    }
    return true;
  }

  private getAuthority(): string | null {
    if (!this.authorityRead) {
      this.authority = getEncodedHeader(HeaderMap.RequestHeaders, AUTHORITY);
      this.authorityRead = true;
    }
    return this.authority;
  }

  /** :path without its query and fragment. */
  private getPath(): string | null {
    if (!this.pathRead) {
      const raw = getEncodedHeader(HeaderMap.RequestHeaders, PATH);
      this.path = raw === null ? null : pathWithoutQuery(raw);
      this.pathRead = true;
    }
    return this.path;
  }
}

/** A call that ended without a usable :status: an upstream failure (when the circuit counts those)
 *  by Envoy's response flags, or when they are absent or 0 by its response code details; else
 *  not counted. Reads each property only when the previous step did not decide. */
function classifyNoResponse(c: Circuit): Outcome {
  if (!c.upstreamFailures) return Outcome.Ignored;
  const flags = getEncodedPropertyInt(RESPONSE_FLAGS, 0);
  if (flags != 0) return classifyFlags(flags);
  const details = getEncodedProperty(RESPONSE_CODE_DETAILS);
  return details === null ? Outcome.Ignored : classifyCodeDetails(details);
}

/** Runs rt.admission on the slot of `keyHash`; returns the slot, NO_SLOT or STORE_FAILED. */
function admit(rt: CircuitRuntime, keyHash: u64): i32 {
  const admission = rt.admission;
  admission.keyHash = keyHash;
  admission.resetClock();
  const slot = admitOnce(rt, keyHash);
  if (slot < 0 || admission.verdict != Verdict.SlotLost) return slot;
  rt.slots.forget(slot); // another VM gave the slot to another key: find this key's slot again
  const again = admitOnce(rt, keyHash);
  return again >= 0 && admission.verdict == Verdict.SlotLost ? NO_SLOT : again;
}

function admitOnce(rt: CircuitRuntime, keyHash: u64): i32 {
  const slot = rt.slots.resolve(keyHash);
  if (slot < 0) return slot;
  return rt.slots.update(slot, rt.admission) == SharedStatus.Ok ? slot : STORE_FAILED;
}

function anyGlob(list: StringMatcher[], value: string): bool {
  for (let i = 0; i < list.length; i++) if (unchecked(list[i]).matches(value)) return true;
  return false;
}

/** The log name of a trip reason (not None). */
function reasonName(reason: TripReason): string {
  return ["consecutive_failures", "failure_rate", "slow_call_rate", "probe failed"][reason - 1];
}

/** The log detail of a transition caused by an outcome (built only when info logs are on). */
function outcomeDetail(u: RecordOutcome): string {
  const c = u.circuit;
  if (u.transition == Transition.Closed) return decimal(c.closeAfterSuccesses) + " probe(s) succeeded";
  const f = u.figures;
  const reason = u.reason;
  let why = reasonName(reason);
  if (reason == TripReason.ConsecutiveFailures) why += " " + decimal(c.consecutiveFailures) + " reached";
  if (reason == TripReason.FailureRate || reason == TripReason.SlowCallRate) {
    const failures = reason == TripReason.FailureRate;
    why += " " + decimal(failures ? f.failures : f.slow) + "/" + decimal(f.calls) + " >= " +
      (failures ? c.failureRateText : c.slowCallRateText);
  }
  if (reason != TripReason.ProbeFailed) {
    why += " (window: " + decimal(f.calls) + " calls, " + decimal(f.failures) + " failures, " + decimal(f.slow) + " slow)";
  }
  return why + "; open for " + decimal(u.openMs) + "ms";
}
