// What the configuration says about a presented identity (a peer URI SAN or an XFCC URI), worked
// out once per distinct URI and kept for the next requests of the same caller (service-to-service
// traffic has few identities): whether it is a valid SPIFFE ID, allowed by `trust_domains`, a
// trusted XFCC proxy, and which policies' `from` match it. A request then pays one comparison of
// the host's bytes with each cached URI, visits only the policies whose `from` matches
// (evaluate.ts), and allocates nothing; a new URI costs copying it into its entry's string (made
// once, reused: shared/bytes.ts refillString), one parse, matching the principal patterns that can
// match it (principal-index.ts) and the `from` of the policies that name more than principals.
// Bounded: CACHE_SIZE identities per root, replaced round-robin.
// The cache is a few flat arrays (entry i's key bytes, flags and policy bits at fixed offsets),
// not an object per identity: the collector marks every live object each collection.
import { bytesEqualBytes, refillString, stringWithRoom } from "../shared/bytes";
import { SpiffeId } from "../shared/spiffe";
import { anyBitIn, clearBits, newBitSet, setBitAt } from "./bit-set";
import { RbacConfig } from "./config";
import { PolicyFlag } from "./policy";
import { element } from "./static-array";

// @ts-ignore: decorator
@inline const CACHE_SIZE = 8;

/** The policy bits (CallerMatches.from) of a caller without a valid identity. */
// @ts-ignore: decorator
@inline export const UNAUTHENTICATED = CACHE_SIZE;
/** The policy bits of the policies whose `from` says `unauthenticated: true` (the only ones that
 *  let a caller with an invalid identity through). */
// @ts-ignore: decorator
@inline export const UNAUTHENTICATED_ALLOWED = CACHE_SIZE + 1;
/** The policy bits of the policies without `from`, which match every caller. */
// @ts-ignore: decorator
@inline const ANY_CALLER = CACHE_SIZE + 2;

namespace IdentityFlag {
  /** A valid SPIFFE ID; nothing below is meaningful otherwise. */
  export const Valid: i32 = 1;
  /** Its trust domain is allowed by `trust_domains` (or there is no such list). */
  export const Trusted: i32 = 2;
  /** It matches `xfcc.trusted_proxies`. */
  export const TrustedProxy: i32 = 4;
}

export class CallerMatches {
  /** Words of one set of policy bits. */
  readonly words: i32;
  /** Per cache entry, then UNAUTHENTICATED, UNAUTHENTICATED_ALLOWED and ANY_CALLER, `words`
   *  words: one bit per policy whose `from` matches it (or that has none). */
  readonly from: StaticArray<u32>;
  /** The policies whose `from` is matched in full for each caller (not only `principals`). */
  private readonly sources: StaticArray<i32>;
  /** The PrincipalIndex patterns that match the identity being worked out. */
  private readonly principals: StaticArray<u32>;
  /** Per entry: its IdentityFlag bits. */
  private readonly flags: StaticArray<i32> = new StaticArray<i32>(CACHE_SIZE);
  /** Per entry: the URI as presented, as bytes (the cache key, entry i's at i * keyCapacity) and
   *  as a byte string (for parsing and logs) made with room for keyCapacity bytes. */
  private keys: StaticArray<u8> = new StaticArray<u8>(0);
  private keyCapacity: i32 = 0;
  private readonly keyLengths: StaticArray<i32> = new StaticArray<i32>(CACHE_SIZE);
  private readonly uris: StaticArray<string> = new StaticArray<string>(CACHE_SIZE);
  /** Entries filled so far (then replaced from `next` on). */
  private used: i32 = 0;
  private next: i32 = 0;
  /** Parses the URI of a new entry. */
  private readonly parsed: SpiffeId = new SpiffeId();

  constructor(readonly config: RbacConfig) {
    const policies = config.policies;
    const count = policies.count;
    const words = (count + 31) >> 5;
    const from = new StaticArray<u32>((ANY_CALLER + 1) * words);
    const sources = new Array<i32>();
    const principals = newBitSet(config.principals.count);
    for (let i = 0; i < count; i++) {
      const hasFrom = policies.has(i, PolicyFlag.HasFrom);
      if (!hasFrom) setBitAt(from, ANY_CALLER * words, i);
      else if (!policies.has(i, PolicyFlag.PrincipalsOnly)) sources.push(i);
      if (!hasFrom || policies.sourceMatches(i, null, principals)) setBitAt(from, UNAUTHENTICATED * words, i);
      if (policies.has(i, PolicyFlag.Unauthenticated)) setBitAt(from, UNAUTHENTICATED_ALLOWED * words, i);
    }
    this.words = words;
    this.from = from;
    this.sources = StaticArray.fromArray(sources);
    this.principals = principals;
  }

  /** Where entry (or UNAUTHENTICATED...) `entry`'s policy bits start in `from`. */
  // @ts-ignore: decorator
  @inline fromAt(entry: i32): i32 {
    return entry * this.words;
  }

  // @ts-ignore: decorator
  @inline private has(entry: i32, flag: i32): bool {
    return (element(this.flags, entry) & flag) != 0;
  }

  valid(entry: i32): bool { return this.has(entry, IdentityFlag.Valid); }
  trusted(entry: i32): bool { return this.has(entry, IdentityFlag.Trusted); }
  trustedProxy(entry: i32): bool { return this.has(entry, IdentityFlag.TrustedProxy); }

  /** Entry `entry`'s URI as presented (a byte string). */
  uri(entry: i32): string {
    return unchecked(this.uris[entry]);
  }

  /** The entry of the identity presented as the `n` bytes at `p` (a host value). */
  find(p: usize, n: i32): i32 {
    const keys = changetype<usize>(this.keys);
    const capacity = <usize>this.keyCapacity;
    const lengths = this.keyLengths;
    for (let i = 0, used = this.used; i < used; i++) {
      if (element(lengths, i) == n && bytesEqualBytes(keys + <usize>i * capacity, p, n)) return i;
    }
    return this.fill(p, n);
  }

  /** Works out the URI of the `n` bytes at `p` into the next entry. */
  private fill(p: usize, n: i32): i32 {
    if (n > this.keyCapacity) {
      // a longer key than any before: room for it in every entry, and the cache starts over
      this.keys = new StaticArray<u8>(n * CACHE_SIZE);
      for (let i = 0; i < CACHE_SIZE; i++) unchecked(this.uris[i] = stringWithRoom(n));
      this.keyCapacity = n;
      this.used = this.next = 0;
    }
    const entry = this.next;
    this.next = (entry + 1) & (CACHE_SIZE - 1);
    if (this.used < CACHE_SIZE) this.used++;
    memory.copy(changetype<usize>(this.keys) + <usize>(entry * this.keyCapacity), p, <usize>n);
    unchecked(this.keyLengths[entry] = n);
    const uri = refillString(unchecked(this.uris[entry]), p, n);
    const id = this.parsed;
    const words = this.words;
    const at = this.fromAt(entry);
    const bits = changetype<usize>(this.from) + (<usize>at << 2);
    if (!id.parse(uri)) {
      memory.fill(bits, 0, <usize>words << 2);
      unchecked(this.flags[entry] = 0);
      return entry;
    }
    const config = this.config;
    memory.copy(bits, changetype<usize>(this.from) + (<usize>this.fromAt(ANY_CALLER) << 2), <usize>words << 2);
    const principals = this.principals;
    clearBits(principals);
    config.principals.match(id, principals, this.from, at);
    const policies = config.policies;
    const sources = this.sources;
    for (let k = 0, count = sources.length; k < count; k++) {
      const i = unchecked(sources[k]);
      if (policies.sourceMatches(i, id, principals)) setBitAt(this.from, at, i);
    }
    let flags = IdentityFlag.Valid;
    if (config.trustDomainsFrom == config.trustDomainsTo ||
      policies.anyTrustDomain(config.trustDomainsFrom, config.trustDomainsTo, id)) flags |= IdentityFlag.Trusted;
    const xfcc = config.xfcc;
    if (xfcc !== null && anyBitIn(principals, xfcc.trustedProxiesFrom, xfcc.trustedProxiesTo)) flags |= IdentityFlag.TrustedProxy;
    unchecked(this.flags[entry] = flags);
    return entry;
  }
}
