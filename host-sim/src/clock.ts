// The virtual clock: time moves only through `advance`; timers fire in due order.

export interface Timer {
  due: number;
  seq: number;
  run: () => void;
  cancelled: boolean;
}

export class Clock {
  private nowMs: number;
  private seq = 0;
  private timers: Timer[] = [];
  readonly startMs: number;

  constructor(startMs: number) {
    this.nowMs = startMs;
    this.startMs = startMs;
  }

  now(): number {
    return this.nowMs;
  }

  schedule(delayMs: number, run: () => void): Timer {
    const t: Timer = { due: this.nowMs + delayMs, seq: this.seq++, run, cancelled: false };
    this.timers.push(t);
    return t;
  }

  cancel(t: Timer | undefined): void {
    if (t) t.cancelled = true;
  }

  /** Moves time forward by `ms`, running each due timer at its own due time, in (due, creation) order. */
  advance(ms: number, afterEach: () => void): void {
    const target = this.nowMs + ms;
    for (;;) {
      this.timers = this.timers.filter((t) => !t.cancelled);
      let next: Timer | undefined;
      for (const t of this.timers) {
        if (t.due <= target && (!next || t.due < next.due || (t.due === next.due && t.seq < next.seq))) next = t;
      }
      if (!next) break;
      next.cancelled = true;
      this.nowMs = Math.max(this.nowMs, next.due);
      next.run();
      afterEach();
    }
    this.nowMs = target;
  }
}
