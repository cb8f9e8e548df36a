// Every SPIFFE pattern of the configuration (`principals`, `not_principals`,
// `xfcc.trusted_proxies`) in one list, indexed so that a new caller is matched against only the
// patterns that can match it. A pattern matches only IDs whose path starts with its literal path
// prefix (its path up to its first `*`; all of it without one). So each pattern is filed in a
// hash table under its literal prefix, and a caller looks up the prefix of its own path of each
// length some pattern's prefix has. A hash collision only adds a candidate, which is matched in
// full: the result is exactly that of matching every pattern.
import { SpiffeId, SpiffePattern } from "../shared/spiffe";
import { newBitSet, setBitAt } from "./bit-set";
import { PolicyField, PolicyFlag, PolicyTable } from "./policy";
import { packSpiffePatterns, SpiffePatternTable } from "./spiffe-pattern-table";

// @ts-ignore: decorator
@inline const MAX_URI_BYTES = 2048;
// @ts-ignore: decorator
@inline const FNV_BASIS: u32 = 0x811c9dc5;

/** One FNV-1a step over code unit `i` of `s`. */
// @ts-ignore: decorator
@inline
function step(hash: u32, s: string, i: i32): u32 {
  return (hash ^ <u32>load<u16>(changetype<usize>(s) + (<usize>i << 1))) * 0x01000193;
}

/** The bucket of a prefix hash in a table of mask + 1 buckets. */
// @ts-ignore: decorator
@inline
function bucketOf(hash: u32, mask: i32): i32 {
  return <i32>(hash ^ (hash >> 15)) & mask;
}

export class PrincipalIndex {
  constructor(
    private readonly patterns: SpiffePatternTable,
    /** Per pattern: 1 + the policy whose `from` is only `principals` with this pattern (a match
     *  is then that policy's `from` matching), or 0. */
    private readonly owners: StaticArray<i32>,
    /** The lengths of the patterns' literal prefixes. */
    private readonly prefixLengths: StaticArray<u32>,
    /** Per bucket: 1 + its first pattern, or 0. */
    private readonly heads: StaticArray<i32>,
    /** Per pattern: 1 + the next pattern of its bucket, or 0. */
    private readonly next: StaticArray<i32>,
  ) {}

  get count(): i32 {
    return this.patterns.count;
  }

  /** Adds to `matched` the patterns that match the valid ID `id`, and their owners to the policy
   *  bits at policies[at..]. */
  match(id: SpiffeId, matched: StaticArray<u32>, policies: StaticArray<u32>, at: i32): void {
    const uri = id.uri;
    const pathStart = id.trustDomainEnd;
    const pathLength = uri.length - pathStart;
    const words = this.prefixLengths;
    const mask = this.heads.length - 1;
    let hash = FNV_BASIS;
    let hashed = 0;
    // a valid ID is at most MAX_URI_BYTES long: every length fits in prefixLengths
    for (let w = 0, last = pathLength >> 5; w <= last; w++) {
      for (let bits = unchecked(words[w]); bits != 0; bits &= bits - 1) {
        const length = (w << 5) + <i32>ctz(bits);
        if (length > pathLength) return;
        for (; hashed < length; hashed++) hash = step(hash, uri, pathStart + hashed);
        for (let i = unchecked(this.heads[bucketOf(hash, mask)]); i != 0; i = unchecked(this.next[i - 1])) {
          if (!this.patterns.matches(i - 1, id)) continue;
          setBitAt(matched, 0, i - 1);
          const owner = unchecked(this.owners[i - 1]);
          if (owner != 0) setBitAt(policies, at, owner - 1);
        }
      }
    }
  }
}

/** The index of `patterns` (pattern i is the index's pattern i), the principals of `policies`. */
export function buildPrincipalIndex(patterns: SpiffePattern[], policies: PolicyTable): PrincipalIndex {
  const n = patterns.length;
  const owners = new StaticArray<i32>(n);
  for (let i = 0, count = policies.count; i < count; i++) {
    if (!policies.has(i, PolicyFlag.PrincipalsOnly)) continue;
    const to = policies.field(i, PolicyField.Principals + 1);
    for (let k = policies.field(i, PolicyField.Principals); k < to; k++) unchecked(owners[k] = i + 1);
  }
  let buckets = 1;
  while (buckets < n << 1) buckets <<= 1;
  const heads = new StaticArray<i32>(buckets);
  const next = new StaticArray<i32>(n);
  const prefixLengths = newBitSet(MAX_URI_BYTES + 1);
  for (let i = 0; i < n; i++) {
    const pattern = patterns[i];
    const text = pattern.text;
    const pathStart = pattern.trustDomainEnd;
    const star = text.indexOf("*", pathStart);
    const prefixEnd = star < 0 ? text.length : star;
    let hash = FNV_BASIS;
    for (let k = pathStart; k < prefixEnd; k++) hash = step(hash, text, k);
    const bucket = bucketOf(hash, buckets - 1);
    unchecked(next[i] = heads[bucket]);
    unchecked(heads[bucket] = i + 1);
    setBitAt(prefixLengths, 0, prefixEnd - pathStart);
  }
  return new PrincipalIndex(packSpiffePatterns(patterns), owners, prefixLengths, heads, next);
}
