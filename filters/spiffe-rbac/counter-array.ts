// Counters kept in the VM as one array of pending counts (shared/metrics.ts's Counter is one
// object per counter; a configuration of many policies has one per policy, and the collector
// marks every live object each collection). Same contract as Counter: add() counts in the VM,
// flush() sends what moved, one host call per counter; a counter the host refused to define is a
// no-op.
import { proxy_increment_metric } from "@gcoredev/proxy-wasm-sdk-as/assembly/imports";
import { defineCounter } from "../shared/metrics";

export class CounterArray {
  /** Host ids, -1 when not defined. */
  private readonly ids: StaticArray<i64>;
  /** Counts add() has kept in the VM since the last flush(). */
  private readonly pending: StaticArray<i64>;

  /** Defines a counter per name (host calls: configure time only). */
  constructor(names: string[]) {
    const n = names.length;
    const ids = new StaticArray<i64>(n);
    for (let i = 0; i < n; i++) unchecked(ids[i] = defineCounter(names[i]).id);
    this.ids = ids;
    this.pending = new StaticArray<i64>(n);
  }

  // @ts-ignore: decorator
  @inline add(counter: i32): void {
    unchecked(this.pending[counter]++);
  }

  /** Sends the counts kept in the VM (one host call per counter that moved). */
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
