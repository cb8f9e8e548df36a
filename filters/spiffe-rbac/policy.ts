// Compiled policies (Istio AuthorizationPolicy semantics, one rule per policy): a policy matches
// when its `from` matches the caller AND its `to` matches the request AND every `when` condition
// holds; an absent part matches everything. Inside `from`/`to`, every given field must match
// (lists are ORed; `not_` lists must not match). `to` and `when` are compiled into the
// configuration's RequestChecks (request-checks.ts).
import { SegmentGlob, SpiffeId } from "../shared/spiffe";
import { BitSet } from "./bit-set";

export namespace Action {
  export const Allow: i32 = 0;
  export const Deny: i32 = 1;
  export const Audit: i32 = 2;
}

/** A `<namespace>/<service-account>` pair of segment globs. */
export class ServiceAccountGlob {
  constructor(readonly namespace: SegmentGlob, readonly serviceAccount: SegmentGlob) {}

  matches(id: SpiffeId): bool {
    return id.hasServiceAccount &&
      this.namespace.matchesRange(id.uri, id.segmentStart(1), id.segmentEnd(1)) &&
      this.serviceAccount.matchesRange(id.uri, id.segmentStart(3), id.segmentEnd(3));
  }
}

// @ts-ignore: decorator
@inline const SCHEME_LENGTH = 9; // "spiffe://"

/** Whether the valid ID `id` has trust domain `domain` (compared in place). */
function hasTrustDomain(id: SpiffeId, domain: string): bool {
  const n = id.trustDomainEnd - SCHEME_LENGTH;
  return n == domain.length &&
    memory.compare(changetype<usize>(id.uri) + (SCHEME_LENGTH << 1), changetype<usize>(domain), <usize>n << 1) == 0;
}

/** Whether the valid ID `id` has one of the trust domains `domains`. */
export function anyTrustDomain(domains: StaticArray<string>, id: SpiffeId): bool {
  for (let i = 0, n = domains.length; i < n; i++) if (hasTrustDomain(id, unchecked(domains[i]))) return true;
  return false;
}

function anyNamespace(globs: StaticArray<SegmentGlob>, id: SpiffeId): bool {
  if (!id.hasServiceAccount) return false;
  for (let i = 0, n = globs.length; i < n; i++) {
    if (unchecked(globs[i]).matchesRange(id.uri, id.segmentStart(1), id.segmentEnd(1))) return true;
  }
  return false;
}

function anyServiceAccount(globs: StaticArray<ServiceAccountGlob>, id: SpiffeId): bool {
  for (let i = 0, n = globs.length; i < n; i++) if (unchecked(globs[i]).matches(id)) return true;
  return false;
}

/** `from`: who the caller is. Its `principals` and `not_principals` are ranges of the
 *  configuration's PrincipalIndex (empty when absent), matched once per caller for every policy. */
export class Source {
  principalsFrom: i32 = 0;
  principalsTo: i32 = 0;
  notPrincipalsFrom: i32 = 0;
  notPrincipalsTo: i32 = 0;
  trustDomains: StaticArray<string> | null = null;
  notTrustDomains: StaticArray<string> | null = null;
  namespaces: StaticArray<SegmentGlob> | null = null;
  notNamespaces: StaticArray<SegmentGlob> | null = null;
  serviceAccounts: StaticArray<ServiceAccountGlob> | null = null;
  notServiceAccounts: StaticArray<ServiceAccountGlob> | null = null;
  /** Also matches callers without a valid identity. */
  unauthenticated: bool = false;
  /** Some identity field is set (an authenticated caller must satisfy them all). */
  hasIdentityFields: bool = false;
  /** `principals` is the only identity field: the source matches a valid identity exactly when
   *  one of them does (PrincipalIndex sets its policy's bit). */
  principalsOnly: bool = false;

  /** `caller` is null for a caller without a valid identity; `principals`: the PrincipalIndex
   *  patterns that match it. */
  matches(caller: SpiffeId | null, principals: BitSet): bool {
    if (caller === null) return this.unauthenticated;
    if (!this.hasIdentityFields) return !this.unauthenticated;
    const id = caller;
    const from = this.principalsFrom;
    const to = this.principalsTo;
    if (from < to && !principals.anyIn(from, to)) return false;
    if (principals.anyIn(this.notPrincipalsFrom, this.notPrincipalsTo)) return false;
    const domains = this.trustDomains;
    const notDomains = this.notTrustDomains;
    if (domains !== null && !anyTrustDomain(domains, id)) return false;
    if (notDomains !== null && anyTrustDomain(notDomains, id)) return false;
    let namespaces = this.namespaces;
    if (namespaces !== null && !anyNamespace(namespaces, id)) return false;
    namespaces = this.notNamespaces;
    if (namespaces !== null && anyNamespace(namespaces, id)) return false;
    let accounts = this.serviceAccounts;
    if (accounts !== null && !anyServiceAccount(accounts, id)) return false;
    accounts = this.notServiceAccounts;
    if (accounts !== null && anyServiceAccount(accounts, id)) return false;
    return true;
  }
}

export class Policy {
  from: Source | null = null;
  /** Position in the configuration: its `matched` counter slot, its bit in CallerMatches and its
   *  clauses in RequestChecks (`to` and `when`). */
  index: i32 = 0;
  /** `to` has `paths` or `not_paths`. */
  usesPath: bool = false;

  constructor(readonly name: string, readonly action: i32, readonly shadow: bool) {}

  /** Whether the policy accepts callers without a valid identity. */
  get allowsUnauthenticated(): bool {
    const from = this.from;
    return from !== null && from.unauthenticated;
  }
}
