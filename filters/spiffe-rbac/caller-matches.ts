// What the configuration says about a presented identity (a peer URI SAN or an XFCC URI), worked
// out once per distinct URI and kept for the next requests of the same caller (service-to-service
// traffic has few identities): whether it is a valid SPIFFE ID, allowed by `trust_domains`, a
// trusted XFCC proxy, and which policies' `from` match it. A request then pays one comparison of
// the host's bytes with each cached URI, visits only the policies whose `from` matches
// (evaluate.ts), and allocates nothing; a new URI costs one string, one parse, matching the
// principal patterns that can match it (principal-index.ts) and the `from` of the policies that
// name more than principals. Bounded: CACHE_SIZE identities per root, replaced round-robin.
import { bytesToString, stringToBuffer } from "../shared/bytes";
import { SpiffeId } from "../shared/spiffe";
import { BitSet } from "./bit-set";
import { RbacConfig } from "./config";
import { anyTrustDomain } from "./policy";
import { RequestValue } from "./request-value";

// @ts-ignore: decorator
@inline const CACHE_SIZE = 8;

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
  constructor(readonly from: BitSet) {}
}

export class CallerMatches {
  /** The policies whose `from` matches a caller without a valid identity. */
  readonly unauthenticated: BitSet;
  /** The policies whose `from` says `unauthenticated: true` (the only ones that let a caller with
   *  an invalid identity through). */
  readonly unauthenticatedAllowed: BitSet;
  /** The policies without `from`, which match every caller. */
  private readonly anyCaller: BitSet;
  /** The policies whose `from` is matched in full for each caller (not only `principals`). */
  private readonly sources: StaticArray<i32>;
  /** The PrincipalIndex patterns that match the identity being worked out. */
  private readonly principals: BitSet;
  private readonly entries: StaticArray<Identity>;
  /** Entries filled so far (then replaced from `next` on). */
  private used: i32 = 0;
  private next: i32 = 0;
  /** Parses the URI of a new entry. */
  private readonly parsed: SpiffeId = new SpiffeId();

  constructor(readonly config: RbacConfig) {
    const policies = config.policies;
    const count = policies.length;
    const unauthenticated = new BitSet(count);
    const unauthenticatedAllowed = new BitSet(count);
    const anyCaller = new BitSet(count);
    const sources = new Array<i32>();
    const principals = new BitSet(config.principals.count);
    for (let i = 0; i < count; i++) {
      const policy = policies[i];
      const from = policy.from;
      if (from === null) anyCaller.set(i);
      else if (!from.principalsOnly) sources.push(i);
      if (from === null || from.matches(null, principals)) unauthenticated.set(i);
      if (policy.allowsUnauthenticated) unauthenticatedAllowed.set(i);
    }
    this.anyCaller = anyCaller;
    this.sources = StaticArray.fromArray(sources);
    this.principals = principals;
    this.unauthenticated = unauthenticated;
    this.unauthenticatedAllowed = unauthenticatedAllowed;
    const entries = new StaticArray<Identity>(CACHE_SIZE);
    for (let i = 0; i < CACHE_SIZE; i++) entries[i] = new Identity(new BitSet(count));
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
    if (!entry.valid) {
      bits.clear();
      entry.trusted = false;
      entry.trustedProxy = false;
      return entry;
    }
    const config = this.config;
    bits.copy(this.anyCaller);
    const principals = this.principals;
    principals.clear();
    config.principals.match(id, principals, bits);
    const policies = config.policies;
    const sources = this.sources;
    for (let k = 0, n = sources.length; k < n; k++) {
      const i = unchecked(sources[k]);
      if (unchecked(policies[i]).from!.matches(id, principals)) bits.set(i);
    }
    const domains = config.trustDomains;
    entry.trusted = domains === null || anyTrustDomain(domains, id);
    const xfcc = config.xfcc;
    entry.trustedProxy = xfcc !== null && principals.anyIn(xfcc.trustedProxiesFrom, xfcc.trustedProxiesTo);
    return entry;
  }
}
