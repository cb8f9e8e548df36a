// The circuit-breaker configuration: parsed and validated once in proxy_on_configure into an
// immutable CircuitBreakerConfig. Every problem is reported as one line in the ARCHITECTURE.md
// format; schema.json mirrors every check a JSON Schema can express.
import { asciiLower, stringToBuffer } from "../shared/bytes";
import { ConfigError } from "../shared/config-error";
import { hash32 } from "../shared/hash";
import { ConfigReader, JsonValue, pathOf } from "../shared/json";
import { MatchKind, StringMatcher } from "../shared/matchers";
import { parseStatusRange, StatusRanges } from "./status-ranges";
import { decimal, hex } from "../shared/number-text";

export const FILTER = "circuit-breaker";

export const enum Mode { Enforce, Shadow, ForcedOpen, Disabled }
export const enum KeySource { None, Cluster, Route, Header, Authority }
export const enum WindowType { Count, Time }

// Name lists are made when used (at configure), never held in module globals: the collector marks
// every object reachable from a global, and every string in a held array, on each collection.

/** Mode names, in Mode order. */
export function modeNames(): string[] { return ["enforce", "shadow", "forced_open", "disabled"]; }
/** KeySource names, in KeySource order. */
export function keySourceNames(): string[] { return ["none", "cluster", "route", "header", "authority"]; }
/** WindowType names, in WindowType order. */
export function windowTypeNames(): string[] { return ["count", "time"]; }

export const MAX_CIRCUITS = 16;
export const MAX_NAME_CHARS = 32;
export const MAX_WINDOW_SIZE = 1000;
export const MAX_BUCKETS = 60;
export const MAX_KEYS = 64;
export const DEFAULT_MAX_KEYS = 16;
const DEFAULT_WINDOW_SIZE = 100;
const DEFAULT_WINDOW_MS: u64 = 10_000;
const DEFAULT_BUCKETS = 10;
const DEFAULT_MINIMUM_CALLS = 10;
const DEFAULT_OPEN_MS: u64 = 60_000;
const DEFAULT_MAX_OPEN_MS: u64 = 300_000;
const MAX_DURATION_MS: u64 = 86_400_000;
const DEFAULT_BODY = "circuit open\n";

/** A request header that must be present, and match `value` when given. */
export class HeaderCondition {
  constructor(readonly name: string, readonly value: StringMatcher | null) {}
}

/** Which requests a circuit covers; every list given must match (an absent list matches all). */
export class RequestMatch {
  hosts: StringMatcher[] = [];
  paths: StringMatcher[] = [];
  methods: string[] = [];
  headers: HeaderCondition[] = [];
}

export class ReplyHeader {
  constructor(readonly name: string, readonly value: string) {}
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
  minimumCalls: u32 = DEFAULT_MINIMUM_CALLS;
  windowType: WindowType = WindowType.Count;
  windowSize: i32 = DEFAULT_WINDOW_SIZE;
  windowMs: u64 = DEFAULT_WINDOW_MS;
  buckets: i32 = DEFAULT_BUCKETS;
  openMs: u64 = DEFAULT_OPEN_MS;
  backoffMultiplier: f64 = 1;
  maxOpenMs: u64 = DEFAULT_MAX_OPEN_MS;
  openJitter: f64 = 0;
  halfOpenProbes: u32 = 1;
  closeAfterSuccesses: u32 = 1;
  /** 0: no concurrency cap. */
  maxInFlight: u32 = 0;
  replyStatus: u32 = 503;
  replyBody: string = DEFAULT_BODY;
  replyHeaders: ReplyHeader[] = [];
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

/** The result of parsing: the config, or the one error line to log. */
export class ParseResult {
  constructor(readonly config: CircuitBreakerConfig | null, readonly error: string) {}
}

export function parseConfig(text: string): ParseResult {
  const r = new ConfigReader(FILTER);
  const root = r.parse(text);
  if (r.empty) return new ParseResult(null, new ConfigError("circuits", "is required", "nothing").format(FILTER));
  const config = new CircuitBreakerConfig();
  const circuits = r.requiredArray(root, "circuits", 1, MAX_CIRCUITS);
  if (circuits !== null) {
    const prefix = "sluice:circuit-breaker:" + hex(hash32(text), 8) + ":";
    for (let i = 0; i < circuits.items.length && !r.failed; i++) {
      config.circuits.push(readCircuit(r, circuits.items[i], prefix, config.circuits));
    }
  }
  r.unknownKeys(root, ["circuits"]);
  if (r.failed) return new ParseResult(null, r.message());
  return new ParseResult(config, "");
}

/** The circuit at `node`, named unlike the `previous` ones. */
function readCircuit(r: ConfigReader, node: JsonValue, prefix: string, previous: Circuit[]): Circuit {
  const c = new Circuit();
  const obj = r.asObject(node);
  c.name = r.requiredString(obj, "name", 1, MAX_NAME_CHARS);
  const nameNode: JsonValue | null = obj === null ? null : obj.member("name");
  if (nameNode !== null && !r.failed && !isMetricSafe(c.name)) {
    r.fail(nameNode, "must contain only letters, digits, \"_\" and \"-\"");
  }
  c.mode = <Mode>r.optionalEnum(obj, "mode", modeNames(), Mode.Enforce);
  c.match = readMatch(r, r.optionalObject(obj, "match"));
  readKey(r, r.optionalObject(obj, "key"), c);
  readFailure(r, r.optionalObject(obj, "failure"), c);
  c.slowCallMs = <u64>r.optionalInteger(obj, "slow_call_ms", 0, 1, <i64>MAX_DURATION_MS);
  c.consecutiveFailures = <u32>r.optionalInteger(obj, "consecutive_failures", 0, 1, MAX_WINDOW_SIZE);
  c.failureRate = r.optionalNumber(obj, "failure_rate", 0, 0, 1, true, false);
  c.slowCallRate = r.optionalNumber(obj, "slow_call_rate", 0, 0, 1, true, false);
  readWindow(r, r.optionalObject(obj, "window"), c);
  const minimumCalls = r.member(obj, "minimum_calls", false);
  const countLimit = c.windowType == WindowType.Count ? c.windowSize : i32.MAX_VALUE;
  c.minimumCalls = <u32>r.asInteger(minimumCalls, min(DEFAULT_MINIMUM_CALLS, countLimit), 1, 1_000_000);
  checkLimit(r, minimumCalls, <i32>c.minimumCalls > countLimit, "must be <= window.size", c.windowSize, "");
  c.openMs = r.optionalDuration(obj, "open_duration", DEFAULT_OPEN_MS, 1, MAX_DURATION_MS);
  c.backoffMultiplier = r.optionalNumber(obj, "backoff_multiplier", 1, 1, 100);
  const maxOpen = r.member(obj, "max_open_duration", false);
  c.maxOpenMs = r.asDuration(maxOpen, max(DEFAULT_MAX_OPEN_MS, c.openMs), 1, MAX_DURATION_MS);
  checkLimit(r, maxOpen, c.maxOpenMs < c.openMs, "must be >= open_duration", <i64>c.openMs, "ms");
  c.openJitter = r.optionalNumber(obj, "open_jitter", 0, 0, 1, false, true);
  c.halfOpenProbes = <u32>r.optionalInteger(obj, "half_open_probes", 1, 1, 1000);
  const closeAfter = r.member(obj, "close_after_successes", false);
  c.closeAfterSuccesses = <u32>r.asInteger(closeAfter, c.halfOpenProbes, 1, 1000);
  checkLimit(r, closeAfter, c.closeAfterSuccesses > c.halfOpenProbes, "must be <= half_open_probes", c.halfOpenProbes, "");
  c.maxInFlight = <u32>r.optionalInteger(obj, "max_in_flight", 0, 1, 1_000_000);
  readReply(r, r.optionalObject(obj, "reply"), c);
  r.unknownKeys(obj, ["name", "mode", "match", "key", "failure", "slow_call_ms", "consecutive_failures", "failure_rate",
    "slow_call_rate", "minimum_calls", "window", "open_duration", "backoff_multiplier", "max_open_duration",
    "open_jitter", "half_open_probes", "close_after_successes", "max_in_flight", "reply"]);
  if (obj !== null && !r.failed) checkTripConditions(r, obj, c);
  for (let j = 0; j < previous.length && nameNode !== null; j++) {
    if (previous[j].name == c.name) r.fail(nameNode, "duplicate circuit name");
  }
  c.storeKeyPrefix = prefix + c.name + ":";
  c.openHeader = c.name + "; state=open";
  c.halfOpenHeader = c.name + "; state=half_open";
  c.inFlightHeader = c.name + "; reason=max_in_flight";
  return c;
}

/** Fails `node` with `<problem> (<limit><unit>)` when it is given, nothing failed yet and
 *  `exceeds`: a field bounded by another field's value. */
function checkLimit(r: ConfigReader, node: JsonValue | null, exceeds: bool, problem: string, limit: i64, unit: string): void {
  if (node !== null && !r.failed && exceeds) r.fail(node, problem + " (" + decimal(limit) + unit + ")");
}

function checkTripConditions(r: ConfigReader, obj: JsonValue, c: Circuit): void {
  if (c.consecutiveFailures == 0 && c.failureRate == 0 && c.slowCallRate == 0 && c.mode != Mode.ForcedOpen &&
    c.mode != Mode.Disabled && c.maxInFlight == 0) {
    r.fail(obj, "must set consecutive_failures, failure_rate, slow_call_rate or max_in_flight");
    return;
  }
  const slowRate = obj.member("slow_call_rate");
  if (slowRate !== null && c.slowCallMs == 0) r.fail(slowRate, "requires slow_call_ms");
}

function readMatch(r: ConfigReader, obj: JsonValue | null): RequestMatch | null {
  if (obj === null) return null;
  const m = new RequestMatch();
  readGlobs(r, obj, "hosts", 256, true, m.hosts);
  readGlobs(r, obj, "paths", 1024, false, m.paths);
  const methods = r.optionalArray(obj, "methods", 1, 16);
  for (let i = 0; methods !== null && i < methods.items.length; i++) {
    m.methods.push(r.asString(methods.items[i], "", 1, 32));
  }
  const headers = r.optionalArray(obj, "headers", 1, 16);
  for (let i = 0; headers !== null && i < headers.items.length; i++) {
    const h = r.asObject(headers.items[i]);
    const name = asciiLower(r.requiredString(h, "name", 1, 256));
    const value = r.member(h, "value", false);
    const pattern = r.asString(value, "", 0, 1024);
    r.unknownKeys(h, ["name", "value"]);
    m.headers.push(new HeaderCondition(name, value === null ? null : new StringMatcher(MatchKind.Glob, pattern, false)));
  }
  r.unknownKeys(obj, ["hosts", "paths", "methods", "headers"]);
  return m;
}

/** The optional list `key` of 1..32 globs of 1..maxChars chars, into `out`. */
function readGlobs(r: ConfigReader, obj: JsonValue, key: string, maxChars: i32, ignoreCase: bool, out: StringMatcher[]): void {
  const list = r.optionalArray(obj, key, 1, 32);
  for (let i = 0; list !== null && i < list.items.length; i++) {
    out.push(new StringMatcher(MatchKind.Glob, r.asString(list.items[i], "", 1, maxChars), ignoreCase));
  }
}

function readKey(r: ConfigReader, obj: JsonValue | null, c: Circuit): void {
  c.keySource = <KeySource>r.optionalEnum(obj, "source", keySourceNames(), KeySource.None);
  const header = r.member(obj, "header", false);
  c.keyHeader = asciiLower(r.asString(header, "", 1, 256));
  c.keyHeaderBytes = stringToBuffer(c.keyHeader);
  const maxKeys = r.member(obj, "max_keys", false);
  c.maxKeys = <i32>r.asInteger(maxKeys, DEFAULT_MAX_KEYS, 1, MAX_KEYS);
  r.unknownKeys(obj, ["source", "header", "max_keys"]);
  if (obj !== null && !r.failed) {
    if (c.keySource == KeySource.Header && header === null) {
      r.error = new ConfigError(pathOf(obj) + ".header", "is required when source is \"header\"", "nothing");
    } else if (c.keySource != KeySource.Header && header !== null) {
      r.fail(header, "only applies when source is \"header\"");
    } else if (c.keySource == KeySource.None && maxKeys !== null) {
      r.fail(maxKeys, "does not apply when source is \"none\"");
    }
  }
  if (c.keySource == KeySource.None) c.maxKeys = 1;
}

/** The circuit's `failure` object: what counts as a failure. */
function readFailure(r: ConfigReader, obj: JsonValue | null, f: Circuit): void {
  const statuses = r.optionalArray(obj, "http_statuses", 0, 16);
  if (statuses === null) f.httpStatuses.add(500, 599);
  else readRanges(r, statuses, f.httpStatuses);
  readRanges(r, r.optionalArray(obj, "ignore_http_statuses", 0, 16), f.ignoreHttpStatuses);
  const grpc = r.optionalArray(obj, "grpc_statuses", 0, 17);
  if (grpc === null) {
    f.grpcStatuses = [2, 4, 13, 14];
  } else {
    for (let i = 0; i < grpc.items.length; i++) f.grpcStatuses.push(<i32>r.asInteger(grpc.items[i], 0, 0, 16));
  }
  f.upstreamFailures = r.optionalBool(obj, "upstream_failures", true);
  r.unknownKeys(obj, ["http_statuses", "ignore_http_statuses", "grpc_statuses", "upstream_failures"]);
}

function readRanges(r: ConfigReader, list: JsonValue | null, out: StatusRanges): void {
  for (let i = 0; list !== null && i < list.items.length; i++) {
    const item = list.items[i];
    const text = r.asString(item, "", 1, 7);
    if (!r.failed && !parseStatusRange(text, out)) {
      r.fail(item, "is not a status or status range like \"500-599\"");
    }
  }
}

function readWindow(r: ConfigReader, obj: JsonValue | null, c: Circuit): void {
  c.windowType = <WindowType>r.optionalEnum(obj, "type", windowTypeNames(), WindowType.Count);
  const size = r.member(obj, "size", false);
  c.windowSize = <i32>r.asInteger(size, DEFAULT_WINDOW_SIZE, 1, MAX_WINDOW_SIZE);
  const duration = r.member(obj, "duration", false);
  c.windowMs = r.asDuration(duration, DEFAULT_WINDOW_MS, 1, MAX_DURATION_MS);
  const buckets = r.member(obj, "buckets", false);
  c.buckets = <i32>r.asInteger(buckets, DEFAULT_BUCKETS, 1, MAX_BUCKETS);
  r.unknownKeys(obj, ["type", "size", "duration", "buckets"]);
  if (r.failed) return;
  if (c.windowType == WindowType.Count) {
    if (duration !== null) r.fail(duration, "only applies when type is \"time\"");
    else if (buckets !== null) r.fail(buckets, "only applies when type is \"time\"");
  } else {
    if (size !== null) r.fail(size, "only applies when type is \"count\"");
    else checkLimit(r, duration, c.windowMs < <u64>c.buckets, "must be at least 1ms per bucket", c.buckets, " buckets");
  }
}

function readReply(r: ConfigReader, obj: JsonValue | null, c: Circuit): void {
  c.replyStatus = <u32>r.optionalInteger(obj, "status", 503, 200, 599);
  c.replyBody = r.optionalString(obj, "body", DEFAULT_BODY, 0, 4096);
  const headers = r.optionalArray(obj, "headers", 0, 16);
  for (let i = 0; headers !== null && i < headers.items.length; i++) {
    const h = r.asObject(headers.items[i]);
    const name = asciiLower(r.requiredString(h, "name", 1, 256));
    const value = r.requiredString(h, "value", 0, 4096);
    r.unknownKeys(h, ["name", "value"]);
    c.replyHeaders.push(new ReplyHeader(name, value));
  }
  r.unknownKeys(obj, ["status", "body", "headers"]);
}

/** Letters, digits, `_` and `-` only: the name goes into metric names and shared-data keys. */
function isMetricSafe(name: string): bool {
  for (let i = 0; i < name.length; i++) {
    const c = name.charCodeAt(i);
    // not a digit, not a letter (either case), not `_` or `-`
    if (<u32>(c - 0x30) > 9 && <u32>((c | 0x20) - 0x61) > 25 && c != 0x5f && c != 0x2d) return false;
  }
  return true;
}
