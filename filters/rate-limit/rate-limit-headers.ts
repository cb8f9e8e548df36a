// Rate-limit response headers (`headers_mode`), built only when a mode is on:
//   draft03: x-ratelimit-limit: <q>, <q>;w=<w>   x-ratelimit-remaining: <r>   x-ratelimit-reset: <t>
//   ietf:    ratelimit-policy: "<rule>";q=<q>;w=<w>[;pk=:<key>:]   ratelimit: "<rule>";r=<r>;t=<t>[;pk=:<key>:]
// q and w describe the limit with the fewest tokens left, r is its remaining tokens and t the
// seconds until it is full again; pk is the base64 of the key's 64-bit fingerprint (the client's
// partition, without its raw value). Rejections also carry `retry-after: <seconds>` (at least 1).
import { HeaderList } from "../shared/headers";
import { ceilSeconds, Decision, Limit } from "./bucket";
import { HeadersMode } from "./config";

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
  const q = limit.maxTokens.toString();
  const w = limit.windowSeconds.toString();
  const r = d.remaining.toString();
  const t = ceilSeconds(d.resetNs).toString();
  if (mode == HeadersMode.Draft03) {
    out.add("x-ratelimit-limit", q + ", " + q + ";w=" + w);
    out.add("x-ratelimit-remaining", r);
    out.add("x-ratelimit-reset", t);
    return;
  }
  const pk = keyed ? ";pk=" + partitionKey(fingerprint) : "";
  out.add("ratelimit-policy", "\"" + name + "\";q=" + q + ";w=" + w + pk);
  out.add("ratelimit", "\"" + name + "\";r=" + r + ";t=" + t + pk);
}

/** `retry-after` seconds for a rejection: when the bucket next holds the request's cost. */
export function retryAfter(d: Decision): string {
  return max<u64>(1, ceilSeconds(d.retryNs)).toString();
}
