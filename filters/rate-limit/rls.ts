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

/** One DescriptorStatus. Its fields are all numbers, so statuses are copied and cleared as
 *  bytes (foldStatus, readStatus). */
export class RlsStatus {
  overLimit: bool = false;
  /** current_limit: requests per unit, and the unit as sent (0 when absent). */
  requestsPerUnit: u64 = 0;
  unit: u64 = 0;
  remaining: u64 = 0;
  /** duration_until_reset was given: `resetSeconds` holds it rounded up, within [0, 2^31]. */
  hasReset: bool = false;
  resetSeconds: u64 = 0;
  /** duration_until_reset as decoded (kept so a repeated field merges). */
  durationSeconds: u64 = 0;
  durationNanos: u64 = 0;

  /** The unit in seconds (0 when absent or unknown). */
  get windowSeconds(): u64 {
    return unitSeconds(this.unit);
  }

  /** Whether the status describes a whole limit (quota, window, remaining and reset). */
  get complete(): bool {
    return this.hasReset && this.requestsPerUnit > 0 && this.windowSeconds > 0;
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

// The tags (field number << 3 | wire type) of the fields read.
// @ts-ignore: decorator
@inline const VARINT_1: u32 = 1 << 3 | WireType.Varint;
// @ts-ignore: decorator
@inline const VARINT_2: u32 = 2 << 3 | WireType.Varint;
// @ts-ignore: decorator
@inline const VARINT_3: u32 = 3 << 3 | WireType.Varint;
// @ts-ignore: decorator
@inline const LEN_1: u32 = 1 << 3 | WireType.Len;
// @ts-ignore: decorator
@inline const LEN_2: u32 = 2 << 3 | WireType.Len;
// @ts-ignore: decorator
@inline const LEN_3: u32 = 3 << 3 | WireType.Len;
// @ts-ignore: decorator
@inline const LEN_4: u32 = 4 << 3 | WireType.Len;

const reader = new ProtoReader();
/** The status being decoded. */
const status = new RlsStatus();

/** Decodes the RateLimitResponse of `length` bytes at `p` into `reply` (reset first). */
export function decodeRateLimitResponse(p: usize, length: i32, reply: RateLimitReply): void {
  reply.reset();
  const r = reader;
  r.readAt(p, length, 0, length);
  let valid = true;
  while (r.next()) {
    const tag = r.tag;
    if (tag == VARINT_1) reply.overLimit = r.value == OVER_LIMIT; // overall_code
    else if (tag == LEN_2) valid = readStatus(r.message(), reply) && valid;
    else if (tag == LEN_3 || tag == LEN_4) {
      valid = readHeader(r.message(), tag == LEN_3 ? reply.responseHeaders : reply.requestHeaders) && valid;
    }
  }
  reply.valid = valid && !r.error;
}

/** Adds a HeaderValue {key = 1, value = 2} to `out`; false when malformed or without a key. */
function readHeader(r: ProtoReader, out: HeaderList): bool {
  let key = "";
  let value = "";
  while (r.next()) {
    if (r.tag == LEN_1) key = r.string();
    else if (r.tag == LEN_2) value = r.string();
  }
  if (r.error || key.length == 0) return false;
  out.add(key, value);
  return true;
}

/** Decodes a DescriptorStatus into `status` and keeps it in `reply` where it is the longest
 *  OVER_LIMIT reset or the tightest limit; false when malformed. Repeated fields merge as
 *  protobuf does (the last scalar wins); fields of another wire type are passed over like unknown
 *  ones. */
function readStatus(r: ProtoReader, reply: RateLimitReply): bool {
  const at = changetype<usize>(status);
  memory.fill(at, 0, offsetof<RlsStatus>());
  while (r.next()) {
    const tag = r.tag;
    if (tag == VARINT_1) status.overLimit = r.value == OVER_LIMIT; // code
    else if (tag == VARINT_3) status.remaining = r.value & 0xffffffff; // limit_remaining: uint32
    else if (tag == LEN_2) { // current_limit: RateLimit { uint32 requests_per_unit = 1; Unit unit = 2 }
      if (!readPair(r.message(), status.requestsPerUnit, status.unit)) return false;
      status.requestsPerUnit = first & 0xffffffff;
      status.unit = second;
    } else if (tag == LEN_4) { // duration_until_reset: Duration { int64 seconds = 1; int32 nanos = 2 }
      if (!readPair(r.message(), status.durationSeconds, status.durationNanos)) return false;
      status.durationSeconds = first;
      status.durationNanos = second;
      status.hasReset = true;
      // nanos: an int32, the low 32 bits of the sign-extended varint
      status.resetSeconds = ceilDurationSeconds(<i64>first, <i32>second);
    }
  }
  if (r.error) return false;
  if (status.overLimit && status.hasReset && (!reply.hasRetry || status.resetSeconds > reply.retry.resetSeconds)) {
    memory.copy(changetype<usize>(reply.retry), at, offsetof<RlsStatus>());
    reply.hasRetry = true;
  }
  if (status.complete && (!reply.hasTightest || status.remaining < reply.tightest.remaining)) {
    memory.copy(changetype<usize>(reply.tightest), at, offsetof<RlsStatus>());
    reply.hasTightest = true;
  }
  return true;
}

/** The varint fields 1 and 2 of the last message readPair() read. */
let first: u64 = 0;
let second: u64 = 0;

/** Reads a message of two varint fields 1 and 2 (RateLimit, Duration) into `first` and `second`,
 *  which start as `one` and `two` (an earlier occurrence: a field the message lacks keeps its
 *  value); false when malformed. */
function readPair(r: ProtoReader, one: u64, two: u64): bool {
  first = one;
  second = two;
  while (r.next()) {
    if (r.tag == VARINT_1) first = r.value;
    else if (r.tag == VARINT_2) second = r.value;
  }
  return !r.error;
}

/** Seconds of each RateLimit.Unit, as Envoy's rate limit filter counts them (a month is 30 days,
 *  a year 365): UNKNOWN, SECOND, MINUTE, HOUR, DAY, MONTH, YEAR. */
const UNIT_SECONDS = memory.data<u32>([0, 1, 60, 3600, 86400, 30 * 86400, 365 * 86400]);

/** Seconds of a RateLimit.Unit; 0 for UNKNOWN and values this filter does not know. */
function unitSeconds(unit: u64): u64 {
  return unit < 7 ? <u64>load<u32>(UNIT_SECONDS + (<usize>unit << 2)) : 0;
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
