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
import { bufferLength, stringToBuffer } from "../shared/bytes";
import { HeaderPairs } from "../shared/header-pairs";
import { HeaderList } from "../shared/headers";
import { ceilSeconds, Decision, Limit } from "./bucket";
import { HeadersMode } from "./config";
import { RlsStatus } from "./rls";

// Every header name written here, one after the other, encoded once: name(out, <offset>, <length>).
const NAMES = stringToBuffer("x-ratelimit-limitx-ratelimit-remainingx-ratelimit-resetratelimit-policyratelimitretry-after");
// @ts-ignore: decorator
@inline const X_RATELIMIT_LIMIT = 0; // 17 bytes
// @ts-ignore: decorator
@inline const X_RATELIMIT_REMAINING = 17; // 21
// @ts-ignore: decorator
@inline const X_RATELIMIT_RESET = 38; // 17
// @ts-ignore: decorator
@inline const RATELIMIT_POLICY = 55; // 16
// @ts-ignore: decorator
@inline const RATELIMIT = 71; // 9
// @ts-ignore: decorator
@inline const RETRY_AFTER = 80; // 11

/** Starts the header whose name is the `n` bytes at `at` in NAMES. */
function name(out: HeaderPairs, at: i32, n: i32): void {
  out.header(changetype<usize>(NAMES) + <usize>at, n);
}

/** The base64 digit of `v` (0..63). */
// @ts-ignore: decorator
@inline function base64Digit(v: u32): u8 {
  return <u8>(v < 26 ? 0x41 + v : v < 52 ? 0x61 - 26 + v : v < 62 ? 0x30 - 52 + v : v == 62 ? 0x2b : 0x2f);
}

/** Writes the 14 bytes of the Structured Fields byte sequence `:<base64>:` of `fingerprint` (8
 *  bytes, big-endian) at `at`: 11 digits and one `=` of padding. */
export function partitionKey(at: usize, fingerprint: u64): void {
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

// The separators of the values, as static bytes.
const COMMA = memory.data<u8>([0x2c, 0x20]); // ", "
const Q = memory.data<u8>([0x3b, 0x71, 0x3d]); // ";q="
const W = memory.data<u8>([0x3b, 0x77, 0x3d]); // ";w="
const R = memory.data<u8>([0x3b, 0x72, 0x3d]); // ";r="
const T = memory.data<u8>([0x3b, 0x74, 0x3d]); // ";t="
const PK = memory.data<u8>([0x3b, 0x70, 0x6b, 0x3d]); // ";pk="

/** Adds the `mode` headers for rule `ruleName` (encoded once) and decision `d` to `out`; `keyed`:
 *  add pk. */
export function addRateLimitHeaders(out: HeaderPairs, mode: i32, ruleName: ArrayBuffer, limit: Limit, d: Decision,
  keyed: bool, fingerprint: u64): void {
  addRateLimitHeaderValues(out, mode, ruleName, limit.maxTokens, limit.windowSeconds, d.remaining, ceilSeconds(d.resetNs),
    keyed, fingerprint);
}

/** Adds the `mode` headers with the values of the rate limit service's status `s`. */
export function addStatusHeaders(out: HeaderPairs, mode: i32, ruleName: ArrayBuffer, s: RlsStatus, keyed: bool,
  fingerprint: u64): void {
  addRateLimitHeaderValues(out, mode, ruleName, s.requestsPerUnit, s.windowSeconds, s.remaining, s.resetSeconds, keyed,
    fingerprint);
}

/** Adds the `mode` headers with quota `q` per `w` seconds, `r` remaining, full again in `t` s. */
export function addRateLimitHeaderValues(out: HeaderPairs, mode: i32, ruleName: ArrayBuffer, q: u64, w: u64, r: u64,
  t: u64, keyed: bool, fingerprint: u64): void {
  if (mode == HeadersMode.Draft03) {
    name(out, X_RATELIMIT_LIMIT, 17);
    out.decimal(q);
    out.bytes(COMMA, 2);
    quotaWindow(out, q, w);
    name(out, X_RATELIMIT_REMAINING, 21);
    out.decimal(r);
    name(out, X_RATELIMIT_RESET, 17);
    out.decimal(t);
    return;
  }
  name(out, RATELIMIT_POLICY, 16);
  quoted(out, ruleName);
  out.bytes(Q, 3);
  quotaWindow(out, q, w);
  if (keyed) pk(out, fingerprint);
  name(out, RATELIMIT, 9);
  quoted(out, ruleName);
  out.bytes(R, 3);
  out.decimal(r);
  out.bytes(T, 3);
  out.decimal(t);
  if (keyed) pk(out, fingerprint);
}

/** `"<rule>"`. */
function quoted(out: HeaderPairs, ruleName: ArrayBuffer): void {
  const n = bufferLength(ruleName);
  const at = out.room(n + 2);
  store<u8>(at, 0x22);
  memory.copy(at + 1, changetype<usize>(ruleName), <usize>n);
  store<u8>(at + 1 + <usize>n, 0x22);
}

/** `<q>;w=<w>`. */
function quotaWindow(out: HeaderPairs, q: u64, w: u64): void {
  out.decimal(q);
  out.bytes(W, 3);
  out.decimal(w);
}

/** The partition key written last, and whose it is (0: none; fingerprints are never 0). */
const lastKey = memory.data(14);
let lastKeyOf: u64 = 0;

/** `;pk=:<base64>:` (a client's requests share it: it is worked out once for a run of them). */
function pk(out: HeaderPairs, fingerprint: u64): void {
  if (fingerprint != lastKeyOf) {
    partitionKey(lastKey, fingerprint);
    lastKeyOf = fingerprint;
  }
  out.bytes(PK, 4);
  out.bytes(lastKey, 14);
}

/** Adds `retry-after: <seconds>` (at least 1). */
export function addRetryAfter(out: HeaderPairs, seconds: u64): void {
  name(out, RETRY_AFTER, 11);
  out.decimal(max<u64>(1, seconds));
}

/** Whether `list` holds a header named like the `n` bytes at `at` in NAMES, ignoring ASCII case. */
function hasName(list: HeaderList, at: i32, n: i32): bool {
  const names = list.names;
  const lower = changetype<usize>(NAMES) + <usize>at;
  for (let i = 0, count = names.length; i < count; i++) {
    const name = unchecked(names[i]);
    if (name.length != n) continue;
    let same = true;
    for (let j = 0; j < n && same; j++) {
      let c = name.charCodeAt(j);
      if (c >= 0x41 && c <= 0x5a) c += 0x20;
      same = c == <i32>load<u8>(lower + <usize>j);
    }
    if (same) return true;
  }
  return false;
}

/** Whether `list` holds retry-after. */
export function hasRetryAfter(list: HeaderList): bool {
  return hasName(list, RETRY_AFTER, 11);
}

/** Whether `list` already holds one of the `mode` headers. */
export function hasRateLimitHeaders(list: HeaderList, mode: i32): bool {
  if (mode == HeadersMode.Draft03) {
    return hasName(list, X_RATELIMIT_LIMIT, 17) || hasName(list, X_RATELIMIT_REMAINING, 21) || hasName(list, X_RATELIMIT_RESET, 17);
  }
  return mode == HeadersMode.Ietf && (hasName(list, RATELIMIT_POLICY, 16) || hasName(list, RATELIMIT, 9));
}
