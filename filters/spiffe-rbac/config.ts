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
  const checks = new RequestChecksBuilder(policies.length);
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

/** Appends the trust domains of `list` to `out`; returns its new length. */
function readTrustDomains(errors: ConfigErrors, list: Array<JsonValue | null>, out: string[]): i32 {
  for (let i = 0; i < list.length; i++) {
    const item = element(list, i);
    const error = validateTrustDomain(item.string);
    if (error != SpiffeError.Ok) errors.at(item, "is not a valid trust domain: " + spiffeErrorMessage(error));
    out.push(item.string);
  }
  return out.length;
}

/** Appends the patterns of `list` to `out`; returns its new length. */
function readPatterns(errors: ConfigErrors, list: Array<JsonValue | null>, out: SpiffePattern[]): i32 {
  for (let i = 0; i < list.length; i++) out.push(spiffePatternOf(errors, element(list, i)));
  return out.length;
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
  if (to !== null) readOperation(errors, to, checks, table);
  const when = items(obj, Policy.when);
  for (let i = 0; i < when.length; i++) {
    const condition = element(when, i);
    const subject = checks.headerSubject(asciiLower(text(condition, Condition.name)));
    const values = readClause(errors, items(condition, Condition.values), checks, subject, false, false);
    const notValues = readClause(errors, items(condition, Condition.not_values), checks, subject, true, false);
    if (!values && !notValues) errors.at(condition, "needs \"values\" or \"not_values\"");
  }
  checks.endPolicy();
}

/** Appends the globs of `list` to `out`: namespaces, or (`serviceAccounts`) service accounts, two
 *  globs each, namespace then service account. Returns its new length. */
function readGlobs(errors: ConfigErrors, list: Array<JsonValue | null>, out: SegmentGlob[], serviceAccounts: bool): i32 {
  for (let i = 0; i < list.length; i++) {
    const item = element(list, i);
    const text = item.string;
    if (!serviceAccounts) {
      const glob = compileSegmentGlob(text);
      if (glob === null) errors.at(item, "must be a SPIFFE path segment with at most one \"*\"");
      else out.push(glob);
      continue;
    }
    const slash = text.indexOf("/");
    // a missing "/" leaves an empty half, which is not a valid glob
    const ns = compileSegmentGlob(slash < 0 ? "" : text.substring(0, slash));
    const sa = compileSegmentGlob(slash < 0 ? "" : text.substring(slash + 1, text.length));
    if (ns === null || sa === null) {
      errors.at(item, "must be \"<namespace>/<service-account>\", each a SPIFFE path segment with at most one \"*\"");
    } else {
      out.push(ns);
      out.push(sa);
    }
  }
  return out.length;
}

function readSource(errors: ConfigErrors, obj: JsonValue, principals: SpiffePattern[], table: PolicyTableBuilder): void {
  let hasPrincipals = false;
  const domains = table.domains;
  const globs = table.globs;
  // the identity lists, in schema.json's order, which is PolicyField's range order
  for (let k = Source.principals; k <= Source.not_service_accounts; k++) {
    const list = items(obj, k);
    const from = k <= Source.not_principals ? principals.length : k <= Source.not_trust_domains ? domains.length : globs.length;
    const to = k <= Source.not_principals ? readPatterns(errors, list, principals)
      : k <= Source.not_trust_domains ? readTrustDomains(errors, list, domains)
      : readGlobs(errors, list, globs, k >= Source.service_accounts);
    table.setRange(PolicyField.Principals + 2 * k, from, to);
    if (k == Source.principals) hasPrincipals = to > from;
  }
  const unauthenticated = flag(obj, Source.unauthenticated);
  const identityFields = obj.keys.length - (obj.member("unauthenticated") !== null ? 1 : 0);
  table.setFlag(PolicyFlag.HasFrom);
  if (unauthenticated) table.setFlag(PolicyFlag.Unauthenticated);
  if (identityFields > 0) table.setFlag(PolicyFlag.HasIdentityFields);
  if (identityFields == 1 && hasPrincipals) table.setFlag(PolicyFlag.PrincipalsOnly);
  if (identityFields == 0 && !unauthenticated) errors.at(obj, "must name at least one identity field or \"unauthenticated\": true");
}

/** Compiles `list` into a clause of `checks` on `subject` (nothing when the list is absent);
 *  returns whether it is present. `foldCase`: patterns are lowercased and compared with the
 *  value's ASCII letters folded (hosts; paths with `ignore_case`). */
function readClause(errors: ConfigErrors, list: Array<JsonValue | null>, checks: RequestChecksBuilder, subject: i32, negated: bool, foldCase: bool): bool {
  if (list.length == 0) return false;
  checks.clause(subject, negated, foldCase);
  const patterns = checks.patterns;
  for (let i = 0; i < list.length; i++) {
    const item = element(list, i);
    if (subject == Subject.Port) {
      checks.add(<i32>item.number);
    } else if (subject == Subject.Method) {
      checks.add(patterns.add(PatternKind.Exact, item.string));
    } else if (subject != Subject.Path) {
      checks.add(compileIstioMatcher(item.string, foldCase, patterns));
    } else {
      const pattern = compilePathPattern(foldCase ? asciiLower(item.string) : item.string, patterns);
      if (pattern < 0) {
        errors.at(item, "is not a valid path pattern: " + pathPatternError);
      } else {
        checks.add(pattern);
        if (!negated) checks.addPathKey(pattern, foldCase);
      }
    }
  }
  return true;
}

/** Compiles `to` into `checks`; flags in `table` what it reads. */
function readOperation(errors: ConfigErrors, obj: JsonValue, checks: RequestChecksBuilder, table: PolicyTableBuilder): void {
  const ignoreCase = flag(obj, Operation.ignore_case);
  // methods, hosts, ports, paths, each followed by its `not_` list: field k is on Subject k >> 1
  for (let k = Operation.methods; k <= Operation.not_paths; k++) {
    const subject = k >> 1;
    const foldCase = subject == Subject.Host || (subject == Subject.Path && ignoreCase);
    if (!readClause(errors, items(obj, k), checks, subject, (k & 1) != 0, foldCase)) continue;
    if (subject == Subject.Path) table.setFlag(PolicyFlag.UsesPath);
    if (subject == Subject.Host) table.setFlag(PolicyFlag.UsesHost);
  }
  if (obj.keys.length == (ignoreCase ? 1 : 0)) errors.at(obj, "must name at least one field");
}
