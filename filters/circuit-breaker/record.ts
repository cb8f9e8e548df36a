// The shared-data record of one circuit slot: a fixed binary layout (little-endian) holding the
// state machine and the sliding window, so a read-modify-write costs no parsing.
//
//   0 u8  state (State)           36 u32 probes taken          56 u32 window: filled calls
//   4 u32 episode                 40 u32 probes succeeded      60 u32 window: failures
//   8 u64 key hash (0: unsplit)   44 u32 consecutive failures  64 u32 window: slow calls
//  16 i64 state since (ms)        48 u32 in flight             68 u32 slot claimed (0/1)
//  24 i64 open duration (ms)      52 u32 window: next position 72 i64 last call (ms)
//  32 u32 trips in a row          80 ... window data
//
// Count window: `size` failure bits then `size` slow bits (a ring; next position and counts
// above). Time window: `buckets` × { u64 bucket number + 1 (0: empty), u32 calls, u32 failures,
// u32 slow, u32 unused }.
import { Circuit, WindowType } from "./config";

export const enum State { Closed = 0, Open = 1, HalfOpen = 2 }

// @ts-ignore: decorator
@inline export const HEADER_BYTES: i32 = 80;
// @ts-ignore: decorator
@inline const BUCKET_BYTES: i32 = 24;

// @ts-ignore: decorator
@inline const STATE = 0;
// @ts-ignore: decorator
@inline const EPISODE = 4;
// @ts-ignore: decorator
@inline const KEY_HASH = 8;
// @ts-ignore: decorator
@inline const SINCE = 16;
// @ts-ignore: decorator
@inline const OPEN_MS = 24;
// @ts-ignore: decorator
@inline const TRIPS = 32;
// @ts-ignore: decorator
@inline const PROBES_TAKEN = 36;
// @ts-ignore: decorator
@inline const PROBES_SUCCEEDED = 40;
// @ts-ignore: decorator
@inline const CONSECUTIVE = 44;
// @ts-ignore: decorator
@inline const IN_FLIGHT = 48;
// @ts-ignore: decorator
@inline const POSITION = 52;
// @ts-ignore: decorator
@inline const FILLED = 56;
// @ts-ignore: decorator
@inline const FAILURES = 60;
// @ts-ignore: decorator
@inline const SLOW = 64;
// @ts-ignore: decorator
@inline const CLAIMED = 68;
// @ts-ignore: decorator
@inline const LAST_CALL = 72;

/** Bytes of a record for `circuit`'s window. */
export function recordBytes(circuit: Circuit): i32 {
  if (circuit.windowType == WindowType.Count) return HEADER_BYTES + 2 * ((circuit.windowSize + 7) >> 3);
  return HEADER_BYTES + circuit.buckets * BUCKET_BYTES;
}

/** Window totals at a moment. */
export class WindowFigures {
  calls: u32 = 0;
  failures: u32 = 0;
  slow: u32 = 0;
}

/**
 * A view of a record at `base` (recordBytes(circuit) bytes; all zero = closed, empty window).
 * One view per circuit is re-pointed at each record read, so reading allocates nothing.
 */
export class CircuitRecord {
  base: usize = 0;
  readonly size: i32;

  constructor(readonly circuit: Circuit) {
    this.size = recordBytes(circuit);
  }

  // Accessors run several times per request: inlined whatever the build's shrink level.
  // @ts-ignore: decorator
  @inline get state(): State { return <State>load<u8>(this.base, STATE); }
  // @ts-ignore: decorator
  @inline get episode(): u32 { return load<u32>(this.base, EPISODE); }
  // @ts-ignore: decorator
  @inline get keyHash(): u64 { return load<u64>(this.base, KEY_HASH); }
  // @ts-ignore: decorator
  @inline get claimed(): bool { return load<u32>(this.base, CLAIMED) != 0; }
  // @ts-ignore: decorator
  @inline get since(): i64 { return load<i64>(this.base, SINCE); }
  // @ts-ignore: decorator
  @inline get openMs(): i64 { return load<i64>(this.base, OPEN_MS); }
  // @ts-ignore: decorator
  @inline get trips(): u32 { return load<u32>(this.base, TRIPS); }
  // @ts-ignore: decorator
  @inline get probesTaken(): u32 { return load<u32>(this.base, PROBES_TAKEN); }
  // @ts-ignore: decorator
  @inline set probesTaken(v: u32) { store<u32>(this.base, v, PROBES_TAKEN); }
  // @ts-ignore: decorator
  @inline get probesSucceeded(): u32 { return load<u32>(this.base, PROBES_SUCCEEDED); }
  // @ts-ignore: decorator
  @inline set probesSucceeded(v: u32) { store<u32>(this.base, v, PROBES_SUCCEEDED); }
  // @ts-ignore: decorator
  @inline get consecutiveFailures(): u32 { return load<u32>(this.base, CONSECUTIVE); }
  // @ts-ignore: decorator
  @inline get inFlight(): u32 { return load<u32>(this.base, IN_FLIGHT); }
  // @ts-ignore: decorator
  @inline set inFlight(v: u32) { store<u32>(this.base, v, IN_FLIGHT); }
  // @ts-ignore: decorator
  @inline get lastCall(): i64 { return load<i64>(this.base, LAST_CALL); }
  // @ts-ignore: decorator
  @inline set lastCall(v: i64) { store<i64>(this.base, v, LAST_CALL); }

  /** Takes the slot for `keyHash`: a closed circuit with an empty window. */
  claim(keyHash: u64, nowMs: i64): void {
    memory.fill(this.base, 0, <usize>this.size);
    store<u64>(this.base, keyHash, KEY_HASH);
    store<u32>(this.base, 1, CLAIMED);
    store<i64>(this.base, nowMs, SINCE);
    store<i64>(this.base, nowMs, LAST_CALL);
  }

  /** Opens the circuit at `nowMs` for `openMs`; `trips` counts trips since the last close. */
  open(nowMs: i64, openMs: i64, trips: u32): void {
    this.enter(State.Open, nowMs);
    store<i64>(this.base, openMs, OPEN_MS);
    store<u32>(this.base, trips, TRIPS);
  }

  /** Half-opens the circuit with no probe taken yet. */
  halfOpen(nowMs: i64): void {
    this.enter(State.HalfOpen, nowMs);
  }

  /** Closes the circuit: empty window, backoff forgotten. */
  close(nowMs: i64): void {
    this.enter(State.Closed, nowMs);
    store<u32>(this.base, 0, TRIPS);
    store<i64>(this.base, 0, OPEN_MS);
  }

  private enter(state: State, nowMs: i64): void {
    store<u8>(this.base, <u8>state, STATE);
    store<u32>(this.base, this.episode + 1, EPISODE);
    store<i64>(this.base, nowMs, SINCE);
    store<u32>(this.base, 0, PROBES_TAKEN);
    store<u32>(this.base, 0, PROBES_SUCCEEDED);
    this.clearWindow();
  }

  clearWindow(): void {
    store<u32>(this.base, 0, CONSECUTIVE);
    store<u32>(this.base, 0, POSITION);
    store<u32>(this.base, 0, FILLED);
    store<u32>(this.base, 0, FAILURES);
    store<u32>(this.base, 0, SLOW);
    memory.fill(this.base + HEADER_BYTES, 0, <usize>(this.size - HEADER_BYTES));
  }

  /** Adds one counted call to the window (closed state). */
  addCall(nowMs: i64, failure: bool, slow: bool): void {
    store<u32>(this.base, failure ? this.consecutiveFailures + 1 : 0, CONSECUTIVE);
    if (this.circuit.windowType == WindowType.Count) this.addToRing(failure, slow);
    else this.addToBucket(nowMs, failure, slow);
  }

  /** The window's totals at `nowMs`. */
  figures(nowMs: i64, out: WindowFigures): WindowFigures {
    const base = this.base;
    if (this.circuit.windowType == WindowType.Count) {
      out.calls = load<u32>(base, FILLED);
      out.failures = load<u32>(base, FAILURES);
      out.slow = load<u32>(base, SLOW);
      return out;
    }
    // live buckets: bucket number in (current - n, current], i.e. stamp (number + 1) in
    // (next - n, next]: next - stamp < n, unsigned (a later bucket wraps around to a huge age).
    // An empty bucket (stamp 0) may pass early in the clock's life: it holds zeros.
    const next = <u64>nowMs / this.circuit.bucketMs + 1;
    const n = <u64>this.circuit.buckets;
    let calls: u32 = 0;
    let failures: u32 = 0;
    let slow: u32 = 0;
    let bucket = base + HEADER_BYTES;
    const end = bucket + <usize>(this.circuit.buckets * BUCKET_BYTES);
    for (; bucket < end; bucket += BUCKET_BYTES) {
      if (next - load<u64>(bucket) >= n) continue;
      calls += load<u32>(bucket, 8);
      failures += load<u32>(bucket, 12);
      slow += load<u32>(bucket, 16);
    }
    out.calls = calls;
    out.failures = failures;
    out.slow = slow;
    return out;
  }

  private addToRing(failure: bool, slow: bool): void {
    const base = this.base;
    const size = <u32>this.circuit.windowSize;
    const bitBytes = <usize>((size + 7) >> 3);
    const position = load<u32>(base, POSITION);
    const failureByte = base + HEADER_BYTES + <usize>(position >> 3);
    const slowByte = failureByte + bitBytes;
    const mask = <u8>(<u32>1 << (position & 7));
    let filled = load<u32>(base, FILLED);
    let failures = load<u32>(base, FAILURES);
    let slowCalls = load<u32>(base, SLOW);
    if (filled == size) { // the oldest call leaves the window
      if (load<u8>(failureByte) & mask) failures--;
      if (load<u8>(slowByte) & mask) slowCalls--;
    } else {
      filled++;
    }
    store<u8>(failureByte, failure ? load<u8>(failureByte) | mask : load<u8>(failureByte) & ~mask);
    store<u8>(slowByte, slow ? load<u8>(slowByte) | mask : load<u8>(slowByte) & ~mask);
    if (failure) failures++;
    if (slow) slowCalls++;
    store<u32>(base, position + 1 == size ? 0 : position + 1, POSITION);
    store<u32>(base, filled, FILLED);
    store<u32>(base, failures, FAILURES);
    store<u32>(base, slowCalls, SLOW);
  }

  private addToBucket(nowMs: i64, failure: bool, slow: bool): void {
    const number = <u64>nowMs / this.circuit.bucketMs;
    const bucket = this.base + HEADER_BYTES + <usize>(<i32>(number % <u64>this.circuit.buckets) * BUCKET_BYTES);
    if (load<u64>(bucket) != number + 1) { // a bucket from an older turn of the ring
      store<u64>(bucket, number + 1);
      store<u32>(bucket, 0, 8);
      store<u32>(bucket, 0, 12);
      store<u32>(bucket, 0, 16);
    }
    store<u32>(bucket, load<u32>(bucket, 8) + 1, 8);
    if (failure) store<u32>(bucket, load<u32>(bucket, 12) + 1, 12);
    if (slow) store<u32>(bucket, load<u32>(bucket, 16) + 1, 16);
  }
}
