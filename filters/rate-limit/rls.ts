// Envoy's rate limit service (envoy.service.ratelimit.v3.RateLimitService/ShouldRateLimit):
// the request message for one rule's descriptor and the parts of the reply the filter uses.
//   RateLimitRequest { domain = 1; repeated RateLimitDescriptor descriptors = 2 { repeated Entry
//   entries = 1 { key = 1; value = 2 } }; uint32 hits_addend = 3 }
//   RateLimitResponse { Code overall_code = 1 (UNKNOWN 0, OK 1, OVER_LIMIT 2);
//   repeated DescriptorStatus statuses = 2 { Code code = 1; RateLimit current_limit = 2
//     { uint32 requests_per_unit = 1; Unit unit = 2 (UNKNOWN 0, SECOND 1, MINUTE 2, HOUR 3, DAY 4,
//     MONTH 5, YEAR 6) }; uint32 limit_remaining = 3; google.protobuf.Duration duration_until_reset = 4
//     { int64 seconds = 1; int32 nanos = 2 } };
//   repeated HeaderValue response_headers_to_add = 3 { key = 1; value = 2 }; request_headers_to_add = 4 }
// (envoy/service/ratelimit/v3/rls.proto). Statuses are folded while decoding: only the two the
// filter uses are kept (see RateLimitReply), so memory stays bounded by the message itself.
// Requests are written into one reused writer and answers decoded in place into a reply object
// the waiting stream keeps (RateLimitReply.reset()), so a call allocates nothing unless the answer
// carries headers (their names and values become strings).
import { stringToBuffer } from "../shared/bytes";
import { HeaderList } from "../shared/headers";
import { ProtoReader, ProtoWriter, WireType } from "../shared/protobuf";

export const RLS_SERVICE = stringToBuffer("envoy.service.ratelimit.v3.RateLimitService");
export const RLS_METHOD = stringToBuffer("ShouldRateLimit");

// @ts-ignore: decorator
@inline const OVER_LIMIT: u64 = 2;

const writer = new ProtoWriter(512);
/** The descriptor message being written (its mark in `writer`), and where its entries after the
 *  rule's begin. */
let descriptor: i32 = 0;
let keyEntries: i32 = 0;

/** Starts the request for `domain` with a descriptor whose first entry is `ruleEntry` =
 *  `ruleName`; the key parts' entries come next (addEntry). */
export function startRateLimitRequest(domain: string, ruleEntry: string, ruleName: string): void {
  writer.reset();
  writer.string(1, domain);
  descriptor = writer.beginMessage(2);
  addEntryString(ruleEntry, ruleName);
  keyEntries = writer.length;
}

/** Takes the key parts' entries out again (the rule's default bucket names the rule only). */
export function dropKeyEntries(): void {
  writer.truncate(keyEntries);
}

/** Adds the entry `key` = the `length` bytes at `value` to the descriptor. */
export function addEntry(key: string, value: usize, length: i32): void {
  const entry = writer.beginMessage(1);
  writer.string(1, key);
  writer.bytesAt(2, value, length);
  writer.endMessage(entry);
}

/** addEntry() with a byte string value. */
export function addEntryString(key: string, value: string): void {
  const entry = writer.beginMessage(1);
  writer.string(1, key);
  writer.string(2, value);
  writer.endMessage(entry);
}

/** Ends the request with `hits` tokens: the message is `writer.length` bytes at `writer.ptr`. */
export function finishRateLimitRequest(hits: u64): ProtoWriter {
  writer.endMessage(descriptor);
  writer.varint(3, hits);
  return writer;
}

/** Largest reset reported, in seconds: 2^31, what RFC 9111 section 1.2.2 makes caches assume for
 *  any larger delta-seconds value. */
export const MAX_RESET_SECONDS: u64 = 2147483648;

/** One DescriptorStatus. */
export class RlsStatus {
  overLimit: bool = false;
  /** current_limit: requests per unit and the unit in seconds (0 when absent or unknown). */
  requestsPerUnit: u64 = 0;
  windowSeconds: u64 = 0;
  remaining: u64 = 0;
  /** duration_until_reset was given: `resetSeconds` holds it rounded up, within [0, 2^31]. */
  hasReset: bool = false;
  resetSeconds: u64 = 0;
  /** duration_until_reset as decoded (kept so a repeated field merges). */
  durationSeconds: i64 = 0;
  durationNanos: i32 = 0;

  /** Whether the status describes a whole limit (quota, window, remaining and reset). */
  get complete(): bool {
    return this.hasReset && this.requestsPerUnit > 0 && this.windowSeconds > 0;
  }

  /** Becomes a copy of `other`. */
  copy(other: RlsStatus): void {
    this.overLimit = other.overLimit;
    this.requestsPerUnit = other.requestsPerUnit;
    this.windowSeconds = other.windowSeconds;
    this.remaining = other.remaining;
    this.hasReset = other.hasReset;
    this.resetSeconds = other.resetSeconds;
    this.durationSeconds = other.durationSeconds;
    this.durationNanos = other.durationNanos;
  }
}

/** What the filter takes from a RateLimitResponse; `valid` false when it does not decode. */
export class RateLimitReply {
  valid: bool = true;
  overLimit: bool = false;
  readonly responseHeaders: HeaderList = new HeaderList();
  readonly requestHeaders: HeaderList = new HeaderList();
  /** The OVER_LIMIT status with a duration_until_reset and the longest one (the first of equals):
   *  what a rejected client waits for. Meaningful with `hasRetry`. */
  hasRetry: bool = false;
  readonly retry: RlsStatus = new RlsStatus();
  /** The complete status with the fewest requests remaining (the first of equals). Meaningful
   *  with `hasTightest`. */
  hasTightest: bool = false;
  readonly tightest: RlsStatus = new RlsStatus();

  /** Forgets the previous answer. */
  reset(): void {
    this.valid = true;
    this.overLimit = false;
    this.responseHeaders.clear();
    this.requestHeaders.clear();
    this.hasRetry = false;
    this.hasTightest = false;
  }
}

const reader = new ProtoReader();
/** The status being decoded. */
const status = new RlsStatus();

/** Decodes the RateLimitResponse of `length` bytes at `p` into `reply` (reset first). */
export function decodeRateLimitResponse(p: usize, length: i32, reply: RateLimitReply): void {
  reply.reset();
  const r = reader;
  r.readAt(p, length, 0, length);
  while (r.next()) {
    if (r.field == 1 && r.wireType == WireType.Varint) reply.overLimit = r.value == OVER_LIMIT;
    else if (r.field == 2 && r.wireType == WireType.Len) {
      if (!readStatus(r.message())) reply.valid = false;
      else foldStatus(reply);
    }
    else if ((r.field == 3 || r.field == 4) && r.wireType == WireType.Len) {
      if (!readHeader(r.message(), r.field == 3 ? reply.responseHeaders : reply.requestHeaders)) reply.valid = false;
    }
  }
  if (r.error) reply.valid = false;
}

/** Adds a HeaderValue {key, value} to `out`; false when malformed or without a key. */
function readHeader(r: ProtoReader, out: HeaderList): bool {
  let key = "";
  let value = "";
  while (r.next()) {
    if (r.wireType != WireType.Len) continue;
    if (r.field == 1) key = r.string();
    else if (r.field == 2) value = r.string();
  }
  if (r.error || key.length == 0) return false;
  out.add(key, value);
  return true;
}

/** Keeps `status` in `reply` where it is the longest OVER_LIMIT reset or the tightest limit. */
function foldStatus(reply: RateLimitReply): void {
  if (status.overLimit && status.hasReset && (!reply.hasRetry || status.resetSeconds > reply.retry.resetSeconds)) {
    reply.retry.copy(status);
    reply.hasRetry = true;
  }
  if (status.complete && (!reply.hasTightest || status.remaining < reply.tightest.remaining)) {
    reply.tightest.copy(status);
    reply.hasTightest = true;
  }
}

/** Decodes a DescriptorStatus into `status`; false when malformed. Repeated fields merge as
 *  protobuf does (the last scalar wins); fields of another wire type are passed over like unknown
 *  ones. */
function readStatus(r: ProtoReader): bool {
  status.copy(EMPTY);
  while (r.next()) {
    const field = r.field;
    if (r.wireType == WireType.Varint) {
      if (field == 1) status.overLimit = r.value == OVER_LIMIT;
      else if (field == 3) status.remaining = r.value & 0xffffffff; // uint32
    } else if (r.wireType == WireType.Len) {
      if (field == 2 && !readLimit(r.message(), status)) return false;
      if (field == 4 && !readDuration(r.message(), status)) return false;
    }
  }
  return !r.error;
}

/** A status with nothing decoded. */
const EMPTY = new RlsStatus();
/** RateLimit { requests_per_unit = 1; unit = 2 } into `status`; false when malformed. */
function readLimit(r: ProtoReader, status: RlsStatus): bool {
  while (r.next()) {
    if (r.wireType != WireType.Varint) continue;
    if (r.field == 1) status.requestsPerUnit = r.value & 0xffffffff; // uint32
    else if (r.field == 2) status.windowSeconds = unitSeconds(r.value);
  }
  return !r.error;
}

/** google.protobuf.Duration { seconds = 1; nanos = 2 } into `status` (merged with an earlier
 *  one); false when malformed. */
function readDuration(r: ProtoReader, status: RlsStatus): bool {
  while (r.next()) {
    if (r.wireType != WireType.Varint) continue;
    if (r.field == 1) status.durationSeconds = <i64>r.value; // int64
    else if (r.field == 2) status.durationNanos = <i32>r.value; // int32: low 32 bits of the sign-extended varint
  }
  if (r.error) return false;
  status.hasReset = true;
  status.resetSeconds = ceilDurationSeconds(status.durationSeconds, status.durationNanos);
  return true;
}

/** Seconds of a RateLimit.Unit, as Envoy's rate limit filter counts them (a month is 30 days, a
 *  year 365); 0 for UNKNOWN and values this filter does not know. */
function unitSeconds(unit: u64): u64 {
  if (unit == 1) return 1;
  if (unit == 2) return 60;
  if (unit == 3) return 3600;
  if (unit == 4) return 86400;
  if (unit == 5) return 30 * 86400;
  if (unit == 6) return 365 * 86400;
  return 0;
}

/** A Duration's seconds rounded up, negative ones as 0, at most MAX_RESET_SECONDS. Out-of-range
 *  or mixed-sign nanos (malformed but decodable) count for what they add up to. */
function ceilDurationSeconds(seconds: i64, nanos: i32): u64 {
  const max = <i64>MAX_RESET_SECONDS;
  // Clamping first keeps the sum in range; nanos move it by at most 3 seconds either way.
  const s = seconds < -10 ? -10 : seconds > max + 10 ? max + 10 : seconds;
  const n = <i64>nanos;
  const total = s + (n >= 0 ? (n + 999_999_999) / 1_000_000_000 : -((-n) / 1_000_000_000));
  return total <= 0 ? 0 : total >= max ? MAX_RESET_SECONDS : <u64>total;
}
