// Rate-limit response headers (`headers_mode`), built only when a mode is on:
//   draft03: x-ratelimit-limit: <q>, <q>;w=<w>   x-ratelimit-remaining: <r>   x-ratelimit-reset: <t>
//   ietf:    ratelimit-policy: "<rule>";q=<q>;w=<w>[;pk=:<key>:]   ratelimit: "<rule>";r=<r>;t=<t>[;pk=:<key>:]
// q and w describe the limit with the fewest tokens left, r is its remaining tokens and t the
// seconds until it is full again; pk is the base64 of the key's 64-bit fingerprint (the client's
// partition, without its raw value). Rejections also carry `retry-after: <seconds>` (at least 1).
// With a global rule the values may come from the rate limit service's DescriptorStatus instead
// (filter.ts decides which).
import { HeaderList } from "../shared/headers";
import { ceilSeconds, Decision, Limit } from "./bucket";
import { HeadersMode } from "./config";
import { decimal } from "../shared/number-text";

const BASE64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/** The Structured Fields byte sequence `:<base64>:` of `fingerprint` (8 bytes, big-endian). */
export function partitionKey(fingerprint: u64): string {
  let out = ":";
  let bits: u64 = 0;
  for (let group = 0; group < 3; group++) {
    // 3 bytes per group; the last group holds 2 bytes and a zero pad byte
    bits = 0;
    for (let b = 0; b < 3; b++) {
      const index = group * 3 + b;
      bits = (bits << 8) | (index < 8 ? (fingerprint >> (56 - 8 * index)) & 0xff : 0);
    }
    const chars = group == 2 ? 3 : 4;
    for (let c = 0; c < chars; c++) out += BASE64.charAt(<i32>((bits >> (18 - 6 * c)) & 63));
  }
  return out + "=:";
}

/** Adds the `mode` headers for rule `name` and decision `d` to `out`; `keyed`: add pk. */
export function addRateLimitHeaders(out: HeaderList, mode: i32, name: string, limit: Limit, d: Decision,
  keyed: bool, fingerprint: u64): void {
  addRateLimitHeaderValues(out, mode, name, limit.maxTokens, limit.windowSeconds, d.remaining, ceilSeconds(d.resetNs),
    keyed, fingerprint);
}

/** Adds the `mode` headers with quota `q` per `w` seconds, `r` remaining, full again in `t` s. */
export function addRateLimitHeaderValues(out: HeaderList, mode: i32, name: string, q: u64, w: u64, r: u64, t: u64,
  keyed: bool, fingerprint: u64): void {
  const qs = decimal(<i64>q);
  const ws = decimal(<i64>w);
  const rs = decimal(<i64>r);
  const ts = decimal(<i64>t);
  if (mode == HeadersMode.Draft03) {
    out.add("x-ratelimit-limit", qs + ", " + qs + ";w=" + ws);
    out.add("x-ratelimit-remaining", rs);
    out.add("x-ratelimit-reset", ts);
    return;
  }
  const pk = keyed ? ";pk=" + partitionKey(fingerprint) : "";
  out.add("ratelimit-policy", "\"" + name + "\";q=" + qs + ";w=" + ws + pk);
  out.add("ratelimit", "\"" + name + "\";r=" + rs + ";t=" + ts + pk);
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

/** `retry-after` seconds for a rejection: when the bucket next holds the request's cost. */
export function retryAfter(d: Decision): string {
  return decimal(<i64>max<u64>(1, ceilSeconds(d.retryNs)));
}
