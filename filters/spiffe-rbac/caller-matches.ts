// Which policies' `from` match a caller, computed once per distinct identity and kept for the
// next requests of the same caller (service-to-service traffic has few identities): a request
// then pays one string comparison and a bit test per policy instead of matching every pattern.
// Bounded: CACHE_SIZE identities per VM, replaced round-robin.
import { SpiffeId } from "../shared/spiffe";
import { RbacConfig } from "./config";

// @ts-ignore: decorator
@inline const CACHE_SIZE = 8;

/** One bit per policy (by configuration index): its `from` matches (or it has none). */
export class PolicyBits {
  readonly words: StaticArray<u32>;

  constructor(policyCount: i32) {
    this.words = new StaticArray<u32>((policyCount + 31) >> 5);
  }

  // @ts-ignore: decorator
  @inline has(index: i32): bool {
    return (unchecked(this.words[index >> 5]) & (1 << (index & 31))) != 0;
  }

  set(index: i32): void {
    unchecked(this.words[index >> 5] |= 1 << (index & 31));
  }

  clear(): void {
    const words = this.words;
    for (let i = 0, n = words.length; i < n; i++) unchecked(words[i] = 0);
  }
}

class Entry {
  uri: string = "";
  trusted: bool = false;
  constructor(readonly bits: PolicyBits) {}
}

export class CallerMatches {
  /** The answer for callers without a valid identity. */
  readonly unauthenticated: PolicyBits;
  private entries: Entry[] = [];
  private next: i32 = 0;

  constructor(readonly config: RbacConfig) {
    const policies = config.policies;
    this.unauthenticated = new PolicyBits(policies.length);
    for (let i = 0; i < policies.length; i++) {
      const from = policies[i].from;
      if (from === null || from.matches(null)) this.unauthenticated.set(i);
    }
    for (let i = 0; i < CACHE_SIZE; i++) this.entries.push(new Entry(new PolicyBits(policies.length)));
  }

  /** The cache entry for valid identity `id` (filled on a miss). */
  private lookup(id: SpiffeId): Entry {
    const entries = this.entries;
    const uri = id.uri;
    for (let i = 0; i < CACHE_SIZE; i++) {
      const entry = unchecked(entries[i]);
      if (entry.uri == uri) return entry;
    }
    const entry = unchecked(entries[this.next]);
    this.next = (this.next + 1) & (CACHE_SIZE - 1);
    entry.uri = uri;
    const bits = entry.bits;
    bits.clear();
    const policies = this.config.policies;
    for (let i = 0, n = policies.length; i < n; i++) {
      const from = unchecked(policies[i]).from;
      if (from === null || from.matches(id)) bits.set(i);
    }
    const domains = this.config.trustDomains;
    entry.trusted = domains === null || domains.includes(id.trustDomain());
    return entry;
  }

  /** The policies whose `from` matches `id` (null: no valid identity). */
  bits(id: SpiffeId | null): PolicyBits {
    return id === null ? this.unauthenticated : this.lookup(id).bits;
  }

  /** Whether `id`'s trust domain is allowed by `trust_domains`. */
  trusted(id: SpiffeId): bool {
    return this.lookup(id).trusted;
  }
}
