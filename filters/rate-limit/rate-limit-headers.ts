// Rate-limit response headers (`headers_mode`), built only when a mode is on:
//   draft03: x-ratelimit-limit: <q>, <q>;w=<w>   x-ratelimit-remaining: <r>   x-ratelimit-reset: <t>
//   ietf:    ratelimit-policy: "<rule>";q=<q>;w=<w>[;pk=:<key>:]   ratelimit: "<rule>";r=<r>;t=<t>[;pk=:<key>:]
// q and w describe the limit with the fewest tokens left, r is its remaining tokens and t the
// seconds until it is full again; pk is the base64 of the key's 64-bit fingerprint (the client's
// partition, without its raw value). Rejections also carry `retry-after: <seconds>` (at least 1).
// With a global rule the values may come from the rate limit service's DescriptorStatus instead
// (filter.ts decides which).
// Values are written into a reused header list (shared/header-pairs.ts) with the digits in place
// and every name encoded once, so a request builds them without allocating.
import { stringToBuffer } from "../shared/bytes";
import { ByteWriter } from "../shared/byte-writer";
import { HeaderPairs } from "../shared/header-pairs";
import { HeaderList } from "../shared/headers";
import { ceilSeconds, Decision, Limit } from "./bucket";
import { HeadersMode } from "./config";

const X_RATELIMIT_LIMIT = stringToBuffer("x-ratelimit-limit");
const X_RATELIMIT_REMAINING = stringToBuffer("x-ratelimit-remaining");
const X_RATELIMIT_RESET = stringToBuffer("x-ratelimit-reset");
const RATELIMIT_POLICY = stringToBuffer("ratelimit-policy");
const RATELIMIT = stringToBuffer("ratelimit");
const RETRY_AFTER = stringToBuffer("retry-after");
const COMMA = stringToBuffer(", ");
const Q = stringToBuffer(";q=");
const W = stringToBuffer(";w=");
const R = stringToBuffer(";r=");
const T = stringToBuffer(";t=");
const PK = stringToBuffer(";pk=");

/** The base64 digit of `v` (0..63). */
// @ts-ignore: decorator
@inline function base64Digit(v: u32): u8 {
  return <u8>(v < 26 ? 0x41 + v : v < 52 ? 0x61 - 26 + v : v < 62 ? 0x30 - 52 + v : v == 62 ? 0x2b : 0x2f);
}

/** Writes the Structured Fields byte sequence `:<base64>:` of `fingerprint` (8 bytes, big-endian):
 *  11 digits and one `=` of padding. */
export function partitionKey(out: ByteWriter, fingerprint: u64): void {
  const at = out.room(14);
  store<u8>(at, 0x3a); // :
  // 64 bits in 6-bit digits from the top, the last digit padded with two zero bits
  for (let i = 0; i < 11; i++) {
    const shift = 58 - 6 * i;
    const digit = shift >= 0 ? fingerprint >> <u64>shift : fingerprint << <u64>(-shift);
    store<u8>(at + 1 + <usize>i, base64Digit(<u32>(digit & 63)));
  }
  store<u8>(at, 0x3d, 12); // =
  store<u8>(at, 0x3a, 13); // :
}

/** Adds the `mode` headers for the rule named `quotedName` (`"<rule>"`, encoded once) and decision
 *  `d` to `out`; `keyed`: add pk. */
export function addRateLimitHeaders(out: HeaderPairs, mode: i32, quotedName: ArrayBuffer, limit: Limit, d: Decision,
  keyed: bool, fingerprint: u64): void {
  addRateLimitHeaderValues(out, mode, quotedName, limit.maxTokens, limit.windowSeconds, d.remaining, ceilSeconds(d.resetNs),
    keyed, fingerprint);
}

/** Adds the `mode` headers with quota `q` per `w` seconds, `r` remaining, full again in `t` s. */
export function addRateLimitHeaderValues(out: HeaderPairs, mode: i32, quotedName: ArrayBuffer, q: u64, w: u64, r: u64,
  t: u64, keyed: bool, fingerprint: u64): void {
  if (mode == HeadersMode.Draft03) {
    const limit = out.begin(X_RATELIMIT_LIMIT);
    limit.decimal(q);
    limit.buffer(COMMA);
    quotaWindow(limit, q, w);
    out.begin(X_RATELIMIT_REMAINING).decimal(r);
    out.begin(X_RATELIMIT_RESET).decimal(t);
    return;
  }
  const policy = out.begin(RATELIMIT_POLICY);
  policy.buffer(quotedName);
  policy.buffer(Q);
  quotaWindow(policy, q, w);
  if (keyed) pk(policy, fingerprint);
  const state = out.begin(RATELIMIT);
  state.buffer(quotedName);
  state.buffer(R);
  state.decimal(r);
  state.buffer(T);
  state.decimal(t);
  if (keyed) pk(state, fingerprint);
}

/** `;pk=:<base64>:`. */
function pk(out: ByteWriter, fingerprint: u64): void {
  out.buffer(PK);
  partitionKey(out, fingerprint);
}

/** `<q>;w=<w>`. */
function quotaWindow(out: ByteWriter, q: u64, w: u64): void {
  out.decimal(q);
  out.buffer(W);
  out.decimal(w);
}

/** Adds `retry-after: <seconds>` (at least 1). */
export function addRetryAfter(out: HeaderPairs, seconds: u64): void {
  out.begin(RETRY_AFTER).decimal(max<u64>(1, seconds));
}

/** Whether `list` holds a header named `lower` (a lowercase name), names compared ignoring ASCII
 *  case. */
export function hasHeader(list: HeaderList, lower: string): bool {
  const names = list.names;
  const n = lower.length;
  for (let i = 0, count = names.length; i < count; i++) {
    const name = unchecked(names[i]);
    if (name.length != n) continue;
    let same = true;
    for (let j = 0; j < n && same; j++) {
      let c = name.charCodeAt(j);
      if (c >= 0x41 && c <= 0x5a) c += 0x20;
      same = c == lower.charCodeAt(j);
    }
    if (same) return true;
  }
  return false;
}

/** Whether `list` already holds one of the `mode` headers. */
export function hasRateLimitHeaders(list: HeaderList, mode: i32): bool {
  if (mode == HeadersMode.Draft03) {
    return hasHeader(list, "x-ratelimit-limit") || hasHeader(list, "x-ratelimit-remaining") || hasHeader(list, "x-ratelimit-reset");
  }
  return mode == HeadersMode.Ietf && (hasHeader(list, "ratelimit-policy") || hasHeader(list, "ratelimit"));
}
