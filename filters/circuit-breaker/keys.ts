// The key values of a split circuit as this VM knows them, so logs, the x-sluice-circuit header
// and metrics can name the key that opened: `circuit "api" key "canary" opened`,
// `x-sluice-circuit: api; key="canary"; state=open`, `sluice.circuit_breaker.api.key.canary.opened`.
// The shared records hold only a key's hash: a VM learns a key's name from the first request it
// admits for a (slot, key), reading the key value once more then (no read or allocation on later
// requests). Names are the value's bytes with anything but A-Z a-z 0-9 _ - replaced by _, at most
// 64; per-key metrics exist for at most 2 × max_keys names per VM, further keys count on
// `key.other`.
import { CounterArray, defineGauge, Gauge } from "../shared/metrics";
import { Circuit } from "./config";
import { PREFIX } from "./metrics";
import { CircuitReply } from "./reply";

/** Per-key counters, in the order of keyCounterNames(). */
export const enum KeyCount { Opened, HalfOpened, Closed, Rejected }

/** Longest key name kept (bytes). */
// @ts-ignore: decorator
@inline const MAX_NAME = 64;

function keyCounterNames(): string[] {
  return ["opened", "half_opened", "closed", "rejected"];
}

/** `sluice.circuit_breaker.<circuit>.key.<key>.*` of one key name. */
export class KeyMetrics {
  readonly counters: CounterArray;
  /** 0 closed, 1 open, 2 half-open. */
  readonly state: Gauge;

  constructor(circuit: string, readonly key: string) {
    const p = PREFIX + circuit + ".key." + (key.length == 0 ? "_" : key) + ".";
    this.counters = new CounterArray(p, keyCounterNames());
    this.state = defineGauge(p + "state");
  }
}

/** One key value as named in logs and headers, with its metrics and its fast-fail replies. */
export class KeyInfo {
  readonly reply: CircuitReply;

  constructor(readonly name: string, c: Circuit, readonly metrics: KeyMetrics) {
    const key = c.name + "; key=\"" + name + "\"; ";
    this.reply = new CircuitReply(c, key + "state=open", key + "state=half_open", key + "reason=max_in_flight");
  }
}

/** A key value made safe for a metric name, a quoted header parameter and a log line. */
export function keyName(value: string): string {
  const n = min(value.length, MAX_NAME);
  let i = 0;
  while (i < n && isNameChar(value.charCodeAt(i))) i++;
  if (i == value.length) return value;
  const out = changetype<string>(__new(<usize>n << 1, idof<string>()));
  for (i = 0; i < n; i++) {
    const ch = value.charCodeAt(i);
    store<u16>(changetype<usize>(out) + (<usize>i << 1), isNameChar(ch) ? ch : 0x5f);
  }
  return out;
}

function isNameChar(ch: i32): bool {
  return (ch >= 0x30 && ch <= 0x39) || (ch >= 0x41 && ch <= 0x5a) || (ch >= 0x61 && ch <= 0x7a) || ch == 0x5f || ch == 0x2d;
}

/** This VM's names of the keys in a split circuit's slots. */
export class KeyTable {
  /** Per slot: the key hash its name is for (0: none). */
  private readonly hashes: StaticArray<u64>;
  private readonly infos: Array<KeyInfo | null> = [];
  /** Metrics of each key name met, at most 2 × max_keys and `other`; searched only when a key is learnt. */
  private readonly all: KeyMetrics[] = [];

  constructor(readonly circuit: Circuit) {
    this.hashes = new StaticArray<u64>(circuit.maxKeys);
    for (let i = 0; i < circuit.maxKeys; i++) this.infos.push(null);
  }

  /** The key of `slot` when it is `keyHash` as far as this VM knows, else null. */
  at(slot: i32, keyHash: u64): KeyInfo | null {
    if (unchecked(this.hashes[slot]) != keyHash) return null;
    return unchecked(this.infos[slot]);
  }

  /** Names `slot`'s key `keyHash` after the key value `value`. */
  learn(slot: i32, keyHash: u64, value: string): KeyInfo {
    const name = keyName(value);
    const info = new KeyInfo(name, this.circuit, this.metricsOf(name));
    unchecked(this.hashes[slot] = keyHash);
    unchecked(this.infos[slot] = info);
    return info;
  }

  private metricsOf(name: string): KeyMetrics {
    const all = this.all;
    const metricName = all.length >= 2 * this.circuit.maxKeys ? "other" : name;
    for (let i = 0, n = all.length; i < n; i++) if (unchecked(all[i]).key == metricName) return unchecked(all[i]);
    const m = new KeyMetrics(this.circuit.name, metricName);
    all.push(m);
    return m;
  }

  /** Sends the per-key counts kept in the VM (on tick). */
  flush(): void {
    const all = this.all;
    for (let i = 0, n = all.length; i < n; i++) unchecked(all[i]).counters.flush();
  }
}
