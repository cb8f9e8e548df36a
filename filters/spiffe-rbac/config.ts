// The spiffe-rbac configuration (README "Configuration"): checked against schema.json by the
// shared walker, then compiled once at configure into immutable policies; the checks here are what
// a JSON Schema cannot say (SPIFFE patterns, trust domains, globs, path patterns, unique names).
import { asciiLower } from "../shared/bytes";
import { ConfigErrors } from "../shared/config-error";
import { element, field, flag, items, num, readConfig, text } from "../shared/config-walker";
import { JsonValue } from "../shared/json";
import { compileReply, LocalReply } from "../shared/local-reply";
import { compileSegmentGlob, SegmentGlob, SpiffeError, spiffeErrorMessage, SpiffePattern, validateTrustDomain } from "../shared/spiffe";
import { spiffePatternOf } from "../shared/spiffe-config";
import { Condition, Operation, PathNormalization, Policy, Root, schema, Source, Xfcc } from "./config-schema";
import { EncodedSlashes, PathOptions } from "./path";
import { compilePathPattern, pathPatternError } from "./path-pattern";
import { PatternKind } from "./pattern-table";
import { PolicyField, PolicyFlag, PolicyTable, PolicyTableBuilder } from "./policy";
import { buildPrincipalIndex, PrincipalIndex } from "./principal-index";
import { RequestChecks, RequestChecksBuilder, Subject } from "./request-checks";
import { compileIstioMatcher } from "./value-matcher";

export const FILTER = "spiffe-rbac";
export const MAX_POLICIES: i32 = 256;
/** gRPC PERMISSION_DENIED: the default status of a denied gRPC call. */
const GRPC_PERMISSION_DENIED: i32 = 7;

/** gRPC INVALID_ARGUMENT: the status of a rejected path or authority for a gRPC call. */
const GRPC_INVALID_ARGUMENT: i32 = 3;

/** The 400 for a `:path` or `:authority` (`what`) that is ambiguous or (path_forwarding reject)
 *  not canonical. */
function rejection(what: string): LocalReply {
  return compileReply(null, 400, "RBAC: ambiguous " + what, GRPC_INVALID_ARGUMENT, "rbac_" + what + "_rejected");
}

/** The default denial. */
function defaultReply(obj: JsonValue | null): LocalReply {
  return compileReply(obj, 403, "RBAC: access denied", GRPC_PERMISSION_DENIED, "rbac_access_denied");
}

export class XfccConfig {
  /** `trusted_proxies`: patterns trustedProxiesFrom.. (excluded) trustedProxiesTo of the
   *  configuration's PrincipalIndex. */
  trustedProxiesFrom: i32 = 0;
  trustedProxiesTo: i32 = 0;
  useLast: bool = true;
  stripUntrusted: bool = false;
}

/** `path_forwarding`, in schema.json's order. */
export namespace Forwarding {
  export const Normalized: i32 = 0;
  export const Reject: i32 = 1;
  export const Raw: i32 = 2;
}

export class RbacConfig {
  /** A Forwarding. */
  forwarding: i32 = Forwarding.Normalized;
  /** Global dry run: nothing is enforced. */
  shadow: bool = false;
  /** The decision when no ALLOW policy exists (and no DENY policy matched). */
  defaultAllow: bool = true;
  /** Allowed trust domains: the policies' trust domains trustDomainsFrom.. (excluded)
   *  trustDomainsTo, any when empty. */
  trustDomainsFrom: i32 = 0;
  trustDomainsTo: i32 = 0;
  xfcc: XfccConfig | null = null;
  /** The denial of each policy, by index (DENY policies with their own `reply`), then the
   *  top-level one (every other denial), then the 400s for a path and for an authority. */
  replies: LocalReply[] = [];
  decisionHeader: bool = false;

  constructor(
    readonly paths: PathOptions,
    readonly policies: PolicyTable,
    /** Every SPIFFE pattern: policies' `principals` and `not_principals`, `xfcc.trusted_proxies`. */
    readonly principals: PrincipalIndex,
    /** Every policy's `to` and `when`. */
    readonly checks: RequestChecks,
  ) {}
}

/** The configuration in `text`; null when it is invalid (every problem is in `errors`). */
export function parseConfig(text_: string, errors: ConfigErrors): RbacConfig | null {
  const root = readConfig(text_, schema(), errors);
  if (root === null) return null;
  const table = new PolicyTableBuilder();
  readTrustDomains(errors, items(root, Root.trust_domains), table.domains);
  const trustDomainsTo = table.domains.length;
  const principals = new Array<SpiffePattern>();
  const xfccObject = field(root, Root.xfcc);
  const xfcc: XfccConfig | null = xfccObject === null ? null : readXfcc(errors, xfccObject, principals);
  const paths = new PathOptions();
  const normalization = field(root, Root.path_normalization);
  paths.encodedSlashes = <i32>num(normalization, PathNormalization.encoded_slashes);
  paths.mergeSlashes = flag(normalization, PathNormalization.merge_slashes);
  paths.rejectDotSegments = num(normalization, PathNormalization.dot_segments) == 1;
  const fallback = defaultReply(field(root, Root.reply));
  const replies: LocalReply[] = [];
  const policies = items(root, Root.policies);
  const checks = new RequestChecksBuilder();
  for (let i = 0; i < policies.length; i++) {
    const obj = element(policies, i);
    readPolicy(errors, obj, principals, checks, table);
    if (table.duplicateName()) errors.at(changetype<JsonValue>(field(obj, Policy.name)), "duplicate policy name");
    const reply = field(obj, Policy.reply);
    replies.push(reply === null ? fallback : defaultReply(reply));
  }
  replies.push(fallback);
  replies.push(rejection("path"));
  replies.push(rejection("authority"));
  if (errors.failed) return null;
  const policyTable = table.build();
  const config = new RbacConfig(paths, policyTable, buildPrincipalIndex(principals, policyTable), checks.build());
  config.forwarding = <i32>num(root, Root.path_forwarding);
  config.shadow = num(root, Root.mode) == 1;
  config.defaultAllow = num(root, Root.default_action) == 0;
  config.trustDomainsTo = trustDomainsTo;
  config.xfcc = xfcc;
  config.replies = replies;
  config.decisionHeader = flag(root, Root.decision_header);
  return config;
}

/** Appends the trust domains of `list` to `out`. */
function readTrustDomains(errors: ConfigErrors, list: Array<JsonValue | null>, out: string[]): void {
  for (let i = 0; i < list.length; i++) {
    const item = element(list, i);
    const error = validateTrustDomain(item.string);
    if (error != SpiffeError.Ok) errors.at(item, "is not a valid trust domain: " + spiffeErrorMessage(error));
    out.push(item.string);
  }
}

/** Appends the patterns of `list` to `out`. */
function readPatterns(errors: ConfigErrors, list: Array<JsonValue | null>, out: SpiffePattern[]): void {
  for (let i = 0; i < list.length; i++) out.push(spiffePatternOf(errors, element(list, i)));
}

function readXfcc(errors: ConfigErrors, obj: JsonValue, principals: SpiffePattern[]): XfccConfig {
  const xfcc = new XfccConfig();
  xfcc.trustedProxiesFrom = principals.length;
  readPatterns(errors, items(obj, Xfcc.trusted_proxies), principals);
  xfcc.trustedProxiesTo = principals.length;
  xfcc.useLast = num(obj, Xfcc.use) == 0;
  xfcc.stripUntrusted = flag(obj, Xfcc.strip_untrusted);
  return xfcc;
}

/** Reads policy `table.count` into `table` and `checks`. */
function readPolicy(errors: ConfigErrors, obj: JsonValue, principals: SpiffePattern[], checks: RequestChecksBuilder, table: PolicyTableBuilder): void {
  // the action's index in schema.json's branches (ALLOW, DENY, AUDIT) is Action's
  table.add(text(obj, Policy.name), <i32>num(obj, Policy.action), num(obj, Policy.mode) == 1);
  const from = field(obj, Policy.from);
  if (from !== null) readSource(errors, from, principals, table);
  const to = field(obj, Policy.to);
  if (to !== null) {
    const reads = readOperation(errors, to, checks);
    if ((reads & READS_PATH) != 0) table.setFlag(PolicyFlag.UsesPath);
    if ((reads & READS_HOST) != 0) table.setFlag(PolicyFlag.UsesHost);
  }
  const when = items(obj, Policy.when);
  for (let i = 0; i < when.length; i++) {
    const condition = element(when, i);
    const subject = checks.headerSubject(asciiLower(text(condition, Condition.name)));
    const values = readMatchers(items(condition, Condition.values), checks, subject, false);
    const notValues = readMatchers(items(condition, Condition.not_values), checks, subject, true);
    if (!values && !notValues) errors.at(condition, "needs \"values\" or \"not_values\"");
  }
  checks.endPolicy();
}

/** Appends the namespace globs of `list` to `out`. */
function readSegmentGlobs(errors: ConfigErrors, list: Array<JsonValue | null>, out: SegmentGlob[]): void {
  for (let i = 0; i < list.length; i++) {
    const item = element(list, i);
    const glob = compileSegmentGlob(item.string);
    if (glob === null) errors.at(item, "must be a SPIFFE path segment with at most one \"*\"");
    else out.push(glob);
  }
}

/** Appends the service accounts of `list` to `out`: two globs each, namespace then service
 *  account. */
function readServiceAccounts(errors: ConfigErrors, list: Array<JsonValue | null>, out: SegmentGlob[]): void {
  for (let i = 0; i < list.length; i++) {
    const item = element(list, i);
    const text = item.string;
    const slash = text.indexOf("/");
    // a missing "/" leaves an empty half, which is not a valid glob
    const ns = compileSegmentGlob(slash < 0 ? "" : text.substring(0, slash));
    const sa = compileSegmentGlob(slash < 0 ? "" : text.substring(slash + 1));
    if (ns === null || sa === null) {
      errors.at(item, "must be \"<namespace>/<service-account>\", each a SPIFFE path segment with at most one \"*\"");
    } else {
      out.push(ns);
      out.push(sa);
    }
  }
}

function readSource(errors: ConfigErrors, obj: JsonValue, principals: SpiffePattern[], table: PolicyTableBuilder): void {
  let from = principals.length;
  readPatterns(errors, items(obj, Source.principals), principals);
  const hasPrincipals = from < principals.length;
  table.setRange(PolicyField.Principals, from, principals.length);
  from = principals.length;
  readPatterns(errors, items(obj, Source.not_principals), principals);
  table.setRange(PolicyField.NotPrincipals, from, principals.length);
  const domains = table.domains;
  from = domains.length;
  readTrustDomains(errors, items(obj, Source.trust_domains), domains);
  table.setRange(PolicyField.TrustDomains, from, domains.length);
  from = domains.length;
  readTrustDomains(errors, items(obj, Source.not_trust_domains), domains);
  table.setRange(PolicyField.NotTrustDomains, from, domains.length);
  const globs = table.globs;
  from = globs.length;
  readSegmentGlobs(errors, items(obj, Source.namespaces), globs);
  table.setRange(PolicyField.Namespaces, from, globs.length);
  from = globs.length;
  readSegmentGlobs(errors, items(obj, Source.not_namespaces), globs);
  table.setRange(PolicyField.NotNamespaces, from, globs.length);
  from = globs.length;
  readServiceAccounts(errors, items(obj, Source.service_accounts), globs);
  table.setRange(PolicyField.ServiceAccounts, from, globs.length);
  from = globs.length;
  readServiceAccounts(errors, items(obj, Source.not_service_accounts), globs);
  table.setRange(PolicyField.NotServiceAccounts, from, globs.length);
  const unauthenticated = flag(obj, Source.unauthenticated);
  const identityFields = obj.keys.length - (obj.member("unauthenticated") !== null ? 1 : 0);
  table.setFlag(PolicyFlag.HasFrom);
  if (unauthenticated) table.setFlag(PolicyFlag.Unauthenticated);
  if (identityFields > 0) table.setFlag(PolicyFlag.HasIdentityFields);
  if (identityFields == 1 && hasPrincipals) table.setFlag(PolicyFlag.PrincipalsOnly);
  if (identityFields == 0 && !unauthenticated) errors.at(obj, "must name at least one identity field or \"unauthenticated\": true");
}

// Each reader below compiles one list into a clause of `checks` (nothing when the list is absent).

function readMethods(list: Array<JsonValue | null>, checks: RequestChecksBuilder, negated: bool): void {
  if (list.length == 0) return;
  checks.clause(Subject.Method, negated, false);
  for (let i = 0; i < list.length; i++) checks.add(checks.patterns.add(PatternKind.Exact, element(list, i).string));
}

/** Whether the list is present. */
function readMatchers(list: Array<JsonValue | null>, checks: RequestChecksBuilder, subject: i32, negated: bool): bool {
  if (list.length == 0) return false;
  const ignoreCase = subject == Subject.Host;
  checks.clause(subject, negated, ignoreCase);
  for (let i = 0; i < list.length; i++) checks.add(compileIstioMatcher(element(list, i).string, ignoreCase, checks.patterns));
  return true;
}

function readPorts(list: Array<JsonValue | null>, checks: RequestChecksBuilder, negated: bool): void {
  if (list.length == 0) return;
  checks.clause(Subject.Port, negated, false);
  for (let i = 0; i < list.length; i++) checks.add(<i32>element(list, i).number);
}

/** Whether the list is present. `ignoreCase`: patterns are lowercased and compared with the
 *  path's ASCII letters folded. */
function readPaths(errors: ConfigErrors, list: Array<JsonValue | null>, checks: RequestChecksBuilder, negated: bool, ignoreCase: bool): bool {
  if (list.length == 0) return false;
  checks.clause(Subject.Path, negated, ignoreCase);
  for (let i = 0; i < list.length; i++) {
    const item = element(list, i);
    const pattern = compilePathPattern(ignoreCase ? asciiLower(item.string) : item.string, checks.patterns);
    if (pattern < 0) {
      errors.at(item, "is not a valid path pattern: " + pathPatternError);
    } else {
      checks.add(pattern);
      if (!negated) checks.addPathKey(pattern, ignoreCase);
    }
  }
  return true;
}

/** readOperation's result: bits of what the operation reads. */
const READS_PATH = 1;
const READS_HOST = 2;

/** Compiles `to`; returns what it reads (READS_PATH, READS_HOST). */
function readOperation(errors: ConfigErrors, obj: JsonValue, checks: RequestChecksBuilder): i32 {
  readMethods(items(obj, Operation.methods), checks, false);
  readMethods(items(obj, Operation.not_methods), checks, true);
  const hosts = readMatchers(items(obj, Operation.hosts), checks, Subject.Host, false);
  const notHosts = readMatchers(items(obj, Operation.not_hosts), checks, Subject.Host, true);
  readPorts(items(obj, Operation.ports), checks, false);
  readPorts(items(obj, Operation.not_ports), checks, true);
  const ignoreCase = flag(obj, Operation.ignore_case);
  const paths = readPaths(errors, items(obj, Operation.paths), checks, false, ignoreCase);
  const notPaths = readPaths(errors, items(obj, Operation.not_paths), checks, true, ignoreCase);
  if (obj.keys.length == (ignoreCase ? 1 : 0)) errors.at(obj, "must name at least one field");
  return (paths || notPaths ? READS_PATH : 0) | (hosts || notHosts ? READS_HOST : 0);
}
