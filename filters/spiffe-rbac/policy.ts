// Compiled policies (Istio AuthorizationPolicy semantics, one rule per policy): a policy matches
// when its `from` matches the caller AND its `to` matches the request AND every `when` condition
// holds; an absent part matches everything. Inside `from`/`to`, every given field must match
// (lists are ORed; `not_` lists must not match). `to` and `when` are compiled into the
// configuration's RequestChecks (request-checks.ts); names, actions, modes and `from` into one
// PolicyTable: a large configuration keeps a handful of objects alive for them (the collector
// marks every live object each collection).
import { SegmentGlob, SpiffeId } from "../shared/spiffe";
import { anyBitIn } from "./bit-set";
import { element } from "./static-array";

export namespace Action {
  export const Allow: i32 = 0;
  export const Deny: i32 = 1;
  export const Audit: i32 = 2;
}

export namespace PolicyFlag {
  export const Shadow: i32 = 1;
  /** `to` has `paths` or `not_paths`. */
  export const UsesPath: i32 = 2;
  /** The policy has `from`. */
  export const HasFrom: i32 = 4;
  /** `from` also matches callers without a valid identity. */
  export const Unauthenticated: i32 = 8;
  /** `from` sets some identity field (an authenticated caller must satisfy them all). */
  export const HasIdentityFields: i32 = 16;
  /** `principals` is the only identity field of `from`: it matches a valid identity exactly when
   *  one of them does (PrincipalIndex sets its policy's bit). */
  export const PrincipalsOnly: i32 = 32;
  /** `to` has `hosts` or `not_hosts`. */
  export const UsesHost: i32 = 64;
}

/** A policy's entries in PolicyTable's fields. Ranges are [from, to) pairs, empty when the list
 *  is absent: `principals` of the PrincipalIndex, trust domains of `domains`, namespaces of
 *  `globs`, service accounts of `globs` (two globs each: namespace, service account). */
export namespace PolicyField {
  export const Action: i32 = 0;
  export const Flags: i32 = 1;
  export const Principals: i32 = 2;
  export const NotPrincipals: i32 = 4;
  export const TrustDomains: i32 = 6;
  export const NotTrustDomains: i32 = 8;
  export const Namespaces: i32 = 10;
  export const NotNamespaces: i32 = 12;
  export const ServiceAccounts: i32 = 14;
  export const NotServiceAccounts: i32 = 16;
  export const Count: i32 = 18;
}

// @ts-ignore: decorator
@inline const SCHEME_LENGTH = 9; // "spiffe://"

/** Whether the valid ID `id` has trust domain `domain` (compared in place). */
function hasTrustDomain(id: SpiffeId, domain: string): bool {
  const n = id.trustDomainEnd - SCHEME_LENGTH;
  return n == domain.length && id.uri.startsWith(domain, SCHEME_LENGTH);
}

/** Every policy of the configuration, by index (configuration order). */
export class PolicyTable {
  constructor(
    /** Every name, one after the other; policy i's is names[nameEnds[i - 1], nameEnds[i]). */
    private readonly names: string,
    private readonly nameEnds: StaticArray<i32>,
    /** PolicyField.Count entries per policy. */
    private readonly fields: StaticArray<i32>,
    private readonly domains: StaticArray<string>,
    private readonly globs: StaticArray<SegmentGlob>,
  ) {}

  get count(): i32 {
    return this.nameEnds.length;
  }

  /** Policy `policy`'s name: an allocation, for logs and metric names. */
  name(policy: i32): string {
    return this.names.substring(policy == 0 ? 0 : unchecked(this.nameEnds[policy - 1]), unchecked(this.nameEnds[policy]));
  }

  // @ts-ignore: decorator
  @inline field(policy: i32, field: i32): i32 {
    return element(this.fields, policy * PolicyField.Count + field);
  }

  /** Its Action. */
  // @ts-ignore: decorator
  @inline action(policy: i32): i32 {
    return this.field(policy, PolicyField.Action);
  }

  // @ts-ignore: decorator
  @inline has(policy: i32, flag: i32): bool {
    return (this.field(policy, PolicyField.Flags) & flag) != 0;
  }

  /** Whether the valid ID `id` has one of the trust domains domains[from, to). */
  anyTrustDomain(from: i32, to: i32, id: SpiffeId): bool {
    for (let i = from; i < to; i++) if (hasTrustDomain(id, unchecked(this.domains[i]))) return true;
    return false;
  }

  /** Whether `from` of policy `policy` (which has one) matches `caller`, null for a caller
   *  without a valid identity; `principals`: the PrincipalIndex patterns that match it. */
  sourceMatches(policy: i32, caller: SpiffeId | null, principals: StaticArray<u32>): bool {
    const unauthenticated = this.has(policy, PolicyFlag.Unauthenticated);
    if (caller === null) return unauthenticated;
    if (!this.has(policy, PolicyFlag.HasIdentityFields)) return !unauthenticated;
    // every present list (ranges in PolicyField order, each `not_` list after its list)
    for (let range = PolicyField.Principals; range < PolicyField.Count; range += 2) {
      const from = this.field(policy, range);
      const to = this.field(policy, range + 1);
      if (from < to && this.anyIn(range, from, to, caller, principals) == ((range & 2) == 0)) return false;
    }
    return true;
  }

  /** Whether an entry from..to of the list of range `range` matches the valid ID `id`. */
  private anyIn(range: i32, from: i32, to: i32, id: SpiffeId, principals: StaticArray<u32>): bool {
    if (range <= PolicyField.NotPrincipals) return anyBitIn(principals, from, to);
    if (range <= PolicyField.NotTrustDomains) return this.anyTrustDomain(from, to, id);
    if (!id.hasServiceAccount) return false;
    const globs = this.globs;
    const pairs = range >= PolicyField.ServiceAccounts;
    for (let i = from; i < to; i += pairs ? 2 : 1) {
      if (unchecked(globs[i]).matchesRange(id.uri, id.segmentStart(1), id.segmentEnd(1)) &&
        (!pairs || unchecked(globs[i + 1]).matchesRange(id.uri, id.segmentStart(3), id.segmentEnd(3)))) return true;
    }
    return false;
  }
}

/** Builds the PolicyTable at configure time, one policy after the other. */
export class PolicyTableBuilder {
  private readonly names: string[] = [];
  private readonly fields: i32[] = [];
  /** Trust domains of `trust_domains` lists, in configuration order. */
  readonly domains: string[] = [];
  /** Namespace and service-account globs of `from` lists, in configuration order. */
  readonly globs: SegmentGlob[] = [];

  get count(): i32 {
    return this.names.length;
  }

  /** Starts policy `count`: no `from`, `to` or `when` yet. */
  add(name: string, action: i32, shadow: bool): void {
    this.names.push(name);
    const fields = this.fields;
    fields.push(action);
    fields.push(shadow ? PolicyFlag.Shadow : 0);
    for (let i = 2; i < PolicyField.Count; i++) fields.push(0);
  }

  /** Whether the current policy's name is an earlier policy's. */
  duplicateName(): bool {
    const names = this.names;
    const last = names.length - 1;
    for (let i = 0; i < last; i++) if (names[i] == names[last]) return true;
    return false;
  }

  /** Sets range `range` of the current policy. */
  setRange(range: i32, from: i32, to: i32): void {
    const at = this.fields.length - PolicyField.Count + range;
    const fields = this.fields;
    unchecked(fields[at] = from);
    unchecked(fields[at + 1] = to);
  }

  setFlag(flag: i32): void {
    const fields = this.fields;
    unchecked(fields[fields.length - PolicyField.Count + PolicyField.Flags] |= flag);
  }

  build(): PolicyTable {
    const names = this.names;
    const ends = new StaticArray<i32>(names.length);
    let text = "";
    for (let i = 0; i < names.length; i++) unchecked(ends[i] = (text += names[i]).length);
    return new PolicyTable(text, ends, StaticArray.fromArray(this.fields), StaticArray.fromArray(this.domains),
      StaticArray.fromArray(this.globs));
  }
}
