// Compiled policies (Istio AuthorizationPolicy semantics, one rule per policy): a policy matches
// when its `from` matches the caller AND its `to` matches the request AND every `when` condition
// holds; an absent part matches everything. Inside `from`/`to`, every given field must match
// (lists are ORed; `not_` lists must not match).
import { SegmentGlob, SpiffeId, SpiffePattern } from "../shared/spiffe";
import { HostKey } from "./host-key";
import { HostRequest } from "./host-request";
import { PathPattern } from "./path-pattern";
import { RequestValue } from "./request-value";
import { ValueMatcher } from "./value-matcher";

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

/** Whether one of `patterns` matches the valid ID `id`. */
export function anyPrincipal(patterns: StaticArray<SpiffePattern>, id: SpiffeId): bool {
  for (let i = 0, n = patterns.length; i < n; i++) if (unchecked(patterns[i]).matches(id)) return true;
  return false;
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

/** `from`: who the caller is. */
export class Source {
  principals: StaticArray<SpiffePattern> | null = null;
  notPrincipals: StaticArray<SpiffePattern> | null = null;
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

  /** `caller` is null for a caller without a valid identity. */
  matches(caller: SpiffeId | null): bool {
    if (caller === null) return this.unauthenticated;
    if (!this.hasIdentityFields) return !this.unauthenticated;
    const id = caller;
    let patterns = this.principals;
    if (patterns !== null && !anyPrincipal(patterns, id)) return false;
    patterns = this.notPrincipals;
    if (patterns !== null && anyPrincipal(patterns, id)) return false;
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

function anyString(values: StaticArray<string>, value: RequestValue): bool {
  for (let i = 0, n = values.length; i < n; i++) if (value.equals(unchecked(values[i]))) return true;
  return false;
}

function anyMatcher(matchers: StaticArray<ValueMatcher>, value: RequestValue): bool {
  for (let i = 0, n = matchers.length; i < n; i++) if (unchecked(matchers[i]).matches(value)) return true;
  return false;
}

function anyPort(ports: StaticArray<i64>, port: i64): bool {
  for (let i = 0, n = ports.length; i < n; i++) if (unchecked(ports[i]) == port) return true;
  return false;
}

function anyPath(patterns: StaticArray<PathPattern>, path: RequestValue): bool {
  for (let i = 0, n = patterns.length; i < n; i++) if (unchecked(patterns[i]).matches(path)) return true;
  return false;
}

/** `to`: what is being asked. */
export class Operation {
  methods: StaticArray<string> | null = null;
  notMethods: StaticArray<string> | null = null;
  hosts: StaticArray<ValueMatcher> | null = null;
  notHosts: StaticArray<ValueMatcher> | null = null;
  ports: StaticArray<i64> | null = null;
  notPorts: StaticArray<i64> | null = null;
  paths: StaticArray<PathPattern> | null = null;
  notPaths: StaticArray<PathPattern> | null = null;

  get usesPath(): bool { return this.paths !== null || this.notPaths !== null; }

  // @ts-ignore: decorator
  @inline
  matches(request: HostRequest): bool {
    let methods = this.methods;
    if (methods !== null && !anyString(methods, request.method())) return false;
    methods = this.notMethods;
    if (methods !== null && anyString(methods, request.method())) return false;
    let hosts = this.hosts;
    if (hosts !== null && !anyMatcher(hosts, request.host())) return false;
    hosts = this.notHosts;
    if (hosts !== null && anyMatcher(hosts, request.host())) return false;
    let ports = this.ports;
    if (ports !== null && !anyPort(ports, request.port())) return false;
    ports = this.notPorts;
    if (ports !== null && anyPort(ports, request.port())) return false;
    let paths = this.paths;
    if (paths !== null && !anyPath(paths, request.path())) return false;
    paths = this.notPaths;
    if (paths !== null && anyPath(paths, request.path())) return false;
    return true;
  }
}

/** `when[i]`: a request header condition. A missing header never matches `values` and always
 *  satisfies `not_values`. */
export class Condition {
  values: StaticArray<ValueMatcher> | null = null;
  notValues: StaticArray<ValueMatcher> | null = null;

  constructor(readonly header: HostKey) {}

  matches(): bool {
    const value = this.header.read();
    const present = value.length >= 0;
    const values = this.values;
    if (values !== null && (!present || !anyMatcher(values, value))) return false;
    const notValues = this.notValues;
    if (notValues !== null && present && anyMatcher(notValues, value)) return false;
    return true;
  }
}

export class Policy {
  from: Source | null = null;
  to: Operation | null = null;
  when: StaticArray<Condition> | null = null;
  /** Position in the configuration: its `matched` counter slot and its bit in CallerMatches. */
  index: i32 = 0;

  constructor(readonly name: string, readonly action: i32, readonly shadow: bool) {}

  get usesPath(): bool {
    const to = this.to;
    return to !== null && to.usesPath;
  }

  /** Whether the policy accepts callers without a valid identity. */
  get allowsUnauthenticated(): bool {
    const from = this.from;
    return from !== null && from.unauthenticated;
  }

  /** Whether `to` and `when` match (`from` is matched per caller: caller-matches.ts). */
  matchesRequest(request: HostRequest): bool {
    const to = this.to;
    if (to !== null && !to.matches(request)) return false;
    const when = this.when;
    if (when !== null) {
      for (let i = 0, n = when.length; i < n; i++) if (!unchecked(when[i]).matches()) return false;
    }
    return true;
  }
}
