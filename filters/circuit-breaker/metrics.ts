// Metrics of one circuit: `sluice.circuit_breaker.<circuit>.<name>`, defined at configure.
// Per-call counters (calls, failures, slow_calls, rejected, store_error, key_overflow) are
// counted in the VM (add) and flushed on tick, so a request makes no metric host call; state
// transitions (opened, half_opened, closed) and the state gauge are updated when they happen.
import { CounterArray, defineGauge, Gauge, metricsPrefix } from "../shared/metrics";

export const PREFIX = metricsPrefix("circuit_breaker");

/** The counters of a circuit, in the order of counterNames(). */
export const enum Count { Calls, Failures, SlowCalls, Rejected, Opened, HalfOpened, Closed, StoreError, KeyOverflow }

/** Counter names, in Count order (made when used, never held in a global). */
function counterNames(): string[] {
  return ["calls", "failures", "slow_calls", "rejected", "opened", "half_opened", "closed", "store_error", "key_overflow"];
}

export class CircuitMetrics {
  /** By Count. */
  private readonly counters: CounterArray;
  /** 0 closed, 1 open, 2 half-open (split circuits: 1 if any key is open, else 2 if any is half-open). */
  readonly state: Gauge;

  constructor(circuit: string) {
    const p = PREFIX + circuit + ".";
    this.counters = new CounterArray(p, counterNames());
    this.state = defineGauge(p + "state");
  }

  /** Counts one in the VM only (no host call); the host sees it at the next flush(). */
  // @ts-ignore: decorator
  @inline add(count: Count): void { this.counters.add(count); }

  /** Adds one to the host's counter now: one host call. */
  increment(count: Count): void { this.counters.increment(count); }

  /** Sends the counts kept with add() to the host (counters only ever incremented have none). */
  flush(): void { this.counters.flush(); }
}
