// The slot table of a circuit in shared data: `max_keys` records under
// `sluice:circuit-breaker:<config hash>:<circuit>:<slot>`. An unsplit circuit uses slot 0 only.
// A key value maps to a slot by hash with linear probing over at most PROBE_LIMIT slots; each VM
// caches key hash -> slot and re-resolves when the record names another key (taken over).
// When every probed slot is held by another key, one that is closed, idle for IDLE_TAKEOVER_MS
// and has no call in flight is taken over; otherwise the request is not tracked (key_overflow).
import { SharedStatus } from "../shared/shared-data";
import { nowMs } from "./clock";
import { Circuit } from "./config";
import { CircuitRecord, State } from "./record";
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
  now: i64 = 0;

  constructor() { super(); }

  apply(rec: CircuitRecord, present: bool): bool {
    if (rec.claimed && rec.keyHash == this.keyHash) { this.result = ClaimResult.Held; return false; }
    const idle = rec.claimed && rec.state == State.Closed && rec.inFlight == 0 && this.now - rec.lastCall >= IDLE_TAKEOVER_MS;
    if (!rec.claimed || (this.mode == ClaimMode.TakeOverIdle && idle)) {
      rec.claim(this.keyHash, this.now);
      this.result = ClaimResult.Claimed;
      return true;
    }
    this.result = idle ? ClaimResult.Evictable : ClaimResult.Occupied;
    return false;
  }
}

export class SlotTable {
  /** Shared-data key of each slot, encoded once. */
  readonly keys: ArrayBuffer[] = [];
  /** The copy every update of this circuit's records goes through. */
  readonly copy: RecordCopy;
  // key hash -> slot cache of this VM: parallel arrays, at most 2 × max_keys entries
  private readonly cachedHashes: u64[] = [];
  private readonly cachedSlots: i32[] = [];
  private readonly claim: Claim;

  constructor(readonly circuit: Circuit) {
    this.claim = new Claim();
    this.copy = new RecordCopy(circuit);
    for (let i = 0; i < circuit.maxKeys; i++) this.keys.push(stringToBuffer(circuit.storeKeyPrefix + decimal(i)));
  }

  /** The slot of `keyHash` (0 for an unsplit circuit), NO_SLOT or STORE_FAILED. */
  resolve(keyHash: u64): i32 {
    if (keyHash == 0) return 0;
    const cached = this.cachedHashes.indexOf(keyHash);
    if (cached >= 0) return unchecked(this.cachedSlots[cached]);
    const n = this.circuit.maxKeys;
    const probes = min(n, PROBE_LIMIT);
    const claim = this.claim;
    claim.keyHash = keyHash;
    claim.now = nowMs();
    claim.mode = ClaimMode.FindOrClaimEmpty;
    let evictable = -1;
    for (let i = 0; i < probes; i++) {
      const slot = <i32>((keyHash + <u64>i) % <u64>n);
      if (this.update<RecordUpdate>(slot, claim) != SharedStatus.Ok) return STORE_FAILED;
      if (claim.result == ClaimResult.Held || claim.result == ClaimResult.Claimed) return this.remember(keyHash, slot);
      if (claim.result == ClaimResult.Evictable && evictable < 0) evictable = slot;
    }
    if (evictable < 0) return NO_SLOT;
    claim.mode = ClaimMode.TakeOverIdle;
    if (this.update<RecordUpdate>(evictable, claim) != SharedStatus.Ok) return STORE_FAILED;
    return claim.result == ClaimResult.Occupied || claim.result == ClaimResult.Evictable ? NO_SLOT : this.remember(keyHash, evictable);
  }

  /** Applies `change` to the record of `slot` (see store.ts). Generic so that the per-request
   *  updates (Admission, RecordOutcome) call their apply directly; the tick and slot claims pass
   *  as RecordUpdate, sharing one instance. */
  update<U extends RecordUpdate>(slot: i32, change: U): u32 {
    return updateRecord(unchecked(this.keys[slot]), this.copy, change);
  }

  /** Drops the cached slot of `keyHash` (its record names another key now). */
  forget(keyHash: u64): void {
    const cached = this.cachedHashes.indexOf(keyHash);
    if (cached >= 0) this.cachedHashes[cached] = 0; // 0 is never a key hash
  }

  private remember(keyHash: u64, slot: i32): i32 {
    // bounded: stale entries of taken-over keys are dropped wholesale
    if (this.cachedHashes.length >= 2 * this.circuit.maxKeys) {
      this.cachedHashes.length = 0;
      this.cachedSlots.length = 0;
    }
    this.cachedHashes.push(keyHash);
    this.cachedSlots.push(slot);
    return slot;
  }
}
