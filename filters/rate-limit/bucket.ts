// Token buckets as fixed binary records in shared data, refilled lazily from elapsed time.
//
// Record (little-endian): u64 owner fingerprint, then per limit { u64 tokens, i64 last fill ns }.
// A bucket gains `tokensPerFill` at each whole `fillNs` after its last fill, capped at
// `maxTokens`; the last fill time moves by whole intervals only, so refills never drift and a
// bucket allows exactly maxTokens + k * tokensPerFill requests in its first k intervals.
// A clock that goes backwards refills nothing. Several limits on one record pass or fail together.

export class Limit {
  /** Seconds an empty bucket takes to fill up (the quota window headers advertise), at least 1. */
  readonly windowSeconds: u64;

  constructor(readonly maxTokens: u64, readonly tokensPerFill: u64, readonly fillNs: u64) {
    const fills = (maxTokens + tokensPerFill - 1) / tokensPerFill;
    this.windowSeconds = max<u64>(1, ceilSeconds(fills * fillNs));
  }
}

/** Whole seconds covering `ns`, rounded up. */
export function ceilSeconds(ns: u64): u64 {
  return (ns + 999_999_999) / 1_000_000_000;
}

/** The outcome of one request against a record, reused across requests. */
export class Decision {
  allowed: bool = false;
  /** The record in the output buffer must be written back. */
  write: bool = false;
  /** The slot belonged to another key whose bucket was full: taken over. */
  evicted: bool = false;
  /** Index of the limit with the fewest tokens left (the one headers report). */
  limit: i32 = 0;
  remaining: u64 = 0;
  /** Nanoseconds until that limit's bucket is full again. */
  resetNs: u64 = 0;
  /** Nanoseconds until every limit holds `cost` tokens (0 when allowed). */
  retryNs: u64 = 0;
}

// @ts-ignore: decorator
@inline
export function recordSize(limitCount: i32): i32 {
  return 8 + 16 * limitCount;
}

/** Tokens of bucket `i` of the record at `rec` after refilling up to `now`; stores the refilled
 *  state into `out`. */
function refill(limit: Limit, rec: usize, out: usize, now: i64): u64 {
  let tokens = load<u64>(rec);
  let last = load<i64>(rec, 8);
  if (tokens > limit.maxTokens) tokens = limit.maxTokens;
  if (now > last) {
    const fills = <u64>(now - last) / limit.fillNs;
    if (fills > 0) {
      const room = limit.maxTokens - tokens;
      tokens = fills >= room / limit.tokensPerFill + 1 ? limit.maxTokens
        : min(limit.maxTokens, tokens + fills * limit.tokensPerFill);
      last += <i64>(fills * limit.fillNs);
    }
  }
  store<u64>(out, tokens);
  store<i64>(out, last, 8);
  return tokens;
}

/** Nanoseconds from `now` until the bucket in `out` holds `want` tokens. */
function waitNs(limit: Limit, out: usize, now: i64, want: u64): u64 {
  const tokens = load<u64>(out);
  if (tokens >= want) return 0;
  const fills = (want - tokens + limit.tokensPerFill - 1) / limit.tokensPerFill;
  const at = load<i64>(out, 8) + <i64>(fills * limit.fillNs);
  return at > now ? <u64>(at - now) : 0;
}

/** Writes the record of `owner` with every bucket full as of `now` to `out`. */
export function fillRecord(limits: Limit[], out: usize, owner: u64, now: i64): void {
  store<u64>(out, owner);
  for (let i = 0, n = limits.length; i < n; i++) {
    store<u64>(out + 8 + 16 * i, unchecked(limits[i]).maxTokens);
    store<i64>(out + 16 + 16 * i, now);
  }
}

/**
 * Decides one request of `cost` tokens for key `owner` against the record at (`current`, `len`)
 * (len 0: no record yet) at time `now`, writing the next record to `out`.
 * A record of another size (another configuration's layout) counts as absent. A slot owned by
 * another key is taken over when every one of its buckets has refilled to full (nothing is lost);
 * otherwise the request draws from the owner's buckets (never a looser limit than configured).
 */
export function decide(limits: Limit[], current: usize, len: i32, owner: u64, now: i64, cost: u64,
  out: usize, d: Decision): void {
  const n = limits.length;
  let fresh = len != recordSize(n);
  d.evicted = false;
  if (!fresh) {
    for (let i = 0; i < n; i++) refill(unchecked(limits[i]), current + 8 + 16 * i, out + 8 + 16 * i, now);
    if (load<u64>(current) != owner) {
      let full = true;
      for (let i = 0; i < n && full; i++) full = load<u64>(out + 8 + 16 * i) == unchecked(limits[i]).maxTokens;
      if (full) {
        fresh = true;
        d.evicted = true;
      }
    }
  }
  if (fresh) fillRecord(limits, out, owner, now);
  else store<u64>(out, load<u64>(current));
  let allowed = true;
  for (let i = 0; i < n && allowed; i++) allowed = load<u64>(out + 8 + 16 * i) >= cost;
  d.allowed = allowed;
  d.write = fresh || (allowed && cost > 0);
  d.retryNs = 0;
  if (allowed) {
    for (let i = 0; i < n; i++) store<u64>(out + 8 + 16 * i, load<u64>(out + 8 + 16 * i) - cost);
  } else {
    for (let i = 0; i < n; i++) {
      const limit = unchecked(limits[i]);
      const wait = waitNs(limit, out + 8 + 16 * i, now, min(cost, limit.maxTokens));
      if (wait > d.retryNs) d.retryNs = wait;
    }
  }
  let best = 0;
  let remaining = load<u64>(out + 8);
  for (let i = 1; i < n; i++) {
    const left = load<u64>(out + 8 + 16 * i);
    if (left < remaining) { remaining = left; best = i; }
  }
  d.limit = best;
  d.remaining = remaining;
  const limit = unchecked(limits[best]);
  d.resetNs = waitNs(limit, out + 8 + 16 * best, now, limit.maxTokens);
}
