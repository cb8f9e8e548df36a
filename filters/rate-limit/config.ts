// The rate-limit configuration: parsed and validated once at configure into immutable objects.
// Field reference: README.md; JSON Schema: schema.json (kept in step with this file).
import { asciiLower } from "../shared/bytes";
import { ConfigReader, JsonKind, JsonValue } from "../shared/json";
import { HeaderList } from "../shared/headers";
import { hash64 } from "../shared/hash";
import { MatchKind, StringMatcher } from "../shared/matchers";
import { compileSpiffePattern, SpiffeError, spiffeErrorMessage } from "../shared/spiffe";
import { Limit } from "./bucket";
import { Cidr } from "./ip";
import { CidrGroup, KEY_SOURCES, keyNames, KeyPart, KeySource } from "./key";
import { Match, ValueCondition } from "./match";
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
  cluster: string = "";
  domain: string = "";
  timeoutMs: u32 = 20;
  failureModeDeny: bool = false;
}

export class Rule {
  name: string = "";
  /** null: every request. */
  match: Match | null = null;
  limits: Limit[] = [];
  key: KeyPart[] = [];
  /** Requests missing a key part use one shared bucket (true) or skip the rule (false). */
  missingKeyDefault: bool = false;
  maxKeys: u32 = 1;
  cost: Cost = new Cost();
  shadow: bool = false;
  /** After the local limits allow, ask the rate limit service. */
  global: bool = false;
  /** RLS descriptor entry names: "rule", then one per key part. */
  descriptorNames: string[] = [];
  /** Identifies the rule's buckets: seeds key hashing and names its shared-data keys. */
  fingerprint: u64 = 0;
}

export class Config {
  rules: Rule[] = [];
  headersMode: i32 = HeadersMode.None;
  enforcePercent: i32 = 100;
  failureModeDeny: bool = false;
  rejectStatus: u32 = 429;
  rejectBody: string = "";
  rejectHeaders: HeaderList = new HeaderList();
  shadowHeader: string = "x-sluice-rate-limited";
  rls: RlsConfig | null = null;
  /** The rules read more than one request header: read them all in one host call. */
  readAllHeaders: bool = false;
}

const UNITS: string[] = ["second", "minute", "hour", "day"];
const UNIT_NS: u64[] = [1_000_000_000, 60_000_000_000, 3_600_000_000_000, 86_400_000_000_000];
const MATCH_KINDS: string[] = ["exact", "prefix", "suffix", "glob"];
const MS: u64 = 1_000_000;

function isNameChar(c: i32): bool {
  return (c >= 0x30 && c <= 0x39) || ((c | 0x20) >= 0x61 && (c | 0x20) <= 0x7a) || c == 0x5f || c == 0x2d;
}

/** Parses and checks a configuration; null (with r.failed) when it is invalid. */
export function parseConfig(r: ConfigReader, text: string): Config | null {
  let root = r.parse(text);
  if (r.empty) root = new JsonValue(JsonKind.Object); // an empty configuration has no rules
  r.unknownKeys(root, ["rules", "default_rule", "headers_mode", "enforce_percent", "failure_mode_deny", "reject", "shadow_header", "rls"]);
  const config = new Config();
  const rules = r.requiredArray(root, "rules", 1, 64);
  if (rules !== null) {
    for (let i = 0; i < rules.items.length; i++) {
      const rule = parseRule(r, r.asObject(rules.items[i]), true);
      if (rule === null) break;
      config.rules.push(rule);
    }
  }
  const fallback = r.optionalObject(root, "default_rule");
  if (fallback !== null) {
    const rule = parseRule(r, fallback, false);
    if (rule !== null) config.rules.push(rule);
  }
  config.headersMode = r.optionalEnum(root, "headers_mode", ["none", "draft03", "ietf"], HeadersMode.None);
  config.enforcePercent = <i32>r.optionalInteger(root, "enforce_percent", 100, 0, 100);
  config.failureModeDeny = r.optionalBool(root, "failure_mode_deny", false);
  config.shadowHeader = asciiLower(r.optionalString(root, "shadow_header", config.shadowHeader, 1, 128));
  parseReject(r, r.optionalObject(root, "reject"), config);
  config.rls = parseRls(r, r.optionalObject(root, "rls"));
  if (r.failed) return null;
  checkRules(r, config, rules, fallback);
  if (r.failed) return null;
  config.readAllHeaders = headerNames(config).length > 1;
  return config;
}

function parseRls(r: ConfigReader, obj: JsonValue | null): RlsConfig | null {
  if (obj === null) return null;
  r.unknownKeys(obj, ["cluster", "domain", "timeout", "failure_mode_deny"]);
  const rls = new RlsConfig();
  rls.cluster = r.requiredString(obj, "cluster", 1, 256);
  rls.domain = r.requiredString(obj, "domain", 1, 256);
  rls.timeoutMs = <u32>r.optionalDuration(obj, "timeout", 20, 1, 60_000);
  rls.failureModeDeny = r.optionalBool(obj, "failure_mode_deny", false);
  return rls;
}

function parseReject(r: ConfigReader, reject: JsonValue | null, config: Config): void {
  r.unknownKeys(reject, ["status", "body", "headers"]);
  config.rejectStatus = <u32>r.optionalInteger(reject, "status", 429, 400, 599);
  config.rejectBody = r.optionalString(reject, "body", "", 0, 4096);
  const headers = r.optionalArray(reject, "headers", 0, 16);
  if (headers === null) return;
  for (let i = 0; i < headers.items.length; i++) {
    const header = r.asObject(headers.items[i]);
    r.unknownKeys(header, ["name", "value"]);
    const name = r.requiredString(header, "name", 1, 128);
    const value = r.requiredString(header, "value", 0, 1024);
    config.rejectHeaders.add(asciiLower(name), value);
  }
}

/** Semantic checks across rules: unique names, nothing after a rule that takes every request. */
function checkRules(r: ConfigReader, config: Config, rules: JsonValue | null, fallback: JsonValue | null): void {
  const list = config.rules;
  for (let i = 0; i < list.length; i++) {
    const value = i < rules!.items.length ? rules!.items[i] : fallback!;
    for (let j = 0; j < i; j++) {
      if (list[j].name == list[i].name) { r.fail(value.member("name")!, "duplicate rule name"); return; }
    }
    const global = value.member("global");
    if (list[i].global && config.rls === null && global !== null) {
      r.fail(global, "needs \"rls\" at the top level");
      return;
    }
    if (i > 0 && takesEveryRequest(list[i - 1])) {
      r.fail(value, "is unreachable: " + (i - 1 < rules!.items.length ? "rules[" + decimal(i - 1) + "]" : "default_rule") +
        " applies to every request");
      return;
    }
  }
}

function takesEveryRequest(rule: Rule): bool {
  const match = rule.match;
  const everything = match === null || (match.methods.length == 0 && match.host === null && match.path === null &&
    match.headers.length == 0 && match.query.length == 0 && match.peerSpiffeId === null &&
    match.any.length == 0 && match.all.length == 0);
  return everything && (rule.key.length == 0 || rule.missingKeyDefault);
}

function parseRule(r: ConfigReader, obj: JsonValue | null, withMatch: bool): Rule | null {
  if (obj === null) return null;
  const keys = ["name", "limits", "key", "on_missing_key", "max_keys", "cost", "mode", "global"];
  if (withMatch) keys.push("match");
  r.unknownKeys(obj, keys);
  const rule = new Rule();
  const nameValue = r.member(obj, "name", true);
  rule.name = r.asString(nameValue, "", 1, 64);
  if (!r.failed) {
    for (let i = 0; i < rule.name.length; i++) {
      if (!isNameChar(rule.name.charCodeAt(i))) {
        r.fail(nameValue!, "must contain only letters, digits, \"_\" and \"-\"");
        break;
      }
    }
  }
  if (withMatch) {
    const match = r.optionalObject(obj, "match");
    if (match !== null) rule.match = parseMatch(r, match, true);
  }
  const limits = r.requiredArray(obj, "limits", 1, 4);
  if (limits !== null) {
    for (let i = 0; i < limits.items.length; i++) rule.limits.push(parseLimit(r, r.asObject(limits.items[i])));
  }
  const key = r.optionalArray(obj, "key", 0, 8);
  if (key !== null) {
    for (let i = 0; i < key.items.length; i++) rule.key.push(parseKeyPart(r, r.asObject(key.items[i])));
  }
  rule.missingKeyDefault = r.optionalEnum(obj, "on_missing_key", ["skip", "default"], 0) == 1;
  rule.maxKeys = <u32>r.optionalInteger(obj, "max_keys", 1024, 1, 65536);
  rule.cost = parseCost(r, r.optionalObject(obj, "cost"));
  rule.shadow = r.optionalEnum(obj, "mode", ["enforce", "shadow"], 0) == 1;
  rule.global = r.optionalBool(obj, "global", false);
  rule.descriptorNames = keyNames(rule.key);
  rule.descriptorNames.unshift("rule");
  if (rule.key.length == 0) rule.maxKeys = 1;
  if (r.failed) return null;
  rule.fingerprint = hash64(describeBuckets(rule));
  return rule;
}

/** What decides a rule's bucket contents: equal descriptions may share shared-data keys. */
function describeBuckets(rule: Rule): string {
  let text = rule.name + "|" + decimal(rule.maxKeys) + "|" + (rule.missingKeyDefault ? "d" : "s");
  for (let i = 0; i < rule.limits.length; i++) {
    const limit = rule.limits[i];
    text += "|" + decimal(<i64>limit.maxTokens) + "/" + decimal(<i64>limit.tokensPerFill) + "/" + decimal(<i64>limit.fillNs);
  }
  for (let i = 0; i < rule.key.length; i++) {
    const part = rule.key[i];
    text += "|" + decimal(part.source) + ":" + part.name + ":" + decimal(part.trustedHops);
    for (let g = 0; g < part.groups.length; g++) text += ":" + part.groups[g].name;
  }
  return text;
}

function parseLimit(r: ConfigReader, obj: JsonValue | null): Limit {
  if (obj !== null && obj.member("requests") !== null) {
    r.unknownKeys(obj, ["requests", "per"]);
    const requests = <u64>r.requiredInteger(obj, "requests", 1, 1_000_000_000);
    const unit = r.requiredEnum(obj, "per", UNITS);
    // after an error the fallbacks (0) still build a valid limit: configure code never traps
    return new Limit(max<u64>(requests, 1), max<u64>(requests, 1), UNIT_NS[unit]);
  }
  r.unknownKeys(obj, ["max_tokens", "tokens_per_fill", "fill_interval"]);
  const maxTokens = <u64>r.requiredInteger(obj, "max_tokens", 1, 1_000_000_000);
  const perFill = <u64>r.requiredInteger(obj, "tokens_per_fill", 1, 1_000_000_000);
  const interval = r.requiredDuration(obj, "fill_interval", 50, 86_400_000);
  return new Limit(max<u64>(maxTokens, 1), max<u64>(perFill, 1), max<u64>(interval, 1) * MS);
}

function parseCost(r: ConfigReader, obj: JsonValue | null): Cost {
  const cost = new Cost();
  if (obj === null) return cost;
  if (obj.member("header") === null) {
    r.unknownKeys(obj, ["amount"]);
    cost.amount = <u64>r.requiredInteger(obj, "amount", 0, 1_000_000_000);
    return cost;
  }
  r.unknownKeys(obj, ["header", "max", "default", "on_invalid"]);
  cost.header = asciiLower(r.requiredString(obj, "header", 1, 128));
  cost.max = <u64>r.requiredInteger(obj, "max", 1, 1_000_000_000);
  cost.amount = <u64>r.optionalInteger(obj, "default", 1, 0, 1_000_000_000);
  cost.clamp = r.optionalEnum(obj, "on_invalid", ["reject", "clamp"], 0) == 1;
  const fallback = obj.member("default");
  if (!r.failed && fallback !== null && cost.amount > cost.max) r.fail(fallback, "must be <= max");
  return cost;
}

function parseKeyPart(r: ConfigReader, obj: JsonValue | null): KeyPart {
  const source = obj === null ? 0 : r.requiredEnum(obj, "source", KEY_SOURCES);
  const part = new KeyPart(source);
  if (obj === null || r.failed) return part;
  if (source == KeySource.Header || source == KeySource.Query || source == KeySource.Cookie) {
    r.unknownKeys(obj, ["source", "name"]);
    const name = r.requiredString(obj, "name", 1, 256);
    part.name = source == KeySource.Header ? asciiLower(name) : name;
  } else if (source == KeySource.ClientIp) {
    r.unknownKeys(obj, ["source", "trusted_hops"]);
    part.trustedHops = <i32>r.optionalInteger(obj, "trusted_hops", 0, 0, 16);
  } else if (source == KeySource.Cidr) {
    r.unknownKeys(obj, ["source", "trusted_hops", "groups"]);
    part.trustedHops = <i32>r.optionalInteger(obj, "trusted_hops", 0, 0, 16);
    const groups = r.requiredArray(obj, "groups", 1, 64);
    if (groups !== null) {
      for (let g = 0; g < groups.items.length && !r.failed; g++) part.groups.push(parseCidrGroup(r, r.asObject(groups.items[g])));
    }
  } else {
    r.unknownKeys(obj, ["source"]);
  }
  return part;
}

function parseCidrGroup(r: ConfigReader, obj: JsonValue | null): CidrGroup {
  r.unknownKeys(obj, ["name", "ranges"]);
  const name = r.requiredString(obj, "name", 1, 64);
  const ranges = r.requiredArray(obj, "ranges", 1, 256);
  const parsed: Cidr[] = [];
  if (ranges !== null) {
    for (let i = 0; i < ranges.items.length && !r.failed; i++) {
      const text = r.asString(ranges.items[i]);
      if (r.failed) break;
      const cidr = Cidr.parse(text);
      if (cidr === null) r.fail(ranges.items[i], "is not a valid CIDR");
      else parsed.push(cidr);
    }
  }
  return new CidrGroup(name, parsed);
}

function parseMatch(r: ConfigReader, obj: JsonValue, nested: bool): Match {
  const keys = ["methods", "host", "path", "headers", "query", "peer_spiffe_id"];
  if (nested) { keys.push("any"); keys.push("all"); }
  r.unknownKeys(obj, keys);
  const match = new Match();
  const methods = r.optionalArray(obj, "methods", 1, 16);
  if (methods !== null) {
    for (let i = 0; i < methods.items.length; i++) match.methods.push(r.asString(methods.items[i], "", 1, 32));
  }
  match.host = parseStringMatch(r, r.optionalObject(obj, "host"));
  match.path = parseStringMatch(r, r.optionalObject(obj, "path"));
  match.headers = parseConditions(r, r.optionalArray(obj, "headers", 1, 16), true);
  match.query = parseConditions(r, r.optionalArray(obj, "query", 1, 16), false);
  const spiffeValue = r.member(obj, "peer_spiffe_id", false);
  const spiffe = r.asString(spiffeValue, "", 10, 2048);
  if (spiffeValue !== null && !r.failed) {
    const pattern = compileSpiffePattern(spiffe);
    if (pattern.error != SpiffeError.Ok) r.fail(spiffeValue, spiffeErrorMessage(pattern.error));
    match.peerSpiffeId = pattern;
  }
  if (nested) {
    const any = r.optionalArray(obj, "any", 1, 16);
    if (any !== null) {
      for (let i = 0; i < any.items.length && !r.failed; i++) {
        const sub = r.asObject(any.items[i]);
        if (sub !== null) match.any.push(parseMatch(r, sub, false));
      }
    }
    const all = r.optionalArray(obj, "all", 1, 16);
    if (all !== null) {
      for (let i = 0; i < all.items.length && !r.failed; i++) {
        const sub = r.asObject(all.items[i]);
        if (sub !== null) match.all.push(parseMatch(r, sub, false));
      }
    }
  }
  return match;
}

/** `{"exact"|"prefix"|"suffix"|"glob": text, "ignore_case": bool}` with one kind exactly, or
 *  with none for a `condition` (a header or query parameter that only has to be present). */
function parseStringMatch(r: ConfigReader, obj: JsonValue | null, condition: bool = false): StringMatcher | null {
  if (obj === null) return null;
  const keys = ["exact", "prefix", "suffix", "glob", "ignore_case"];
  if (condition) { keys.push("name"); keys.push("present"); }
  r.unknownKeys(obj, keys);
  let kind = -1;
  let pattern = "";
  for (let k = 0; k < MATCH_KINDS.length; k++) {
    const value = obj.member(MATCH_KINDS[k]);
    if (value === null) continue;
    if (kind >= 0) { r.fail(value, "cannot be combined with \"" + MATCH_KINDS[kind] + "\""); return null; }
    kind = k;
    pattern = r.asString(value, "", 0, 1024);
  }
  const ignoreCase = r.optionalBool(obj, "ignore_case", false);
  if (kind < 0) {
    if (!condition || ignoreCase) r.fail(obj, "needs one of \"exact\", \"prefix\", \"suffix\", \"glob\"");
    return null;
  }
  if (r.failed) return null;
  const kinds = [MatchKind.Exact, MatchKind.Prefix, MatchKind.Suffix, MatchKind.Glob];
  return new StringMatcher(kinds[kind], pattern, ignoreCase);
}

/** Header (`lower` names) or query parameter conditions. */
function parseConditions(r: ConfigReader, list: JsonValue | null, lower: bool): ValueCondition[] {
  const out: ValueCondition[] = [];
  if (list === null) return out;
  for (let i = 0; i < list.items.length && !r.failed; i++) {
    const obj = r.asObject(list.items[i]);
    if (obj === null) break;
    const name = r.requiredString(obj, "name", 1, 256);
    const present = r.optionalBool(obj, "present", true);
    const value = parseStringMatch(r, obj, true);
    if (!present && value !== null) r.fail(obj, "is unsatisfiable: \"present\": false with a value to match");
    out.push(new ValueCondition(lower ? asciiLower(name) : name, present, value));
  }
  return out;
}

/** The distinct request headers the rules read (pseudo-headers included). */
export function headerNames(config: Config): string[] {
  const names: string[] = [];
  for (let i = 0; i < config.rules.length; i++) {
    const rule = config.rules[i];
    if (rule.match !== null) matchHeaders(rule.match!, names);
    for (let k = 0; k < rule.key.length; k++) keyHeaders(rule.key[k], names);
    if (rule.cost.header.length > 0) addName(names, rule.cost.header);
  }
  return names;
}

function addName(names: string[], name: string): void {
  if (!names.includes(name)) names.push(name);
}

function matchHeaders(match: Match, names: string[]): void {
  if (match.methods.length > 0) addName(names, ":method");
  if (match.host !== null) addName(names, ":authority");
  if (match.path !== null || match.query.length > 0) addName(names, ":path");
  for (let i = 0; i < match.headers.length; i++) addName(names, match.headers[i].name);
  for (let i = 0; i < match.any.length; i++) matchHeaders(match.any[i], names);
  for (let i = 0; i < match.all.length; i++) matchHeaders(match.all[i], names);
}

function keyHeaders(part: KeyPart, names: string[]): void {
  const source = part.source;
  if (source == KeySource.Header) addName(names, part.name);
  else if (source == KeySource.Query || source == KeySource.Path) addName(names, ":path");
  else if (source == KeySource.Cookie) addName(names, "cookie");
  else if (source == KeySource.Method) addName(names, ":method");
  else if (source == KeySource.Host) addName(names, ":authority");
  else if ((source == KeySource.ClientIp || source == KeySource.Cidr) && part.trustedHops > 0) addName(names, "x-forwarded-for");
}
