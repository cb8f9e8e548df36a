// One circuit's per-VM machinery: its metrics, slot table and reusable record updates, the tick
// update that half-opens expired circuits, and the transition bookkeeping (counters, gauge, log).
import { logEnabled, logMessage, LogLevel } from "../shared/log";
import { Admission, RecordOutcome, Transition } from "./breaker";
import { Circuit, FILTER, KeySource } from "./config";
import { KeyCount, KeyInfo, KeyTable } from "./keys";
import { CircuitMetrics, Count } from "./metrics";
import { CircuitRecord, State } from "./record";
import { CircuitReply } from "./reply";
import { SlotTable } from "./slots";
import { RecordUpdate } from "./store";
import { decimal } from "../shared/number-text";

/** Half-opens an expired open circuit from the tick; reads the state for the gauge. */
export class TickUpdate extends RecordUpdate {
  state: State = State.Closed;
  halfOpened: bool = false;
  /** The key the record holds (0: unsplit). */
  keyHash: u64 = 0;

  constructor() { super(); }

  apply(rec: CircuitRecord, present: bool): bool {
    this.halfOpened = false;
    this.state = rec.state;
    this.keyHash = present ? rec.keyHash : 0;
    if (!present || rec.state != State.Open || this.now() < rec.since + rec.openMs) return false;
    rec.halfOpen(this.now());
    this.state = State.HalfOpen;
    this.halfOpened = true;
    return true;
  }
}

/** One circuit's per-VM machinery. */
export class CircuitRuntime {
  readonly metrics: CircuitMetrics;
  readonly slots: SlotTable;
  readonly admission: Admission;
  readonly outcome: RecordOutcome;
  readonly tick: TickUpdate;
  /** The names of the keys of a split circuit (null: unsplit). */
  readonly keys: KeyTable | null;
  /** The circuit's fast-fail replies (a split circuit's keys have their own, KeyInfo.reply). */
  readonly reply: CircuitReply;

  constructor(readonly circuit: Circuit) {
    this.metrics = new CircuitMetrics(circuit.name);
    this.keys = circuit.keySource == KeySource.None ? null : new KeyTable(circuit);
    this.slots = new SlotTable(circuit);
    this.admission = new Admission(circuit, 0);
    this.outcome = new RecordOutcome(circuit);
    this.tick = new TickUpdate();
    this.reply = new CircuitReply(circuit, circuit.openHeader, circuit.halfOpenHeader, circuit.inFlightHeader);
  }

  /** Counters, the gauges and one info line for a state change of `slot`, whose key is `key`
   *  (null: unsplit, or a key this VM has not seen). */
  transitioned(key: KeyInfo | null, slot: i32, transition: Transition, detail: string): void {
    const m = this.metrics;
    const c = this.circuit;
    if (transition == Transition.Opened || transition == Transition.Reopened) {
      m.increment(Count.Opened);
      m.state.set(1);
    } else if (transition == Transition.HalfOpened) {
      m.increment(Count.HalfOpened);
      m.state.set(2);
    } else if (transition == Transition.Closed) {
      m.increment(Count.Closed);
      if (c.maxKeys == 1) m.state.set(0);
    }
    if (key !== null) keyTransitioned(key, transition);
    if (logEnabled(LogLevel.Info)) {
      let where = "";
      if (key !== null) where = " key \"" + key.name + "\"";
      else if (c.keySource != KeySource.None) where = " slot " + decimal(slot);
      logMessage(LogLevel.Info, FILTER + ": circuit \"" + c.name + "\"" + where + " " + transitionName(transition) + ": " + detail);
    }
  }
}

/** The per-key counter and gauge of a transition. */
function keyTransitioned(key: KeyInfo, transition: Transition): void {
  const m = key.metrics;
  if (transition == Transition.Opened || transition == Transition.Reopened) {
    m.counters.increment(KeyCount.Opened);
    m.state.set(1);
  } else if (transition == Transition.HalfOpened) {
    m.counters.increment(KeyCount.HalfOpened);
    m.state.set(2);
  } else if (transition == Transition.Closed) {
    m.counters.increment(KeyCount.Closed);
    m.state.set(0);
  }
}

/** The log name of a transition (not None). */
function transitionName(t: Transition): string {
  return ["opened", "half-opened", "closed", "reopened"][t - 1];
}

export function halfOpenDetail(c: Circuit): string {
  return "open duration over, letting " + decimal(c.halfOpenProbes) + " probe(s) through";
}
