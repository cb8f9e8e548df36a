// The rate-limit configuration: checked against schema.json by the shared walker, then compiled
// once at configure into immutable objects; the checks here are what a JSON Schema cannot say
// (unique names, reachability, CIDRs, SPIFFE patterns, cross-field limits). Fields: README.md.
import { asciiLower } from "../shared/bytes";
import { ConfigErrors } from "../shared/config-error";
import { CidrGroup as GroupFields } from "../shared/config-schema";
import { element, field, flag, items, num, readConfig, text } from "../shared/config-walker";
import { hash64 } from "../shared/hash";
import { JsonValue, pathOf } from "../shared/json";
import { compileReply, LocalReply } from "../shared/local-reply";
import { compileStringMatch, compileValueCondition } from "../shared/match-config";
import { ValueCondition } from "../shared/matchers";
import { spiffePatternOf } from "../shared/spiffe-config";
import { Limit, WAYS } from "./bucket";
import { Cidr } from "./ip";
import { CidrGroup, keyNames, KeyPart, KeySource } from "./key";
import { Match } from "./match";
import { Cost as CostFields, KeyPart as PartFields, Limit as LimitFields, Match as MatchFields, Rls, Root, Rule as RuleFields, schema } from "./config-schema";
import { decimal } from "../shared/number-text";

export namespace HeadersMode {
  export const None: i32 = 0;
  export const Draft03: i32 = 1;
  export const Ietf: i32 = 2;
}

export class Cost {
  /** Tokens per request when `header` is empty or absent from the request. */
  amount: u64 = 1;
  /** Request header carrying the cost ("" for a constant cost). */
  header: string = "";
  max: u64 = 0;
  /** Invalid or too large header values: clamp (true) or reject the request with 400. */
  clamp: bool = false;
}

export class RlsConfig {
  constructor(readonly cluster: string, readonly domain: string, readonly timeoutMs: u32, readonly failureModeDeny: bool) {}
}

export namespace Overflow {
  export const Allow: i32 = 0;
  export const Deny: i32 = 1;
  export const SharedBucket: i32 = 2;
}

export class Rule {
  /** null: every request. */
  match: Match | null = null;
  key: KeyPart[] = [];
  /** Sets of `ways` slots: up to WAYS keys, one set of maxKeys ways (exact: maxKeys live keys
   *  always fit); above, ceil(maxKeys / KEYS_PER_SET) sets of WAYS ways, chosen by a seeded hash
   *  (key.ts setOf), so that maxKeys live keys fill a set only with negligible probability. */
  readonly sets: u32;
  readonly ways: i32;
  cost: Cost = new Cost();
  /** RLS descriptor entry names: "rule", then one per key part (keyNames). */
  readonly descriptorNames: string[] = ["rule"];
  /** Identifies the rule's buckets: seeds key hashing and names its shared-data keys. */
  fingerprint: u64 = 0;

  constructor(
    readonly name: string,
    readonly limits: Limit[],
    /** Requests missing a key part use one shared bucket (true) or skip the rule (false). */
    readonly missingKeyDefault: bool,
    /** 1 without a key. */
    readonly maxKeys: u32,
    /** What a request whose key finds no slot gets (Overflow), and the shared bucket's limits. */
    readonly overflow: i32,
    readonly overflowLimits: Limit[],
    readonly shadow: bool,
    /** After the local limits allow, ask the rate limit service. */
    readonly global: bool,
  ) {
    this.sets = maxKeys <= WAYS ? 1 : (maxKeys + KEYS_PER_SET - 1) / KEYS_PER_SET;
    this.ways = <i32>min(maxKeys, WAYS);
  }
}

/** gRPC RESOURCE_EXHAUSTED: the default status of a rejected gRPC request. */
const GRPC_RESOURCE_EXHAUSTED: i32 = 8;

export class Config {
  rules: Rule[] = [];
  /** The rules read more than one request header: read them all in one host call. */
  readAllHeaders: bool = false;

  /** `headersMode`: HeadersMode. */
  constructor(readonly reply: LocalReply, readonly headersMode: i32, readonly enforcePercent: i32,
    readonly failureModeDeny: bool, readonly shadowHeader: string, readonly rls: RlsConfig | null) {}
}

const MS: u64 = 1_000_000;
/** Live keys per set of WAYS ways when max_keys live keys spread over the sets (README: the odds
 *  that a set fills up). */
// @ts-ignore: decorator
@inline const KEYS_PER_SET: u32 = 2;

/** Parses and checks a configuration; null when it is invalid (every problem is in `errors`). */
export function parseConfig(errors: ConfigErrors, text_: string): Config | null {
  const root = readConfig(text_, schema(), errors);
  if (root === null) return null;
  const rls = field(root, Root.rls);
  const config = new Config(compileReply(field(root, Root.reply), 429, "", GRPC_RESOURCE_EXHAUSTED, "rate_limited"),
    <i32>num(root, Root.headers_mode), <i32>num(root, Root.enforce_percent), flag(root, Root.failure_mode_deny),
    asciiLower(text(root, Root.shadow_header)),
    rls === null ? null
      : new RlsConfig(text(rls, Rls.cluster), text(rls, Rls.domain), <u32>num(rls, Rls.timeout), flag(rls, Rls.failure_mode_deny)));
  const rules = items(root, Root.rules);
  for (let i = 0; i < rules.length; i++) config.rules.push(parseRule(errors, element(rules, i), true));
  const fallback = field(root, Root.default_rule);
  if (fallback !== null) config.rules.push(parseRule(errors, fallback, false));
  checkRules(errors, config, rules, fallback);
  if (errors.failed) return null;
  config.readAllHeaders = readsSeveralHeaders(config);
  return config;
}

/** Semantic checks across rules: unique names, nothing after a rule that takes every request. */
function checkRules(errors: ConfigErrors, config: Config, rules: Array<JsonValue | null>, fallback: JsonValue | null): void {
  const list = config.rules;
  let previous: JsonValue | null = null;
  for (let i = 0; i < list.length; i++) {
    const value = i < rules.length ? element(rules, i) : changetype<JsonValue>(fallback);
    const rule = unchecked(list[i]);
    for (let j = 0; j < i; j++) {
      if (unchecked(list[j]).name == rule.name) errors.at(changetype<JsonValue>(field(value, RuleFields.name)), "duplicate rule name");
    }
    if (rule.global && config.rls === null) errors.at(changetype<JsonValue>(field(value, RuleFields.global)), "needs \"rls\" at the top level");
    if (previous !== null && takesEveryRequest(unchecked(list[i - 1]))) {
      errors.at(value, "is unreachable: " + pathOf(previous) + " applies to every request");
    }
    previous = value;
  }
}

function takesEveryRequest(rule: Rule): bool {
  const match = rule.match;
  const everything = match === null || (match.methods.length == 0 && match.host === null && match.path === null &&
    match.headers.length == 0 && match.query.length == 0 && match.peerSpiffeId === null &&
    match.any.length == 0 && match.all.length == 0);
  return everything && (rule.key.length == 0 || rule.missingKeyDefault);
}

/** A rule (DefaultRule has the same members without match: `withMatch` false). */
function parseRule(errors: ConfigErrors, obj: JsonValue, withMatch: bool): Rule {
  // DefaultRule's members are Rule's without match, one index lower from limits on
  const shift = withMatch ? 0 : 1;
  const key = items(obj, RuleFields.key - shift);
  const rule = new Rule(text(obj, RuleFields.name), parseLimits(items(obj, RuleFields.limits - shift)),
    num(obj, RuleFields.on_missing_key - shift) == 1, key.length == 0 ? 1 : <u32>num(obj, RuleFields.max_keys - shift),
    <i32>num(obj, RuleFields.overflow - shift), parseLimits(items(obj, RuleFields.overflow_limits - shift)),
    num(obj, RuleFields.mode - shift) == 1, flag(obj, RuleFields.global - shift));
  if (withMatch) {
    const match = field(obj, RuleFields.match);
    if (match !== null) rule.match = parseMatch(errors, match, true);
  }
  for (let i = 0; i < key.length; i++) rule.key.push(parseKeyPart(errors, element(key, i)));
  const cost = field(obj, RuleFields.cost - shift);
  if (cost !== null) parseCost(errors, cost, rule.cost);
  const overflow = field(obj, RuleFields.overflow - shift);
  if (overflow !== null && (rule.overflow == Overflow.SharedBucket) != (rule.overflowLimits.length > 0)) {
    errors.at(overflow, rule.overflow == Overflow.SharedBucket ? "needs overflow_limits" : "takes no overflow_limits (only shared_bucket does)");
  }
  keyNames(rule.key, rule.descriptorNames);
  rule.fingerprint = hash64(describeBuckets(rule));
  return rule;
}

function parseLimits(list: Array<JsonValue | null>): Limit[] {
  const limits: Limit[] = [];
  for (let i = 0; i < list.length; i++) {
    const limit = element(list, i);
    const requests = <u64>num(limit, LimitFields.requests);
    const burst = field(limit, LimitFields.burst);
    limits.push(new Limit(burst === null ? requests : <u64>burst.number, requests, <u64>num(limit, LimitFields.per) * MS));
  }
  return limits;
}

/** What decides a rule's bucket contents: equal descriptions may share shared-data keys. */
function describeBuckets(rule: Rule): string {
  // "seeded-sets": the layout of sets of ways (bucket.ts, setOf), so an older layout's keys are
  // never read
  let text = rule.name + "|seeded-sets|" + decimal(rule.maxKeys) + "|" + (rule.missingKeyDefault ? "d" : "s") +
    describeLimits(rule.limits) + "|overflow" + describeLimits(rule.overflowLimits);
  for (let i = 0; i < rule.key.length; i++) {
    const part = rule.key[i];
    text += "|" + decimal(part.source) + ":" + part.name + ":" + decimal(part.trustedHops);
    for (let g = 0; g < part.groups.length; g++) text += ":" + part.groups[g].name;
  }
  return text;
}

function describeLimits(limits: Limit[]): string {
  let text = "";
  for (let i = 0; i < limits.length; i++) {
    const limit = limits[i];
    text += "|" + decimal(<i64>limit.maxTokens) + "/" + decimal(<i64>limit.tokensPerFill) + "/" + decimal(<i64>limit.fillNs);
  }
  return text;
}

function parseCost(errors: ConfigErrors, obj: JsonValue, cost: Cost): void {
  cost.amount = <u64>num(obj, CostFields.amount);
  cost.header = asciiLower(text(obj, CostFields.header));
  cost.max = <u64>num(obj, CostFields.max);
  cost.clamp = num(obj, CostFields.on_invalid) == 1;
  const amount = field(obj, CostFields.amount);
  if (cost.header.length > 0 && cost.amount > cost.max && amount !== null) errors.at(amount, "must be <= max");
}

function parseKeyPart(errors: ConfigErrors, obj: JsonValue): KeyPart {
  let source = <i32>num(obj, PartFields.source);
  let name = text(obj, PartFields.name);
  if (source == KeySource.Header) name = asciiLower(name);
  if (source == KEY_COLOUR) { // traffic-colour's header
    source = KeySource.Header;
    name = asciiLower(text(obj, PartFields.header));
  }
  const groups = items(obj, PartFields.groups);
  const cidrGroups: CidrGroup[] = [];
  for (let g = 0; g < groups.length; g++) {
    const group = element(groups, g);
    const ranges = items(group, GroupFields.ranges);
    const parsed: Cidr[] = [];
    for (let i = 0; i < ranges.length; i++) {
      const range = element(ranges, i);
      const cidr = Cidr.parse(range.string);
      if (cidr === null) errors.at(range, "is not a valid CIDR");
      else parsed.push(cidr);
    }
    cidrGroups.push(new CidrGroup(text(group, GroupFields.name), parsed));
  }
  return new KeyPart(source, name, <i32>num(obj, PartFields.trusted_hops), cidrGroups);
}

/** The colour source's index in KeyPart's branches (schema.json): read as the header it names. */
// @ts-ignore: decorator
@inline const KEY_COLOUR = 12;

function parseMatch(errors: ConfigErrors, obj: JsonValue, nested: bool): Match {
  const match = new Match(conditions(items(obj, MatchFields.headers), true), conditions(items(obj, MatchFields.query), false));
  const methods = items(obj, MatchFields.methods);
  for (let i = 0; i < methods.length; i++) match.methods.push(element(methods, i).string);
  const host = field(obj, MatchFields.host);
  if (host !== null) match.host = compileStringMatch(host, true);
  const path = field(obj, MatchFields.path);
  if (path !== null) match.path = compileStringMatch(path);
  const peer = field(obj, MatchFields.peer_id);
  if (peer !== null) match.peerSpiffeId = spiffePatternOf(errors, peer);
  if (nested) {
    subMatches(errors, items(obj, MatchFields.any), match.any);
    subMatches(errors, items(obj, MatchFields.all), match.all);
  }
  return match;
}

/** Adds the matches of `list` (any or all: no nesting further) to `out`. */
function subMatches(errors: ConfigErrors, list: Array<JsonValue | null>, out: Match[]): void {
  for (let i = 0; i < list.length; i++) out.push(parseMatch(errors, element(list, i), false));
}

/** Header (`lower` names) or query parameter conditions. */
function conditions(list: Array<JsonValue | null>, lower: bool): ValueCondition[] {
  const out: ValueCondition[] = [];
  for (let i = 0; i < list.length; i++) out.push(compileValueCondition(element(list, i), lower));
  return out;
}

/** The first request header the rules read (pseudo-headers included), and whether they read
 *  another one too (readsSeveralHeaders). */
let firstHeader: string | null = null;
let severalHeaders = false;

/** Whether the rules read more than one distinct request header. */
function readsSeveralHeaders(config: Config): bool {
  firstHeader = null;
  severalHeaders = false;
  for (let i = 0; i < config.rules.length; i++) {
    const rule = unchecked(config.rules[i]);
    const match = rule.match;
    if (match !== null) matchHeaders(match);
    for (let k = 0; k < rule.key.length; k++) keyHeaders(unchecked(rule.key[k]));
    if (rule.cost.header.length > 0) noteHeader(rule.cost.header);
  }
  return severalHeaders;
}

function noteHeader(name: string): void {
  const first = firstHeader;
  if (first === null) firstHeader = name;
  else if (first != name) severalHeaders = true;
}

function matchHeaders(match: Match): void {
  if (match.methods.length > 0) noteHeader(":method");
  if (match.host !== null) noteHeader(":authority");
  if (match.path !== null || match.query.length > 0) noteHeader(":path");
  for (let i = 0; i < match.headers.length; i++) noteHeader(match.headers[i].name);
  listHeaders(match.any);
  listHeaders(match.all);
}

function listHeaders(matches: Match[]): void {
  for (let i = 0; i < matches.length; i++) matchHeaders(matches[i]);
}

function keyHeaders(part: KeyPart): void {
  const source = part.source;
  if (source == KeySource.Header) noteHeader(part.name);
  else if (source == KeySource.Query || source == KeySource.Path) noteHeader(":path");
  else if (source == KeySource.Cookie) noteHeader("cookie");
  else if (source == KeySource.Method) noteHeader(":method");
  else if (source == KeySource.Host) noteHeader(":authority");
  else if ((source == KeySource.ClientIp || source == KeySource.Cidr) && part.trustedHops > 0) noteHeader("x-forwarded-for");
}
