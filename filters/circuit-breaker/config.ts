// The circuit-breaker configuration: checked against schema.json by the shared walker, then
// compiled once in proxy_on_configure into an immutable CircuitBreakerConfig; the checks below
// are what a JSON Schema cannot say (cross-field limits, status ranges, unique names).
import { asciiLower, stringToBuffer } from "../shared/bytes";
import { ConfigErrors } from "../shared/config-error";
import { element, field, items, num, readConfig, text } from "../shared/config-walker";
import { hash32 } from "../shared/hash";
import { JsonValue } from "../shared/json";
import { compileReply, LocalReply } from "../shared/local-reply";
import { compileStringMatch, compileValueCondition } from "../shared/match-config";
import { StringMatcher, ValueCondition } from "../shared/matchers";
import { Circuit as Fields, CircuitKey, Failure, Match, Root, schema, Window } from "./config-schema";
import { parseStatusRange, StatusRanges } from "./status-ranges";
import { decimal, hex } from "../shared/number-text";

export const FILTER = "circuit-breaker";

export const enum Mode { Enforce, Shadow, ForcedOpen, Disabled }
export const enum KeySource { None, Cluster, Route, Header, Authority }
/** In schema.json order (the walker's enum index). */
export const enum WindowType { Count, Time }

export const MAX_CIRCUITS = 16;
export const MAX_WINDOW_SIZE = 1000;
export const MAX_BUCKETS = 60;
export const MAX_KEYS = 64;
export const DEFAULT_MAX_KEYS = 16;
const DEFAULT_MINIMUM_CALLS = 10;
const DEFAULT_MAX_OPEN_MS: u64 = 300_000;
/** gRPC UNAVAILABLE: the default status of a rejected gRPC call. */
const GRPC_UNAVAILABLE: i32 = 14;

/** Which requests a circuit covers; every list given must match (an absent list matches all). */
export class RequestMatch {
  hosts: StringMatcher[] = [];
  paths: StringMatcher[] = [];
  methods: string[] = [];
  headers: ValueCondition[] = [];
}

export class Circuit {
  name: string = "";
  mode: Mode = Mode.Enforce;
  /** null: every request. */
  match: RequestMatch | null = null;
  keySource: KeySource = KeySource.None;
  keyHeader: string = "";
  /** keyHeader encoded for the host. */
  keyHeaderBytes: ArrayBuffer = new ArrayBuffer(0);
  /** Slots of the key table (1 for an unsplit circuit). */
  maxKeys: i32 = 1;
  // what counts as a failure
  httpStatuses: StatusRanges = new StatusRanges();
  ignoreHttpStatuses: StatusRanges = new StatusRanges();
  /** gRPC status codes (0..16) that are failures; empty: grpc-status is not read. */
  grpcStatuses: i32[] = [];
  /** Upstream resets, timeouts and connection failures without a response count as failures. */
  upstreamFailures: bool = true;
  /** 0: slow calls are not tracked. */
  slowCallMs: u64 = 0;
  /** 0: not a trip condition. */
  consecutiveFailures: u32 = 0;
  /** 0: not a trip condition. */
  failureRate: f64 = 0;
  /** 0: not a trip condition. */
  slowCallRate: f64 = 0;
  /** The rates as configured (for logs). */
  failureRateText: string = "";
  slowCallRateText: string = "";
  minimumCalls: u32 = DEFAULT_MINIMUM_CALLS;
  windowType: WindowType = WindowType.Count;
  windowSize: i32 = 0;
  windowMs: u64 = 0;
  buckets: i32 = 1;
  openMs: u64 = 0;
  backoffMultiplier: f64 = 1;
  maxOpenMs: u64 = 0;
  openJitter: f64 = 0;
  halfOpenProbes: u32 = 1;
  closeAfterSuccesses: u32 = 1;
  /** 0: no concurrency cap. */
  maxInFlight: u32 = 0;
  reply: LocalReply = compileReply(null, 503, "", GRPC_UNAVAILABLE, "circuit_open");
  /** Shared-data key prefix of this circuit's slots (`<prefix><slot>`). */
  storeKeyPrefix: string = "";
  // Precomputed header values (no string is built on a request path).
  openHeader: string = "";
  halfOpenHeader: string = "";
  inFlightHeader: string = "";

  // @ts-ignore: decorator
  @inline get bucketMs(): u64 { return this.windowMs / <u64>this.buckets; }
}

export class CircuitBreakerConfig {
  circuits: Circuit[] = [];
}

/** The configuration in `text`; null when it is invalid (every problem is in `errors`). */
export function parseConfig(text: string, errors: ConfigErrors): CircuitBreakerConfig | null {
  const root = readConfig(text, schema(), errors);
  if (root === null) return null;
  const config = new CircuitBreakerConfig();
  const circuits = items(root, Root.circuits);
  const prefix = "sluice:circuit-breaker:" + hex(hash32(text), 8) + ":";
  for (let i = 0; i < circuits.length; i++) config.circuits.push(readCircuit(errors, element(circuits, i), prefix, config.circuits));
  return errors.failed ? null : config;
}

/** The circuit at `obj`, named unlike the `previous` ones. */
function readCircuit(errors: ConfigErrors, obj: JsonValue, prefix: string, previous: Circuit[]): Circuit {
  const c = new Circuit();
  c.name = text(obj, Fields.name);
  c.mode = <Mode>num(obj, Fields.mode);
  const match = field(obj, Fields.match);
  if (match !== null) c.match = readMatch(match);
  const key = field(obj, Fields.key);
  if (key !== null) readKey(key, c, <i32>num(obj, Fields.max_keys));
  readFailure(errors, changetype<JsonValue>(field(obj, Fields.failure)), c);
  c.slowCallMs = <u64>num(obj, Fields.slow_call);
  c.consecutiveFailures = <u32>num(obj, Fields.consecutive_failures);
  c.failureRate = num(obj, Fields.failure_rate);
  c.failureRateText = text(obj, Fields.failure_rate);
  c.slowCallRate = num(obj, Fields.slow_call_rate);
  c.slowCallRateText = text(obj, Fields.slow_call_rate);
  readWindow(errors, changetype<JsonValue>(field(obj, Fields.window)), c);
  const countLimit = c.windowType == WindowType.Count ? c.windowSize : i32.MAX_VALUE;
  const minimumCalls = field(obj, Fields.minimum_calls);
  c.minimumCalls = minimumCalls === null ? <u32>min(DEFAULT_MINIMUM_CALLS, countLimit) : <u32>minimumCalls.number;
  if (minimumCalls !== null && <i32>c.minimumCalls > countLimit) errors.at(minimumCalls, "must be <= window.size (" + decimal(countLimit) + ")");
  c.openMs = <u64>num(obj, Fields.open_duration);
  c.backoffMultiplier = num(obj, Fields.backoff_multiplier);
  const maxOpen = field(obj, Fields.max_open_duration);
  c.maxOpenMs = maxOpen === null ? max(DEFAULT_MAX_OPEN_MS, c.openMs) : <u64>maxOpen.number;
  if (c.maxOpenMs < c.openMs) errors.at(changetype<JsonValue>(maxOpen), "must be >= open_duration (" + decimal(c.openMs) + "ms)");
  c.openJitter = num(obj, Fields.open_jitter);
  c.halfOpenProbes = <u32>num(obj, Fields.half_open_probes);
  const closeAfter = field(obj, Fields.close_after_successes);
  c.closeAfterSuccesses = closeAfter === null ? c.halfOpenProbes : <u32>closeAfter.number;
  if (c.closeAfterSuccesses > c.halfOpenProbes) {
    errors.at(changetype<JsonValue>(closeAfter), "must be <= half_open_probes (" + decimal(c.halfOpenProbes) + ")");
  }
  c.maxInFlight = <u32>num(obj, Fields.max_in_flight);
  c.reply = compileReply(field(obj, Fields.reply), 503, "circuit open\n", GRPC_UNAVAILABLE, "circuit_open");
  if (c.consecutiveFailures == 0 && c.failureRate == 0 && c.slowCallRate == 0 && c.maxInFlight == 0 &&
    c.mode != Mode.ForcedOpen && c.mode != Mode.Disabled) {
    errors.at(obj, "must set consecutive_failures, failure_rate, slow_call_rate or max_in_flight");
  }
  for (let j = 0; j < previous.length; j++) {
    if (previous[j].name == c.name) errors.at(changetype<JsonValue>(field(obj, Fields.name)), "duplicate circuit name");
  }
  c.storeKeyPrefix = prefix + c.name + ":";
  c.openHeader = c.name + "; state=open";
  c.halfOpenHeader = c.name + "; state=half_open";
  c.inFlightHeader = c.name + "; reason=max_in_flight";
  return c;
}

function readMatch(obj: JsonValue): RequestMatch {
  const m = new RequestMatch();
  const hosts = items(obj, Match.hosts);
  for (let i = 0; i < hosts.length; i++) m.hosts.push(compileStringMatch(element(hosts, i), true));
  const paths = items(obj, Match.paths);
  for (let i = 0; i < paths.length; i++) m.paths.push(compileStringMatch(element(paths, i)));
  const methods = items(obj, Match.methods);
  for (let i = 0; i < methods.length; i++) m.methods.push(element(methods, i).string);
  const headers = items(obj, Match.headers);
  for (let i = 0; i < headers.length; i++) m.headers.push(compileValueCondition(element(headers, i), true));
  return m;
}

/** The key sources in schema.json order (CircuitKey's branches). */
function keySourceOf(index: i32): KeySource {
  return <KeySource>load<u8>(KEY_SOURCES + <usize>index);
}
const KEY_SOURCES = memory.data<u8>([<u8>KeySource.Header, <u8>KeySource.Authority, <u8>KeySource.Header, <u8>KeySource.Cluster, <u8>KeySource.Route]);

function readKey(key: JsonValue, c: Circuit, maxKeys: i32): void {
  const source = <i32>num(key, CircuitKey.source);
  c.keySource = keySourceOf(source);
  // header: its name; colour: traffic-colour's header
  c.keyHeader = asciiLower(text(key, source == 0 ? CircuitKey.name : CircuitKey.header));
  c.keyHeaderBytes = stringToBuffer(c.keyHeader);
  c.maxKeys = maxKeys;
}

/** The circuit's `failure` object: what counts as a failure. */
function readFailure(errors: ConfigErrors, obj: JsonValue, c: Circuit): void {
  readRanges(errors, items(obj, Failure.http_statuses), c.httpStatuses);
  readRanges(errors, items(obj, Failure.ignore_http_statuses), c.ignoreHttpStatuses);
  const grpc = items(obj, Failure.grpc_statuses);
  for (let i = 0; i < grpc.length; i++) c.grpcStatuses.push(<i32>element(grpc, i).number);
  c.upstreamFailures = changetype<JsonValue>(field(obj, Failure.upstream_failures)).bool;
}

function readRanges(errors: ConfigErrors, list: Array<JsonValue | null>, out: StatusRanges): void {
  for (let i = 0; i < list.length; i++) {
    const item = element(list, i);
    if (!parseStatusRange(item.string, out)) errors.at(item, "is not a status or status range like \"500-599\"");
  }
}

function readWindow(errors: ConfigErrors, obj: JsonValue, c: Circuit): void {
  c.windowType = <WindowType>num(obj, Window.type);
  c.windowSize = <i32>num(obj, Window.size);
  c.windowMs = <u64>num(obj, Window.duration);
  c.buckets = max(<i32>num(obj, Window.buckets), 1);
  const duration = field(obj, Window.duration);
  if (c.windowType == WindowType.Time && c.windowMs < <u64>c.buckets) {
    errors.at(changetype<JsonValue>(duration), "must be at least 1ms per bucket (" + decimal(c.buckets) + " buckets)");
  }
}
