// Metrics of one circuit: `sluice.circuit_breaker.<circuit>.<name>`, defined at configure.
// Per-call counters (calls, failures, slow_calls, rejected, store_error, key_overflow) are
// counted in the VM (Counter.add) and flushed on tick, so a request makes no metric host call; state
// transitions (opened, half_opened, closed) and the state gauge are updated when they happen.
import { Counter, defineCounter, defineGauge, Gauge, metricsPrefix } from "../shared/metrics";

export const PREFIX = metricsPrefix("circuit_breaker");

export class CircuitMetrics {
  readonly calls: Counter;
  readonly failures: Counter;
  readonly slowCalls: Counter;
  readonly rejected: Counter;
  readonly opened: Counter;
  readonly halfOpened: Counter;
  readonly closed: Counter;
  readonly storeError: Counter;
  readonly keyOverflow: Counter;
  /** 0 closed, 1 open, 2 half-open (split circuits: 1 if any key is open, else 2 if any is half-open). */
  readonly state: Gauge;

  constructor(circuit: string) {
    const p = PREFIX + circuit + ".";
    this.calls = defineCounter(p + "calls");
    this.failures = defineCounter(p + "failures");
    this.slowCalls = defineCounter(p + "slow_calls");
    this.rejected = defineCounter(p + "rejected");
    this.opened = defineCounter(p + "opened");
    this.halfOpened = defineCounter(p + "half_opened");
    this.closed = defineCounter(p + "closed");
    this.storeError = defineCounter(p + "store_error");
    this.keyOverflow = defineCounter(p + "key_overflow");
    this.state = defineGauge(p + "state");
  }

  /** Sends the per-call counts kept with Counter.add to the host. */
  flush(): void {
    this.calls.flush();
    this.failures.flush();
    this.slowCalls.flush();
    this.rejected.flush();
    this.storeError.flush();
    this.keyOverflow.flush();
  }
}
