// The circuit state machine, applied to a slot's shared record by compare-and-swap updates:
// Admission when a request arrives, RecordOutcome when it ends. Both are pure functions of the
// record, the circuit config and the time, so a retried CAS simply applies them again.
import { Circuit, WindowType } from "./config";
import { Outcome } from "./classify";
import { CircuitRecord, State, WindowFigures } from "./record";
import { RecordUpdate } from "./store";

export const enum Verdict {
  /** Closed: let through and count the outcome. */
  Pass,
  /** Half-open: let through as one of the probes. */
  Probe,
  RejectOpen,
  RejectHalfOpen,
  RejectInFlight,
  /** The slot holds another key now (taken over by another VM): resolve the slot again. */
  SlotLost,
}

export const enum Transition { None, Opened, HalfOpened, Closed, Reopened }

export const enum TripReason { None, ConsecutiveFailures, FailureRate, SlowCallRate, ProbeFailed }

export class Admission extends RecordUpdate {
  verdict: Verdict = Verdict.Pass;
  transition: Transition = Transition.None;
  episode: u32 = 0;
  holdsInFlight: bool = false;
  /** For RejectOpen: ms until the circuit half-opens. */
  retryAfterMs: i64 = 0;

  constructor(readonly circuit: Circuit, public keyHash: u64) { super(); }

  apply(rec: CircuitRecord, present: bool): bool {
    this.verdict = Verdict.Pass;
    this.transition = Transition.None;
    this.holdsInFlight = false;
    this.retryAfterMs = 0;
    const c = this.circuit;
    if (this.keyHash != 0 && (!rec.claimed || rec.keyHash != this.keyHash)) {
      this.verdict = Verdict.SlotLost;
      return false;
    }
    let state = rec.state;
    if (state == State.Open) {
      const now = this.now();
      const reopensAt = rec.since + rec.openMs;
      if (now < reopensAt) {
        this.verdict = Verdict.RejectOpen;
        this.retryAfterMs = reopensAt - now;
        return false;
      }
      rec.halfOpen(now);
      this.transition = Transition.HalfOpened;
      state = State.HalfOpen;
    }
    if (state == State.HalfOpen) {
      if (rec.probesTaken >= c.halfOpenProbes) {
        this.verdict = Verdict.RejectHalfOpen;
        return this.transition != Transition.None;
      }
      rec.probesTaken = rec.probesTaken + 1;
      this.verdict = Verdict.Probe;
    }
    if (c.maxInFlight > 0) {
      if (rec.inFlight >= c.maxInFlight) {
        if (this.verdict == Verdict.Probe) rec.probesTaken = rec.probesTaken - 1;
        this.verdict = Verdict.RejectInFlight;
        return this.transition != Transition.None;
      }
      rec.inFlight = rec.inFlight + 1;
      this.holdsInFlight = true;
    }
    this.episode = rec.episode;
    return this.verdict == Verdict.Probe || this.holdsInFlight || this.transition != Transition.None;
  }
}

export class RecordOutcome extends RecordUpdate {
  // inputs, set before each use
  keyHash: u64 = 0;
  episode: u32 = 0;
  probe: bool = false;
  holdsInFlight: bool = false;
  outcome: Outcome = Outcome.Ignored;
  slow: bool = false;
  // results
  transition: Transition = Transition.None;
  reason: TripReason = TripReason.None;
  openMs: i64 = 0;
  readonly figures: WindowFigures = new WindowFigures();

  constructor(readonly circuit: Circuit) { super(); }

  apply(rec: CircuitRecord, present: bool): bool {
    this.transition = Transition.None;
    this.reason = TripReason.None;
    const c = this.circuit;
    // (an unsplit circuit's record appears with its first outcome)
    if (this.keyHash != 0 && (!rec.claimed || rec.keyHash != this.keyHash)) return false;
    let changed = false;
    if (this.holdsInFlight && rec.inFlight > 0) {
      rec.inFlight = rec.inFlight - 1;
      changed = true;
    }
    // an outcome only counts in the state episode its request was admitted in
    const sameEpisode = rec.episode == this.episode;
    if (!sameEpisode || this.outcome == Outcome.Ignored) {
      if (this.probe && sameEpisode && rec.probesTaken > 0) { // (an ignored outcome)
        rec.probesTaken = rec.probesTaken - 1; // give the probe back: it proved nothing
        changed = true;
      }
      return changed;
    }
    const failure = this.outcome == Outcome.Failure;
    const state = rec.state;
    // the time is needed for a time window, a split circuit's idle check and state changes only
    // (a count window ignores it)
    const keyed = this.keyHash != 0;
    const callMs = keyed || (state == State.Closed && c.windowType == WindowType.Time) ? this.now() : 0;
    if (keyed) rec.lastCall = callMs;
    if (state == State.Closed) {
      rec.addCall(callMs, failure, this.slow);
      this.reason = tripReason(rec, callMs, this.figures);
      if (this.reason != TripReason.None) this.open(rec, 0, Transition.Opened);
    } else if (state == State.HalfOpen && this.probe) {
      if (failure || (this.slow && c.slowCallRate > 0)) {
        this.reason = TripReason.ProbeFailed;
        this.open(rec, rec.trips, Transition.Reopened);
      } else {
        rec.probesSucceeded = rec.probesSucceeded + 1;
        if (rec.probesSucceeded >= c.closeAfterSuccesses) {
          rec.close(this.now());
          this.transition = Transition.Closed;
        }
      }
    }
    return true;
  }

  /** Opens the circuit after `previousTrips` trips in a row. */
  private open(rec: CircuitRecord, previousTrips: u32, transition: Transition): void {
    const now = this.now();
    this.openMs = openDuration(this.circuit, previousTrips, now);
    rec.open(now, this.openMs, previousTrips + 1);
    this.transition = transition;
  }
}

/** Why the closed circuit must open now, with the window's figures in `figures`. */
export function tripReason(rec: CircuitRecord, now: i64, figures: WindowFigures): TripReason {
  const c = rec.circuit;
  rec.figures(now, figures);
  if (c.consecutiveFailures > 0 && rec.consecutiveFailures >= c.consecutiveFailures) return TripReason.ConsecutiveFailures;
  if (figures.calls < c.minimumCalls || figures.calls == 0) return TripReason.None;
  const calls = <f64>figures.calls;
  if (c.failureRate > 0 && <f64>figures.failures / calls >= c.failureRate) return TripReason.FailureRate;
  if (c.slowCallRate > 0 && <f64>figures.slow / calls >= c.slowCallRate) return TripReason.SlowCallRate;
  return TripReason.None;
}

/** How long the circuit stays open after `previousTrips` trips in a row: open_duration ×
 *  backoff_multiplier^previousTrips, at most max_open_duration, shortened by up to open_jitter. */
export function openDuration(c: Circuit, previousTrips: u32, now: i64): i64 {
  let ms = <f64>c.openMs;
  const cap = <f64>c.maxOpenMs;
  for (let i: u32 = 0; i < previousTrips && ms < cap; i++) ms *= c.backoffMultiplier;
  if (ms > cap) ms = cap;
  if (c.openJitter > 0) ms -= ms * c.openJitter * unitFraction(<u64>now ^ (<u64>previousTrips << 32));
  return max<i64>(1, <i64>ms);
}

/** A number in [0, 1) mixed from `seed` (MurmurHash3 fmix64). */
function unitFraction(seed: u64): f64 {
  let h = seed;
  h ^= h >> 33;
  h *= 0xff51afd7ed558ccd;
  h ^= h >> 33;
  h *= 0xc4ceb9fe1a85ec53;
  h ^= h >> 33;
  return <f64>(h >> 11) / 9007199254740992.0;
}
