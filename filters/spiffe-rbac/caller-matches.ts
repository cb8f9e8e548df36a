// What the configuration says about a presented identity (a peer URI SAN or an XFCC URI), worked
// out once per distinct URI and kept for the next requests of the same caller (service-to-service
// traffic has few identities): whether it is a valid SPIFFE ID, allowed by `trust_domains`, a
// trusted XFCC proxy, and which policies' `from` match it. A request then pays one comparison of
// the host's bytes with each cached URI, visits only the policies whose `from` matches
// (evaluate.ts), and allocates nothing; a new URI costs one string, one parse and one pass over the
// policies. Bounded: CACHE_SIZE identities per root, replaced round-robin.
import { bytesToString, stringToBuffer } from "../shared/bytes";
import { SpiffeId } from "../shared/spiffe";
import { RbacConfig } from "./config";
import { anyPrincipal, anyTrustDomain } from "./policy";
import { RequestValue } from "./request-value";

// @ts-ignore: decorator
@inline const CACHE_SIZE = 8;

/** A set of policies: one bit per policy, by configuration index. */
export class PolicyBits {
  readonly words: StaticArray<u32>;

  constructor(policyCount: i32) {
    this.words = new StaticArray<u32>((policyCount + 31) >> 5);
  }

  set(index: i32): void {
    unchecked(this.words[index >> 5] |= 1 << (index & 31));
  }

  clear(): void {
    const words = this.words;
    for (let i = 0, n = words.length; i < n; i++) unchecked(words[i] = 0);
  }
}

/** A presented URI and what the configuration says about it. */
export class Identity {
  /** As presented: the bytes (the cache key) and the byte string (for logs). */
  readonly key: RequestValue = new RequestValue();
  uri: string = "";
  /** A valid SPIFFE ID; nothing below is meaningful otherwise. */
  valid: bool = false;
  /** Its trust domain is allowed by `trust_domains` (or there is no such list). */
  trusted: bool = false;
  /** It matches `xfcc.trusted_proxies`. */
  trustedProxy: bool = false;

  /** `from`: the policies whose `from` matches it (or that have none). */
  constructor(readonly from: PolicyBits) {}
}

export class CallerMatches {
  /** The policies whose `from` matches a caller without a valid identity. */
  readonly unauthenticated: PolicyBits;
  /** The policies whose `from` says `unauthenticated: true` (the only ones that let a caller with
   *  an invalid identity through). */
  readonly unauthenticatedAllowed: PolicyBits;
  private readonly entries: StaticArray<Identity>;
  /** Entries filled so far (then replaced from `next` on). */
  private used: i32 = 0;
  private next: i32 = 0;
  /** Parses the URI of a new entry. */
  private readonly parsed: SpiffeId = new SpiffeId();

  constructor(readonly config: RbacConfig) {
    const policies = config.policies;
    const count = policies.length;
    const unauthenticated = new PolicyBits(count);
    const unauthenticatedAllowed = new PolicyBits(count);
    for (let i = 0; i < count; i++) {
      const policy = policies[i];
      const from = policy.from;
      if (from === null || from.matches(null)) unauthenticated.set(i);
      if (policy.allowsUnauthenticated) unauthenticatedAllowed.set(i);
    }
    this.unauthenticated = unauthenticated;
    this.unauthenticatedAllowed = unauthenticatedAllowed;
    const entries = new StaticArray<Identity>(CACHE_SIZE);
    for (let i = 0; i < CACHE_SIZE; i++) entries[i] = new Identity(new PolicyBits(count));
    this.entries = entries;
  }

  /** The identity presented as the `n` bytes at `p` (a host value). */
  find(p: usize, n: i32): Identity {
    const entries = this.entries;
    for (let i = 0, used = this.used; i < used; i++) {
      const entry = unchecked(entries[i]);
      if (entry.key.equalsBytes(p, n)) return entry;
    }
    return this.fill(p, n);
  }

  /** The identity presented as `uri` (a byte string): an allocation, for unescaped XFCC URIs. */
  findString(uri: string): Identity {
    const bytes = stringToBuffer(uri);
    return this.find(changetype<usize>(bytes), bytes.byteLength);
  }

  /** Works out the URI of the `n` bytes at `p` into the next entry. */
  private fill(p: usize, n: i32): Identity {
    const entry = unchecked(this.entries[this.next]);
    this.next = (this.next + 1) & (CACHE_SIZE - 1);
    if (this.used < CACHE_SIZE) this.used++;
    entry.key.copy(p, n);
    const uri = bytesToString(p, <usize>n);
    entry.uri = uri;
    const id = this.parsed;
    entry.valid = id.parse(uri);
    const bits = entry.from;
    bits.clear();
    if (!entry.valid) {
      entry.trusted = false;
      entry.trustedProxy = false;
      return entry;
    }
    const config = this.config;
    const policies = config.policies;
    for (let i = 0, n = policies.length; i < n; i++) {
      const from = unchecked(policies[i]).from;
      if (from === null || from.matches(id)) bits.set(i);
    }
    const domains = config.trustDomains;
    entry.trusted = domains === null || anyTrustDomain(domains, id);
    const xfcc = config.xfcc;
    entry.trustedProxy = xfcc !== null && anyPrincipal(xfcc.trustedProxies, id);
    return entry;
  }
}
