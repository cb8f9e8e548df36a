// Metrics of one circuit: `sluice.circuit_breaker.<circuit>.<name>`, defined at configure.
// Per-call counters (calls, failures, slow_calls, rejected, store_error, key_overflow) are
// accumulated in the VM and flushed on tick, so a request makes no metric host call; state
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
  pendingCalls: i64 = 0;
  pendingFailures: i64 = 0;
  pendingSlowCalls: i64 = 0;
  pendingRejected: i64 = 0;
  pendingStoreErrors: i64 = 0;
  pendingKeyOverflows: i64 = 0;

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

  /** Sends the accumulated per-call counts to the host. */
  flush(): void {
    this.calls.increment(this.pendingCalls);
    this.failures.increment(this.pendingFailures);
    this.slowCalls.increment(this.pendingSlowCalls);
    this.rejected.increment(this.pendingRejected);
    this.storeError.increment(this.pendingStoreErrors);
    this.keyOverflow.increment(this.pendingKeyOverflows);
    this.pendingCalls = 0;
    this.pendingFailures = 0;
    this.pendingSlowCalls = 0;
    this.pendingRejected = 0;
    this.pendingStoreErrors = 0;
    this.pendingKeyOverflows = 0;
  }
}
