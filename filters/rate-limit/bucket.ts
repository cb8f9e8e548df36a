// Token buckets as fixed binary records in shared data, refilled lazily from elapsed time.
//
// Record (little-endian): u64 owner fingerprint (0: an empty way), then per limit { u64 tokens,
// i64 last fill ns }. A bucket gains `tokensPerFill` at each whole `fillNs` after its last fill,
// capped at `maxTokens`; the last fill time moves by whole intervals only, so refills never drift
// and a bucket allows exactly maxTokens + k * tokensPerFill requests in its first k intervals.
// A bucket found full restarts its intervals at `now`: a full bucket is then exactly a new one,
// which is what lets a slot change hands without loss. A clock that goes backwards refills
// nothing. Several limits on one record pass or fail together.
//
// A set is WAYS records side by side (one shared-data value): a key lives in at most one way of
// its set, and takes an empty way or one whose buckets are all full, never a live one.

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
  /** No way of the set was the key's, empty or full: nothing was decided (the overflow policy
   *  applies). */
  overflow: bool = false;
  /** Index of the limit with the fewest tokens left (the one headers report). */
  limit: i32 = 0;
  remaining: u64 = 0;
  /** Nanoseconds until that limit's bucket is full again. */
  resetNs: u64 = 0;
  /** Nanoseconds until every limit holds `cost` tokens (0 when allowed). */
  retryNs: u64 = 0;
}

/** Ways per set: keys of one set that can hold live buckets at once. */
// @ts-ignore: decorator
@inline export const WAYS: u32 = 16;

// @ts-ignore: decorator
@inline
export function recordSize(limitCount: i32): i32 {
  return 8 + 16 * limitCount;
}

/** Refills the bucket at `rec` in place up to `now`; returns whether it is full. */
function refill(limit: Limit, rec: usize, now: i64): bool {
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
  const full = tokens == limit.maxTokens;
  store<u64>(rec, tokens);
  store<i64>(rec, full ? now : last, 8);
  return full;
}

/** Nanoseconds from `now` until the bucket at `rec` holds `want` tokens. */
function waitNs(limit: Limit, rec: usize, now: i64, want: u64): u64 {
  const tokens = load<u64>(rec);
  if (tokens >= want) return 0;
  const fills = (want - tokens + limit.tokensPerFill - 1) / limit.tokensPerFill;
  const at = load<i64>(rec, 8) + <i64>(fills * limit.fillNs);
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

/** Refills every bucket of the record at `rec`; true when all are full (the record carries no
 *  information: it equals a new one). */
function refillAll(limits: Limit[], rec: usize, now: i64): bool {
  let full = true;
  for (let i = 0, n = limits.length; i < n; i++) {
    if (!refill(unchecked(limits[i]), rec + 8 + 16 * i, now)) full = false;
  }
  return full;
}

/**
 * Decides one request of `cost` tokens for key `owner` (not 0) against the set of `ways` records
 * at (`current`, `len`) (len 0: no set yet) at time `now`, writing the next set to `out`.
 * A set of another size (another configuration's layout) counts as empty. The key's own way
 * decides; without one, the first empty way or way whose buckets are all full is taken (counted
 * as evicted when it had an owner); with neither, `d.overflow` is set and nothing is written.
 */
export function decide(limits: Limit[], current: usize, len: i32, ways: i32, owner: u64, now: i64, cost: u64,
  out: usize, d: Decision): void {
  const n = limits.length;
  const size = recordSize(n);
  const setSize = size * ways;
  let fresh = len != setSize;
  if (fresh) memory.fill(out, 0, <usize>setSize);
  else memory.copy(out, current, <usize>setSize);
  d.evicted = false;
  d.overflow = false;
  let rec: usize = 0;
  let free: usize = 0;
  for (let w = 0; w < ways; w++) {
    const at = out + <usize>(w * size);
    const holder = load<u64>(at);
    if (holder == owner) { rec = at; break; }
    if (free == 0 && (holder == 0 || refillAll(limits, at, now))) free = at;
  }
  if (rec == 0) {
    if (free == 0) {
      d.overflow = true;
      d.allowed = false;
      d.write = false;
      return;
    }
    rec = free;
    d.evicted = load<u64>(rec) != 0;
    fillRecord(limits, rec, owner, now);
    fresh = true;
  } else {
    refillAll(limits, rec, now);
  }
  draw(limits, rec, now, cost, d);
  d.write = fresh || (d.allowed && cost > 0);
}

/** Takes `cost` from every bucket of the refilled record at `rec` if all hold it, and reports
 *  the tightest limit in `d`. */
function draw(limits: Limit[], rec: usize, now: i64, cost: u64, d: Decision): void {
  const n = limits.length;
  let allowed = true;
  for (let i = 0; i < n && allowed; i++) allowed = load<u64>(rec + 8 + 16 * i) >= cost;
  d.allowed = allowed;
  d.retryNs = 0;
  if (allowed) {
    for (let i = 0; i < n; i++) store<u64>(rec + 8 + 16 * i, load<u64>(rec + 8 + 16 * i) - cost);
  } else {
    for (let i = 0; i < n; i++) {
      const limit = unchecked(limits[i]);
      const wait = waitNs(limit, rec + 8 + 16 * i, now, min(cost, limit.maxTokens));
      if (wait > d.retryNs) d.retryNs = wait;
    }
  }
  let best = 0;
  let remaining = load<u64>(rec + 8);
  for (let i = 1; i < n; i++) {
    const left = load<u64>(rec + 8 + 16 * i);
    if (left < remaining) { remaining = left; best = i; }
  }
  d.limit = best;
  d.remaining = remaining;
  const limit = unchecked(limits[best]);
  d.resetNs = waitNs(limit, rec + 8 + 16 * best, now, limit.maxTokens);
}
