// Metrics defined once at configure time. Names follow `sluice.<filter_snake>.<name>`
// (metricsPrefix). Request paths count with Counter.add, which stays in the VM; the root sends the
// totals with flush() on its tick, so a request makes no metric host call and host values lag by
// at most one tick period. A metric the host refused to define is a no-op; no update ever traps.
// Envoy rejects counter increments <= 0, so those are skipped.
import {
  proxy_define_metric, proxy_get_metric, proxy_increment_metric, proxy_record_metric,
} from "@gcoredev/proxy-wasm-sdk-as/assembly/imports";
import { stringToBuffer } from "./bytes";

// @ts-ignore: decorator
@inline const COUNTER = 0;
// @ts-ignore: decorator
@inline const GAUGE = 1;
// @ts-ignore: decorator
@inline const HISTOGRAM = 2;

const scratch = memory.data(8);

/** `sluice.<filterSnake>.`, e.g. metricsPrefix("rate_limit") + "denied". */
export function metricsPrefix(filterSnake: string): string {
  return "sluice." + filterSnake + ".";
}

/** Defines a metric of `type`; returns its id, or -1 when the host refused. */
function define(type: i32, name: string): i64 {
  const bytes = stringToBuffer(name);
  if (proxy_define_metric(type, changetype<usize>(bytes), bytes.byteLength, scratch) != 0) return -1;
  return <i64>load<u32>(scratch);
}

/** A metric's current value, or 0 when unreadable. */
function read(id: i64): u64 {
  if (id < 0) return 0;
  store<u64>(scratch, 0);
  return proxy_get_metric(<u32>id, scratch) == 0 ? load<u64>(scratch) : 0;
}

export class Counter {
  /** Counts add() has kept in the VM since the last flush(). */
  pending: i64 = 0;

  /** Host id, or -1 when not defined. */
  constructor(readonly id: i64) {}

  /** Adds to the host's counter now: one host call. */
  increment(delta: i64 = 1): void {
    if (this.id >= 0 && delta > 0) proxy_increment_metric(<u32>this.id, delta);
  }

  /** Counts in the VM only (no host call); the host sees it at the next flush(). */
  // @ts-ignore: decorator
  @inline add(delta: i64 = 1): void {
    this.pending += delta;
  }

  /** Sends what add() kept: one host call when anything is pending. */
  flush(): void {
    const pending = this.pending;
    if (pending == 0) return;
    this.pending = 0;
    this.increment(pending);
  }

  value(): u64 { return read(this.id); }
}

export class Gauge {
  /** Host id, or -1 when not defined. */
  constructor(readonly id: i64) {}

  set(value: i64): void {
    if (this.id >= 0) proxy_record_metric(<u32>this.id, <u64>value);
  }

  add(delta: i64): void {
    if (this.id >= 0 && delta != 0) proxy_increment_metric(<u32>this.id, delta);
  }

  value(): i64 { return <i64>read(this.id); }
}

export class Histogram {
  /** Host id, or -1 when not defined. */
  constructor(readonly id: i64) {}

  record(value: u64): void {
    if (this.id >= 0) proxy_record_metric(<u32>this.id, value);
  }
}

export function defineCounter(name: string): Counter { return new Counter(define(COUNTER, name)); }

/** Counters by index, as two arrays (host ids, pending counts) instead of one Counter object each:
 *  a filter with many counters (one per policy, per circuit) keeps two objects alive for them (the
 *  collector marks every live object each collection). Same contract as Counter. */
export class CounterArray {
  /** Host ids, -1 when not defined. */
  private readonly ids: StaticArray<i64>;
  /** Counts add() has kept in the VM since the last flush(). */
  private readonly pending: StaticArray<i64>;

  /** Defines counter `prefix + names[i]` for each name, in order (host calls: configure time only). */
  constructor(prefix: string, names: string[]) {
    const n = names.length;
    const ids = new StaticArray<i64>(n);
    for (let i = 0; i < n; i++) unchecked(ids[i] = define(COUNTER, prefix + unchecked(names[i])));
    this.ids = ids;
    this.pending = new StaticArray<i64>(n);
  }

  /** Counts one on counter `index` in the VM only (no host call); the host sees it at the next flush(). */
  // @ts-ignore: decorator
  @inline add(index: i32): void {
    const at = changetype<usize>(this.pending) + (<usize>index << 3);
    store<i64>(at, load<i64>(at) + 1);
  }

  /** Adds one to counter `index` on the host now: one host call. */
  increment(index: i32): void {
    const id = unchecked(this.ids[index]);
    if (id >= 0) proxy_increment_metric(<u32>id, 1);
  }

  /** Sends what add() kept: one host call per counter that moved. */
  flush(): void {
    const pending = this.pending;
    for (let i = 0, n = pending.length; i < n; i++) {
      const count = unchecked(pending[i]);
      if (count == 0) continue;
      unchecked(pending[i] = 0);
      const id = unchecked(this.ids[i]);
      if (id >= 0 && count > 0) proxy_increment_metric(<u32>id, count);
    }
  }
}

/** flush() on every counter of the list. */
export function flushCounters(counters: Counter[]): void {
  for (let i = 0, n = counters.length; i < n; i++) unchecked(counters[i]).flush();
}
export function defineGauge(name: string): Gauge { return new Gauge(define(GAUGE, name)); }
export function defineHistogram(name: string): Histogram { return new Histogram(define(HISTOGRAM, name)); }
