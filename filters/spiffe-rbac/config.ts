// The spiffe-rbac configuration (README "Configuration"), parsed and validated once at configure
// into immutable compiled policies. schema.json mirrors every check a JSON Schema can express.
import { ConfigError } from "../shared/config-error";
import { ConfigReader, JsonValue } from "../shared/json";
import {
  compileSegmentGlob, compileSpiffePattern, SegmentGlob, SpiffeError, spiffeErrorMessage, SpiffePattern, validateTrustDomain,
} from "../shared/spiffe";
import { EncodedSlashes, PathOptions } from "./path";
import { compilePathPattern, pathPatternError } from "./path-pattern";
import { PatternKind } from "./pattern-table";
import { PolicyField, PolicyFlag, PolicyTable, PolicyTableBuilder } from "./policy";
import { buildPrincipalIndex, PrincipalIndex } from "./principal-index";
import { RequestChecks, RequestChecksBuilder, Subject } from "./request-checks";
import { compileIstioMatcher } from "./value-matcher";

export const FILTER = "spiffe-rbac";
export const DEFAULT_DENY_BODY = "RBAC: access denied";
export const MAX_POLICIES: i32 = 256;
const MAX_LIST: i32 = 256;


export class XfccConfig {
  /** `trusted_proxies`: patterns trustedProxiesFrom.. (excluded) trustedProxiesTo of the
   *  configuration's PrincipalIndex. */
  trustedProxiesFrom: i32 = 0;
  trustedProxiesTo: i32 = 0;
  useLast: bool = true;
  stripUntrusted: bool = false;
}

export class RbacConfig {
  /** Global dry run: nothing is enforced. */
  shadow: bool = false;
  /** The decision when no ALLOW policy exists (and no DENY policy matched). */
  defaultAllow: bool = true;
  /** Allowed trust domains: the policies' trust domains trustDomainsFrom.. (excluded)
   *  trustDomainsTo, any when empty. */
  trustDomainsFrom: i32 = 0;
  trustDomainsTo: i32 = 0;
  xfcc: XfccConfig | null = null;
  denyBody: string = DEFAULT_DENY_BODY;
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

/** Parses the configuration; on error returns null and `reader.message()` is the log line. */
export function parseConfig(text: string, reader: ConfigReader): RbacConfig | null {
  const root = reader.parse(text);
  if (reader.empty) {
    reader.error = new ConfigError("policies", "is required", "nothing");
    return null;
  }
  reader.unknownKeys(root, ["mode", "default_action", "trust_domains", "xfcc", "path_normalization", "deny_response", "policies"]);
  const shadow = reader.optionalEnum(root, "mode", ["enforce", "shadow"], 0) == 1;
  const defaultAllow = reader.optionalEnum(root, "default_action", ["ALLOW", "DENY"], 0) == 0;
  const table = new PolicyTableBuilder();
  readTrustDomains(reader, root, "trust_domains", table.domains);
  const trustDomainsTo = table.domains.length;
  const principals = new Array<SpiffePattern>();
  const xfccObject = reader.optionalObject(root, "xfcc");
  const xfcc: XfccConfig | null = xfccObject === null ? null : readXfcc(reader, xfccObject, principals);
  const paths = new PathOptions();
  readPathOptions(reader, reader.optionalObject(root, "path_normalization"), paths);
  const deny = reader.optionalObject(root, "deny_response");
  reader.unknownKeys(deny, ["body", "decision_header"]);
  const denyBody = reader.optionalString(deny, "body", DEFAULT_DENY_BODY, 0, 4096);
  const decisionHeader = reader.optionalBool(deny, "decision_header", false);
  const policies = reader.requiredArray(root, "policies", 0, MAX_POLICIES);
  const checks = new RequestChecksBuilder();
  if (policies !== null) {
    for (let i = 0, n = policies.items.length; i < n && !reader.failed; i++) {
      const item = policies.items[i];
      if (!readPolicy(reader, item, principals, checks, table)) break;
      if (table.duplicateName()) failAt(reader, item, "name", "duplicate policy name");
    }
  }
  if (reader.failed) return null;
  const policyTable = table.build();
  const config = new RbacConfig(paths, policyTable, buildPrincipalIndex(principals, policyTable), checks.build());
  config.shadow = shadow;
  config.defaultAllow = defaultAllow;
  config.trustDomainsTo = trustDomainsTo;
  config.xfcc = xfcc;
  config.denyBody = denyBody;
  config.decisionHeader = decisionHeader;
  return config;
}

/** Fails at member `key` of `obj` (present: the caller has read it without error). */
function failAt(reader: ConfigReader, obj: JsonValue | null, key: string, problem: string): void {
  const member = reader.member(obj, key, false);
  if (member !== null) reader.fail(member, problem);
}

/** Optional array `key` of 1..maxItems strings of minChars..maxChars characters (each item's
 *  `.string` can then be used as is), or null when absent or invalid. */
function readStrings(reader: ConfigReader, obj: JsonValue | null, key: string, maxItems: i32, minChars: i32, maxChars: i32): JsonValue | null {
  const list = reader.optionalArray(obj, key, 1, maxItems);
  if (list === null) return null;
  for (let i = 0, n = list.items.length; i < n; i++) reader.asString(list.items[i], "", minChars, maxChars);
  return reader.failed ? null : list;
}

/** Appends the trust domains of optional array `key` to `out`. */
function readTrustDomains(reader: ConfigReader, obj: JsonValue | null, key: string, out: string[]): void {
  const list = readStrings(reader, obj, key, MAX_LIST, 1, 255);
  if (list === null) return;
  for (let i = 0, n = list.items.length; i < n && !reader.failed; i++) {
    const item = list.items[i];
    const error = validateTrustDomain(item.string);
    if (error != SpiffeError.Ok) reader.fail(item, "is not a valid trust domain: " + spiffeErrorMessage(error));
    out.push(item.string);
  }
}

/** Appends the patterns of optional array `key` to `out`. */
function readPatterns(reader: ConfigReader, obj: JsonValue | null, key: string, out: SpiffePattern[]): void {
  const list = readStrings(reader, obj, key, MAX_LIST, 1, 2048);
  if (list === null) return;
  for (let i = 0, n = list.items.length; i < n && !reader.failed; i++) {
    const item = list.items[i];
    const pattern = compileSpiffePattern(item.string);
    if (pattern.error != SpiffeError.Ok) reader.fail(item, "is not a valid SPIFFE ID pattern: " + spiffeErrorMessage(pattern.error));
    else out.push(pattern);
  }
}

function readXfcc(reader: ConfigReader, obj: JsonValue, principals: SpiffePattern[]): XfccConfig {
  const xfcc = new XfccConfig();
  reader.unknownKeys(obj, ["trusted_proxies", "use", "strip_untrusted"]);
  reader.requiredArray(obj, "trusted_proxies", 1, MAX_LIST);
  xfcc.trustedProxiesFrom = principals.length;
  readPatterns(reader, obj, "trusted_proxies", principals);
  xfcc.trustedProxiesTo = principals.length;
  xfcc.useLast = reader.optionalEnum(obj, "use", ["last", "first"], 0) == 0;
  xfcc.stripUntrusted = reader.optionalBool(obj, "strip_untrusted", false);
  return xfcc;
}

function readPathOptions(reader: ConfigReader, obj: JsonValue | null, options: PathOptions): void {
  reader.unknownKeys(obj, ["encoded_slashes", "merge_slashes", "dot_segments"]);
  options.encodedSlashes = reader.optionalEnum(obj, "encoded_slashes", ["reject", "decode", "keep"], EncodedSlashes.Reject);
  options.mergeSlashes = reader.optionalBool(obj, "merge_slashes", true);
  options.rejectDotSegments = reader.optionalEnum(obj, "dot_segments", ["resolve", "reject"], 0) == 1;
}

/** Policy names become metric names: letters, digits, `-` and `_` only. */
function isPolicyName(name: string): bool {
  for (let i = 0, n = name.length; i < n; i++) {
    const c = name.charCodeAt(i);
    const ok = ((c | 0x20) >= 0x61 && (c | 0x20) <= 0x7a) || (c >= 0x30 && c <= 0x39) || c == 0x2d || c == 0x5f;
    if (!ok) return false;
  }
  return true;
}

/** Reads policy `table.count` into `table` and `checks`; returns whether it is valid. */
function readPolicy(reader: ConfigReader, item: JsonValue, principals: SpiffePattern[], checks: RequestChecksBuilder, table: PolicyTableBuilder): bool {
  const obj = reader.asObject(item);
  reader.unknownKeys(obj, ["name", "action", "mode", "from", "to", "when"]);
  const name = reader.requiredString(obj, "name", 1, 64);
  if (!reader.failed && !isPolicyName(name)) {
    failAt(reader, obj, "name", "must contain only letters, digits, \"-\" and \"_\"");
  }
  const action = reader.requiredEnum(obj, "action", ["ALLOW", "DENY", "AUDIT"]);
  const shadow = reader.optionalEnum(obj, "mode", ["enforce", "shadow"], 0) == 1;
  if (reader.failed) return false;
  table.add(name, action, shadow);
  const from = reader.optionalObject(obj, "from");
  if (from !== null) readSource(reader, from, principals, table);
  const to = reader.optionalObject(obj, "to");
  if (to !== null && readOperation(reader, to, checks)) table.setFlag(PolicyFlag.UsesPath);
  const when = reader.optionalArray(obj, "when", 1, 64);
  if (when !== null) readConditions(reader, when, checks);
  checks.endPolicy();
  return !reader.failed;
}

/** Appends the namespace globs of optional array `key` to `out`. */
function readSegmentGlobs(reader: ConfigReader, obj: JsonValue, key: string, out: SegmentGlob[]): void {
  const list = readStrings(reader, obj, key, MAX_LIST, 1, 255);
  if (list === null) return;
  for (let i = 0, n = list.items.length; i < n && !reader.failed; i++) {
    const item = list.items[i];
    const glob = compileSegmentGlob(item.string);
    if (glob === null) reader.fail(item, "must be a SPIFFE path segment with at most one \"*\"");
    else out.push(glob);
  }
}

/** Appends the service accounts of optional array `key` to `out`: two globs each, namespace then
 *  service account. */
function readServiceAccounts(reader: ConfigReader, obj: JsonValue, key: string, out: SegmentGlob[]): void {
  const list = readStrings(reader, obj, key, MAX_LIST, 3, 511);
  if (list === null) return;
  for (let i = 0, n = list.items.length; i < n && !reader.failed; i++) {
    const item = list.items[i];
    const text = item.string;
    const slash = text.indexOf("/");
    // a missing "/" leaves an empty half, which is not a valid glob
    const ns = compileSegmentGlob(slash < 0 ? "" : text.substring(0, slash));
    const sa = compileSegmentGlob(slash < 0 ? "" : text.substring(slash + 1));
    if (ns === null || sa === null) {
      reader.fail(item, "must be \"<namespace>/<service-account>\", each a SPIFFE path segment with at most one \"*\"");
    } else {
      out.push(ns);
      out.push(sa);
    }
  }
}

function readSource(reader: ConfigReader, obj: JsonValue, principals: SpiffePattern[], table: PolicyTableBuilder): void {
  reader.unknownKeys(obj, [
    "principals", "not_principals", "trust_domains", "not_trust_domains", "namespaces", "not_namespaces",
    "service_accounts", "not_service_accounts", "unauthenticated",
  ]);
  let from = principals.length;
  readPatterns(reader, obj, "principals", principals);
  const hasPrincipals = from < principals.length;
  table.setRange(PolicyField.Principals, from, principals.length);
  from = principals.length;
  readPatterns(reader, obj, "not_principals", principals);
  table.setRange(PolicyField.NotPrincipals, from, principals.length);
  const domains = table.domains;
  from = domains.length;
  readTrustDomains(reader, obj, "trust_domains", domains);
  table.setRange(PolicyField.TrustDomains, from, domains.length);
  from = domains.length;
  readTrustDomains(reader, obj, "not_trust_domains", domains);
  table.setRange(PolicyField.NotTrustDomains, from, domains.length);
  const globs = table.globs;
  from = globs.length;
  readSegmentGlobs(reader, obj, "namespaces", globs);
  table.setRange(PolicyField.Namespaces, from, globs.length);
  from = globs.length;
  readSegmentGlobs(reader, obj, "not_namespaces", globs);
  table.setRange(PolicyField.NotNamespaces, from, globs.length);
  from = globs.length;
  readServiceAccounts(reader, obj, "service_accounts", globs);
  table.setRange(PolicyField.ServiceAccounts, from, globs.length);
  from = globs.length;
  readServiceAccounts(reader, obj, "not_service_accounts", globs);
  table.setRange(PolicyField.NotServiceAccounts, from, globs.length);
  const unauthenticated = reader.optionalBool(obj, "unauthenticated", false);
  const identityFields = obj.keys.length - (obj.member("unauthenticated") !== null ? 1 : 0);
  table.setFlag(PolicyFlag.HasFrom);
  if (unauthenticated) table.setFlag(PolicyFlag.Unauthenticated);
  if (identityFields > 0) table.setFlag(PolicyFlag.HasIdentityFields);
  if (identityFields == 1 && hasPrincipals) table.setFlag(PolicyFlag.PrincipalsOnly);
  if (!reader.failed && identityFields == 0 && !unauthenticated) {
    reader.fail(obj, "must name at least one identity field or \"unauthenticated\": true");
  }
}

/** An HTTP method token in uppercase (`GET`, `PURGE`, `M-SEARCH`). */
function isMethod(text: string): bool {
  if (text.length == 0) return false;
  for (let i = 0, n = text.length; i < n; i++) {
    const c = text.charCodeAt(i);
    if (!((c >= 0x41 && c <= 0x5a) || c == 0x2d || c == 0x5f)) return false;
  }
  return true;
}

// Each reader below validates one list and compiles it into a clause of `checks` (nothing when
// the list is absent).

function readMethods(reader: ConfigReader, obj: JsonValue, key: string, checks: RequestChecksBuilder, negated: bool): void {
  const list = readStrings(reader, obj, key, 64, 1, 32);
  if (list === null) return;
  checks.clause(Subject.Method, negated);
  for (let i = 0, n = list.items.length; i < n && !reader.failed; i++) {
    const item = list.items[i];
    if (!isMethod(item.string)) reader.fail(item, "is not an HTTP method (uppercase letters, \"-\" and \"_\")");
    checks.add(checks.patterns.add(PatternKind.Exact, item.string));
  }
}

function readMatchers(reader: ConfigReader, obj: JsonValue, key: string, checks: RequestChecksBuilder, subject: i32, negated: bool): bool {
  const list = readStrings(reader, obj, key, MAX_LIST, 1, 1024);
  if (list === null) return false;
  checks.clause(subject, negated);
  const ignoreCase = subject == Subject.Host;
  for (let i = 0, n = list.items.length; i < n; i++) checks.add(compileIstioMatcher(list.items[i].string, ignoreCase, checks.patterns));
  return true;
}

function readPorts(reader: ConfigReader, obj: JsonValue, key: string, checks: RequestChecksBuilder, negated: bool): void {
  const list = reader.optionalArray(obj, key, 1, 64);
  if (list === null) return;
  checks.clause(Subject.Port, negated);
  for (let i = 0, n = list.items.length; i < n && !reader.failed; i++) {
    checks.add(<i32>reader.asInteger(list.items[i], 0, 1, 65535));
  }
}

/** Whether the list is present. */
function readPaths(reader: ConfigReader, obj: JsonValue, key: string, checks: RequestChecksBuilder, negated: bool): bool {
  const list = readStrings(reader, obj, key, MAX_LIST, 1, 1024);
  if (list === null) return false;
  checks.clause(Subject.Path, negated);
  for (let i = 0, n = list.items.length; i < n && !reader.failed; i++) {
    const item = list.items[i];
    const pattern = compilePathPattern(item.string, checks.patterns);
    if (pattern < 0) {
      reader.fail(item, "is not a valid path pattern: " + pathPatternError);
    } else {
      checks.add(pattern);
      if (!negated) checks.addPathKey(pattern);
    }
  }
  return true;
}

/** Compiles `to`; returns whether it reads the path. */
function readOperation(reader: ConfigReader, obj: JsonValue, checks: RequestChecksBuilder): bool {
  reader.unknownKeys(obj, ["methods", "not_methods", "hosts", "not_hosts", "ports", "not_ports", "paths", "not_paths"]);
  readMethods(reader, obj, "methods", checks, false);
  readMethods(reader, obj, "not_methods", checks, true);
  readMatchers(reader, obj, "hosts", checks, Subject.Host, false);
  readMatchers(reader, obj, "not_hosts", checks, Subject.Host, true);
  readPorts(reader, obj, "ports", checks, false);
  readPorts(reader, obj, "not_ports", checks, true);
  const paths = readPaths(reader, obj, "paths", checks, false);
  const notPaths = readPaths(reader, obj, "not_paths", checks, true);
  if (!reader.failed && obj.keys.length == 0) reader.fail(obj, "must name at least one field");
  return paths || notPaths;
}

/** A lowercase header name (RFC 9110 token characters), or a pseudo-header such as `:path`. */
function isHeaderName(name: string): bool {
  const n = name.length;
  if (n == 0) return false;
  for (let i = 0; i < n; i++) {
    const c = name.charCodeAt(i);
    if (c == 0x3a && i == 0 && n > 1) continue;
    const ok = (c >= 0x61 && c <= 0x7a) || (c >= 0x30 && c <= 0x39) || "!#$%&'*+-.^_`|~".indexOf(String.fromCharCode(c)) >= 0;
    if (!ok) return false;
  }
  return true;
}

function readConditions(reader: ConfigReader, list: JsonValue, checks: RequestChecksBuilder): void {
  for (let i = 0, n = list.items.length; i < n && !reader.failed; i++) {
    const obj = reader.asObject(list.items[i]);
    reader.unknownKeys(obj, ["header", "values", "not_values"]);
    const header = reader.requiredString(obj, "header", 1, 256);
    if (reader.failed || obj === null) break;
    if (!isHeaderName(header)) failAt(reader, obj, "header", "must be a lowercase HTTP header name");
    const subject = checks.headerSubject(header);
    const values = readMatchers(reader, obj, "values", checks, subject, false);
    const notValues = readMatchers(reader, obj, "not_values", checks, subject, true);
    if (!reader.failed && !values && !notValues) reader.fail(obj, "must have \"values\" or \"not_values\"");
  }
}
