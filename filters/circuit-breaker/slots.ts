// The slot table of a circuit in shared data: `max_keys` records under
// `sluice:circuit-breaker:<config hash>:<circuit>:<slot>`. An unsplit circuit uses slot 0 only.
// A key value maps to a slot by hash with linear probing over at most PROBE_LIMIT slots; each VM
// caches the key hash it last found in each slot and re-resolves when the record names another key
// (taken over).
// When every probed slot is held by another key, one whose circuit carries nothing to lose is
// taken over: closed, no call in flight, idle for IDLE_TAKEOVER_MS, and no failure, slow call or
// consecutive failure in its window (what it forgets are successes, which only ever kept it
// closed). Otherwise the request is not tracked (key_overflow): a key never inherits another
// key's state (records are verified by the 64-bit key hash) and never loses its own failures.
import { SharedStatus } from "../shared/shared-data";
import { Circuit } from "./config";
import { CircuitRecord, State, WindowFigures } from "./record";
import { RecordCopy, RecordUpdate, updateRecord } from "./store";
import { stringToBuffer } from "../shared/bytes";
import { decimal } from "../shared/number-text";
export const PROBE_LIMIT = 8;
export const IDLE_TAKEOVER_MS: i64 = 60_000;
/** resolve(): no slot free for this key. */
export const NO_SLOT: i32 = -1;
/** resolve(): the store failed. */
export const STORE_FAILED: i32 = -2;

const enum ClaimMode { FindOrClaimEmpty, TakeOverIdle }

const enum ClaimResult { Held, Claimed, Occupied, Evictable }

/** Claims a slot record for a key, or reports who holds it. */
class Claim extends RecordUpdate {
  result: ClaimResult = ClaimResult.Occupied;
  mode: ClaimMode = ClaimMode.FindOrClaimEmpty;
  keyHash: u64 = 0;
  private readonly figures: WindowFigures = new WindowFigures();

  constructor() { super(); }

  apply(rec: CircuitRecord, present: bool): bool {
    if (rec.claimed && rec.keyHash == this.keyHash) { this.result = ClaimResult.Held; return false; }
    const idle = rec.claimed && rec.state == State.Closed && rec.inFlight == 0 && this.now() - rec.lastCall >= IDLE_TAKEOVER_MS &&
      rec.consecutiveFailures == 0 && forgettable(rec.figures(this.now(), this.figures));
    if (!rec.claimed || (this.mode == ClaimMode.TakeOverIdle && idle)) {
      rec.claim(this.keyHash, this.now());
      this.result = ClaimResult.Claimed;
      return true;
    }
    this.result = idle ? ClaimResult.Evictable : ClaimResult.Occupied;
    return false;
  }
}

/** A window with no failure and no slow call: forgetting it loses nothing that could open. */
function forgettable(window: WindowFigures): bool {
  return window.failures == 0 && window.slow == 0;
}

export class SlotTable {
  /** Shared-data key of each slot, encoded once. */
  readonly keys: ArrayBuffer[] = [];
  /** The copy every update of this circuit's records goes through. */
  readonly copy: RecordCopy;
  /** This VM's cache: the key hash each slot was last resolved for (0: none). */
  private readonly cachedHashes: StaticArray<u64>;
  private readonly claim: Claim;

  constructor(readonly circuit: Circuit) {
    this.claim = new Claim();
    this.copy = new RecordCopy(circuit);
    this.cachedHashes = new StaticArray<u64>(circuit.maxKeys);
    for (let i = 0; i < circuit.maxKeys; i++) this.keys.push(stringToBuffer(circuit.storeKeyPrefix + decimal(i)));
  }

  /** The slot of `keyHash` (0 for an unsplit circuit), NO_SLOT or STORE_FAILED. */
  resolve(keyHash: u64): i32 {
    if (keyHash == 0) return 0;
    const n = this.circuit.maxKeys;
    const probes = min(n, PROBE_LIMIT);
    // a key only ever takes one of its probed slots
    for (let i = 0; i < probes; i++) {
      const slot = <i32>((keyHash + <u64>i) % <u64>n);
      if (unchecked(this.cachedHashes[slot]) == keyHash) return slot;
    }
    const claim = this.claim;
    claim.keyHash = keyHash;
    claim.resetClock();
    claim.mode = ClaimMode.FindOrClaimEmpty;
    let evictable = -1;
    for (let i = 0; i < probes; i++) {
      const slot = <i32>((keyHash + <u64>i) % <u64>n);
      if (this.update(slot, claim) != SharedStatus.Ok) return STORE_FAILED;
      if (claim.result == ClaimResult.Held || claim.result == ClaimResult.Claimed) return this.remember(keyHash, slot);
      if (claim.result == ClaimResult.Evictable && evictable < 0) evictable = slot;
    }
    if (evictable < 0) return NO_SLOT;
    claim.mode = ClaimMode.TakeOverIdle;
    if (this.update(evictable, claim) != SharedStatus.Ok) return STORE_FAILED;
    return claim.result == ClaimResult.Occupied || claim.result == ClaimResult.Evictable ? NO_SLOT : this.remember(keyHash, evictable);
  }

  /** Applies `change` to the record of `slot` (see store.ts). Inlined: it runs twice per request. */
  // @ts-ignore: decorator
  @inline update(slot: i32, change: RecordUpdate): u32 {
    return updateRecord(unchecked(this.keys[slot]), this.copy, change);
  }

  /** Drops the cached key of `slot` (its record names another key now). */
  forget(slot: i32): void {
    unchecked(this.cachedHashes[slot] = 0); // 0 is never a key hash
  }

  private remember(keyHash: u64, slot: i32): i32 {
    unchecked(this.cachedHashes[slot] = keyHash);
    return slot;
  }
}
