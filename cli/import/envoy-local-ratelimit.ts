// envoy-local-ratelimit: Envoy's HTTP local rate limit (extensions.filters.http.local_ratelimit.v3
// LocalRateLimit) → rate-limit rules.
//
// Envoy (local_rate_limit_filter docs, LocalRateLimit and TokenBucket protos): a token bucket
// holds at most max_tokens, starts full, and gets tokens_per_fill (default 1) each fill_interval
// (at least 50ms); filter_enabled and filter_enforced are fractions of requests (0% when absent:
// the filter then does nothing); a request without a token gets 429 (`status`), body
// "local_rate_limited" and response_headers_to_add (gRPC: UNAVAILABLE, RESOURCE_EXHAUSTED with
// rate_limited_as_resource_exhausted); when enabled but not enforced it continues. Envoy 1.31+
// refills the bucket continuously (AtomicTokenBucket; Envoy 1.40 checked). Descriptors: the route's rate limit actions build the request's
// descriptor (entries in action order; an action that cannot produce its entry drops the
// descriptor, unless skip_if_absent); a local descriptor whose entries equal it has its own
// bucket, and the default bucket is consumed as well unless always_consume_default_token_bucket
// is false. A route's per-filter config replaces the filter's for the requests of that route.
import type { Imported } from "./emit.js";
import { headerMatch, mayOverlap, routeMatch, type Condition } from "./envoy-match.js";
import type { Kind } from "./kind.js";
import { count, type Report } from "./report.js";
import { nameFrom } from "./resource.js";
import type { Value } from "./source.js";

const TYPE = "envoy.extensions.filters.http.local_ratelimit.v3.LocalRateLimit";
const FILTER_NAME = "envoy.filters.http.local_ratelimit";
const KNOWN = ["@type", "stat_prefix", "status", "token_bucket", "filter_enabled", "filter_enforced",
  "request_headers_to_add_when_not_enforced", "response_headers_to_add", "descriptors", "stage",
  "local_rate_limit_per_downstream_connection", "enable_x_ratelimit_headers", "vh_rate_limits",
  "always_consume_default_token_bucket", "rate_limited_as_resource_exhausted", "rate_limits", "max_dynamic_descriptors",
  "local_cluster_rate_limit"];
const DENOMINATORS: Record<string, number> = { HUNDRED: 100, TEN_THOUSAND: 10_000, MILLION: 1_000_000 };

/** A LocalRateLimit config and the requests it covers. */
interface Scope {
  config: Value;
  /** The route's match conditions (none: every request the earlier scopes leave). */
  match?: Condition;
  /** The rate limit actions that build the request's descriptor. */
  actions?: Value;
  what: string;
}

const isLocalRateLimit = (v: Value | undefined): boolean =>
  v !== undefined && v.isMap && ((v.get("@type")?.str() ?? "").endsWith(TYPE) || (v.get("@type") === undefined && v.get("stat_prefix") !== undefined));

/** Every LocalRateLimit of the documents: filter level (typed config, HTTP filter entry, or
 *  found under http_filters) and per route (typed_per_filter_config of the routes found). */
function scopes(docs: Value[], report: Report): { filter?: Value; routes: { route: Value; config?: Value }[] } {
  let filter: Value | undefined;
  const routes: { route: Value; config?: Value }[] = [];
  let filterName = FILTER_NAME;
  const visit = (v: Value): void => {
    if (isLocalRateLimit(v)) {
      filter = v;
      return;
    }
    if (v.isList) return v.items().forEach(visit);
    if (!v.isMap) return;
    if (isLocalRateLimit(v.get("typed_config"))) {
      filter = v.get("typed_config");
      filterName = v.get("name")?.str() ?? FILTER_NAME;
      return;
    }
    const hosts = v.get("virtual_hosts")?.items() ?? (v.get("routes") && v.get("domains") ? [v] : []);
    const withRoutes = hosts.filter((h) => (h.get("routes")?.items() ?? []).length > 0);
    if (withRoutes.length > 1) report.refuse(withRoutes[1]!, "a second virtual host", "rate-limit rules do not say which host a route belongs to: import one virtual host at a time");
    for (const host of hosts) {
      const own = host.get("typed_per_filter_config")?.get(filterName);
      if (own) report.refuse(own, `virtual host ${host.get("name")?.shown ?? ""}: a per-filter local rate limit`, "import the routes with their own configs instead");
      if (host.get("rate_limits")) report.refuse(host.get("rate_limits")!, `virtual host ${host.get("name")?.shown ?? ""}: rate_limits`, "virtual-host rate limit actions are not imported (put them on the routes)");
    }
    const routeList = hosts.length > 0 ? hosts.flatMap((h) => h.get("routes")?.items() ?? []) : v.get("routes")?.items() ?? [];
    for (const route of routeList) routes.push({ route, config: route.get("typed_per_filter_config")?.get(filterName) });
    for (const { key } of v.keys()) if (key !== "virtual_hosts" && key !== "routes") visit(v.get(key)!);
  };
  docs.forEach(visit);
  return filter ? { filter, routes } : { routes };
}

/** A FractionalPercent / RuntimeFractionalPercent as a percentage (absent: 0). */
function percent(v: Value | undefined, what: string, notes: string[], report: Report): number | undefined {
  if (v === undefined) return 0;
  const value = v.get("default_value") ?? v;
  const numerator = value.get("numerator")?.num() ?? 0;
  const denominator = DENOMINATORS[value.get("denominator")?.str() ?? "HUNDRED"];
  if (denominator === undefined) {
    report.refuse(value, `${what}: denominator ${value.get("denominator")!.shown}`, "Envoy takes HUNDRED, TEN_THOUSAND or MILLION");
    return undefined;
  }
  const key = v.get("runtime_key")?.str();
  const share = Math.min(100, (numerator * 100) / denominator);
  if (key) notes.push(`${what}: ${share}% (runtime key ${key} is not read: its default_value is used)`);
  return share;
}

const gcd = (a: number, b: number): number => (b === 0 ? a : gcd(b, a % b));

/** A TokenBucket as a Limit, or undefined (reported). Envoy 1.31+ (AtomicTokenBucket, checked
 *  with Envoy 1.40) refills continuously, tokens_per_fill / fill_interval; rate-limit adds tokens
 *  in steps at whole intervals after the bucket's first request, so the limit written (with
 *  --lossy) has the finest step of whole milliseconds, at least 50ms, that adds whole tokens. */
function limit(bucket: Value, what: string, report: Report, notes: string[]): Record<string, unknown> | undefined {
  const max = bucket.get("max_tokens")?.num();
  const fill = bucket.get("tokens_per_fill")?.num() ?? 1;
  const intervalValue = bucket.get("fill_interval");
  const interval = intervalMs(intervalValue);
  if (max === undefined || !Number.isInteger(max) || max < 1 || !Number.isInteger(fill) || fill < 1) {
    report.refuse(bucket, `${what}: token_bucket`, "max_tokens and tokens_per_fill must be whole numbers > 0");
    return undefined;
  }
  if (interval === undefined || interval < 50 || interval > 86_400_000) {
    report.refuse(intervalValue ?? bucket, `${what}: fill_interval ${intervalValue?.shown ?? "missing"}`, "a whole number of ms from 50ms (Envoy's minimum) to 1d");
    return undefined;
  }
  const base = interval / gcd(fill, interval);
  const step = base * Math.ceil(50 / base);
  const requests = (step * fill) / interval;
  const per = step % 1000 === 0 ? `${step / 1000}s` : `${step}ms`;
  const written = `${requests} per ${per}${requests === max ? "" : `, burst ${max}`}`;
  const described = `token_bucket max_tokens ${max}, tokens_per_fill ${fill}, fill_interval ${intervalValue!.str() ?? `${interval}ms`}`;
  if (!report.approximate(bucket, `${what}: ${described}`,
    `Envoy (1.31+) refills continuously, ${fill === 1 ? "a token" : `${fill} tokens`} per ${interval}ms spread evenly; rate-limit adds them in steps at whole intervals after the bucket's first request, so a step can come earlier or later than Envoy's token`,
    `${written} (the finest step of at least 50ms)`, notes)) return undefined;
  return requests === max ? { requests, per } : { requests, per, burst: max };
}

/** A protobuf Duration ("1s", "0.5s", {seconds, nanos}) in whole ms, or undefined. */
function intervalMs(v: Value | undefined): number | undefined {
  if (v === undefined) return undefined;
  const text = v.str();
  if (text !== undefined) {
    const m = /^(\d+(?:\.\d+)?)s$/.exec(text);
    const ms = m ? Number(m[1]) * 1000 : NaN;
    return Number.isInteger(Math.round(ms * 1e6) / 1e6) ? Math.round(ms) : undefined;
  }
  const ns = (v.get("seconds")?.num() ?? 0) * 1e9 + (v.get("nanos")?.num() ?? 0);
  return ns % 1e6 === 0 ? ns / 1e6 : undefined;
}

/** What one rate limit action contributes to the request's descriptor. */
interface Action {
  key: string;
  /** skip_if_absent: the entry may be left out (when its header or parameter is absent). */
  absent?: { headers?: Condition[]; query?: Condition[] };
  /** The conditions (and key part) under which it yields `value`; undefined: it never does. */
  yields(value: string): { headers?: Condition[]; query?: Condition[]; key?: Condition[] } | undefined;
}

function actionOf(a: Value, what: string, report: Report): Action | undefined {
  const kinds = a.keys().map((k) => k.key);
  const kind = kinds[0];
  const v = kind ? a.get(kind)! : a;
  switch (kind) {
    case "request_headers": {
      const name = v.get("header_name")?.str() ?? "";
      const key = v.get("descriptor_key")?.str() ?? "";
      return {
        key, ...(v.get("skip_if_absent")?.bool() ? { absent: { headers: [{ name, present: false }] } } : {}),
        yields: (value) => (value === "" ? { key: [{ source: "header", name }] } : { headers: [{ name, exact: value }] }),
      };
    }
    case "query_parameters": {
      const name = v.get("query_parameter_name")?.str() ?? "";
      const key = v.get("descriptor_key")?.str() ?? "";
      return {
        key, ...(v.get("skip_if_absent")?.bool() ? { absent: { query: [{ name, present: false }] } } : {}),
        yields: (value) => (value === "" ? { key: [{ source: "query", name }] } : /[%+]/.test(value) ? undefined : { query: [{ name, exact: value }] }),
      };
    }
    case "generic_key": {
      const fixed = v.get("descriptor_value")?.str() ?? "";
      return { key: v.get("descriptor_key")?.str() ?? "generic_key", yields: (value) => (value === "" || value === fixed ? {} : undefined) };
    }
    case "header_value_match": {
      if (v.get("expect_match")?.bool() === false) {
        report.refuse(v, `${what}: header_value_match with expect_match false`, "rate-limit has no negated header condition");
        return undefined;
      }
      const headers = (v.get("headers")?.items() ?? []).map((h) => headerMatch(h, what, report));
      if (headers.some((h) => h === undefined)) return undefined;
      const fixed = v.get("descriptor_value")?.str() ?? "";
      return { key: v.get("descriptor_key")?.str() ?? "header_match", yields: (value) => (value === "" || value === fixed ? { headers: headers as Condition[] } : undefined) };
    }
    case "remote_address":
      return {
        key: "remote_address",
        yields: (value) => {
          if (value === "") return { key: [{ source: "client_ip" }] };
          const bits = value.includes(":") ? 128 : 32;
          return { key: [{ source: "cidr", groups: [{ name: "address", ranges: [`${value}/${bits}`] }] }] };
        },
      };
    default:
      report.refuse(kind ? a.keys()[0]!.at : a, `${what}: rate limit action ${kind ?? "{}"}`, "only request_headers, query_parameters, generic_key, header_value_match and remote_address are imported");
      return undefined;
  }
}

/** The conditions under which the request's descriptor equals `entries`, or a reason it never does. */
function descriptorConditions(actions: Action[], entries: { key: string; value: string }[]): { headers: Condition[]; query: Condition[]; key: Condition[] } | string {
  const out = { headers: [] as Condition[], query: [] as Condition[], key: [] as Condition[] };
  let j = 0;
  for (const action of actions) {
    const entry = entries[j];
    if (entry && entry.key === action.key) {
      const got = action.yields(entry.value);
      if (got === undefined) return `the ${action.key} action never yields ${JSON.stringify(entry.value)}`;
      out.headers.push(...(got.headers ?? []));
      out.query.push(...(got.query ?? []));
      out.key.push(...(got.key ?? []));
      j++;
    } else if (action.absent) {
      out.headers.push(...(action.absent.headers ?? []));
      out.query.push(...(action.absent.query ?? []));
    } else return `the request's descriptor always has ${action.key} ${entry ? `where this one has ${entry.key}` : "after these entries"}`;
  }
  if (j < entries.length) return `no action yields ${entries[j]!.key}`;
  return out;
}

interface Reply {
  status?: number;
  headers: { name: string; value: string }[];
  grpc: number;
  at: Value;
}

export const envoyLocalRatelimit: Kind = {
  name: "envoy-local-ratelimit",
  summary: "Envoy local_ratelimit (typed config, HTTP filter, or routes with typed_per_filter_config) → rate-limit",
  filter: "rate-limit",
  read(docs, report): Imported {
    const found = scopes(docs, report);
    const list: Scope[] = [];
    const unconfigured: { match: Condition; at: Value }[] = [];
    found.routes.forEach(({ route, config }, i) => {
      const name = route.get("name")?.str();
      const what = name !== undefined ? `route "${name}"` : `route ${i + 1}`;
      const match = route.get("match") ? routeMatch(route.get("match")!, what, report) : {};
      if (match === undefined) return;
      if (!config) {
        unconfigured.push({ match, at: route });
        return;
      }
      const earlier = unconfigured.find((u) => mayOverlap(u.match, match));
      if (earlier) {
        report.refuse(earlier.at, `route ${earlier.at.get("name")?.str() ?? "(unnamed)"} without a local rate limit before ${what}`,
          "Envoy sends some of that route's requests there; rate-limit has no rule that exempts requests");
      }
      list.push({ config, match, actions: config.get("rate_limits") ?? route.get("route")?.get("rate_limits"), what });
    });
    if (found.filter) list.push({ config: found.filter, actions: found.filter.get("rate_limits"), what: `LocalRateLimit ${found.filter.get("stat_prefix")?.str() ?? ""}`.trim() });
    if (list.length === 0) report.refuse(docs[0]!, "no LocalRateLimit", `expected its typed config (@type ${TYPE}), an HTTP filter with it, or routes with typed_per_filter_config`);

    const rules: Record<string, unknown>[] = [];
    const comments = new Map<object, string[]>();
    const header: string[] = [];
    const taken = new Set<string>();
    let reply: Reply | undefined;
    let enforcePercent: number | undefined;
    let headersMode: string | undefined;
    for (const scope of list) {
      const c = scope.config;
      const what = scope.what;
      report.unknownKeys(c, KNOWN, [], what);
      const notes: string[] = [`${c.at}: ${what}`];
      for (const [key, why] of [["local_rate_limit_per_downstream_connection", "buckets per downstream connection: rate-limit's buckets are per Envoy process"],
        ["local_cluster_rate_limit", "sharing the limit across the cluster's Envoys: rate-limit's local buckets are per process (use global rules)"],
        ["vh_rate_limits", "virtual-host rate limit actions are not imported"]] as const) {
        const v = c.get(key);
        if (v && v.js !== false && v.js !== "OVERRIDE") report.refuse(v, `${what}: ${key}`, why);
      }
      if ((c.get("stage")?.num() ?? 0) !== 0) report.refuse(c.get("stage")!, `${what}: stage ${c.get("stage")!.shown}`, "only stage 0 actions are imported");
      const enabled = percent(c.get("filter_enabled"), `${what}: filter_enabled`, notes, report);
      const enforced = percent(c.get("filter_enforced"), `${what}: filter_enforced`, notes, report);
      if (enabled === undefined || enforced === undefined) continue;
      if (enabled === 0) {
        const at = c.get("filter_enabled") ?? c;
        if (scope.match) report.refuse(at, `${what}: filter_enabled 0%${c.get("filter_enabled") ? "" : " (absent: Envoy's default)"}`, "this route is not rate limited, and rate-limit has no rule that exempts requests from later rules");
        else header.push(`${c.at}: ${what} is not applied: filter_enabled is 0%${c.get("filter_enabled") ? "" : " (absent: Envoy's default)"}.`);
        continue;
      }
      // a refused construct stops the import; the rest is still read so that every one is reported
      if (enabled < 100) report.refuse(c.get("filter_enabled")!, `${what}: filter_enabled ${enabled}%`, "Envoy checks a random share of requests; rate-limit checks every request its rules take");
      let mode: string | undefined;
      if (enforced === 0) {
        mode = "shadow";
        notes.push(`mode shadow: filter_enforced is 0%${c.get("filter_enforced") ? "" : " (absent: Envoy's default)"}, so limited requests continue`);
        const added = c.get("request_headers_to_add_when_not_enforced");
        if (added) {
          report.approximate(added, `${what}: request_headers_to_add_when_not_enforced`, "rate-limit adds one shadow header whose value is the rule's name",
            "the shadow header x-sluice-rate-limited: <rule>", notes);
        } else notes.push("rate-limit adds x-sluice-rate-limited: <rule> to shadow-limited requests");
      } else if (enforced < 100) {
        if (!Number.isInteger(enforced)) report.refuse(c.get("filter_enforced")!, `${what}: filter_enforced ${enforced}%`, "enforce_percent is a whole percentage");
        else if (enforcePercent !== undefined && enforcePercent !== enforced) report.refuse(c.get("filter_enforced")!, `${what}: filter_enforced ${enforced}%`, `another config enforces ${enforcePercent}%; rate-limit's enforce_percent applies to every rule`);
        else if (report.approximate(c.get("filter_enforced")!, `${what}: filter_enforced ${enforced}%`, "Envoy enforces a random share of limited requests; rate-limit rejects exactly that share of them, per worker",
          `enforce_percent ${enforced}`, notes)) enforcePercent = enforced;
      }
      // the reply: one for every rule
      const status = c.get("status")?.get("code");
      const statusCode = status?.num();
      if (status !== undefined && (statusCode === undefined || statusCode < 400 || statusCode > 599)) {
        report.refuse(status, `${what}: status ${status.shown}`, "write the status as a number from 400 to 599 (a local reply's status)");
      }
      const headers: { name: string; value: string }[] = [];
      for (const h of c.get("response_headers_to_add")?.items() ?? []) {
        const hv = h.get("header");
        headers.push({ name: (hv?.get("key")?.str() ?? "").toLowerCase(), value: hv?.get("value")?.str() ?? "" });
      }
      const here: Reply = { headers, grpc: c.get("rate_limited_as_resource_exhausted")?.bool() ? 8 : 14, at: c, ...(statusCode !== undefined && statusCode !== 429 ? { status: statusCode } : {}) };
      if (reply === undefined) reply = here;
      else if (JSON.stringify({ ...reply, at: 0 }) !== JSON.stringify({ ...here, at: 0 })) {
        report.refuse(c, `${what}: status or response_headers_to_add`, `they differ from ${reply.at.at}: rate-limit has one reply for every rule`);
      }
      const xHeaders = c.get("enable_x_ratelimit_headers")?.str();
      if (xHeaders === "DRAFT_VERSION_03") {
        if (report.approximate(c.get("enable_x_ratelimit_headers")!, `${what}: enable_x_ratelimit_headers DRAFT_VERSION_03`,
          "rate-limit computes x-ratelimit-limit/remaining/reset from its own bucket (cli/README.md, filters/rate-limit/README.md)", "headers_mode draft03", notes)) headersMode = "draft03";
      }

      const baseName = nameFrom(c.get("stat_prefix")?.str() ?? "local-rate-limit", taken, "local-rate-limit");
      const common: Record<string, unknown> = {};
      if (mode) common.mode = mode;
      const bucket = c.get("token_bucket");
      const defaultLimit = bucket ? limit(bucket, what, report, notes) : undefined;
      const descriptors = c.get("descriptors")?.items() ?? [];
      const consumeDefault = c.get("always_consume_default_token_bucket")?.bool() ?? true;
      if (descriptors.length > 0) {
        const rateLimits = scope.actions?.items() ?? [];
        if (rateLimits.length !== 1) {
          report.refuse(scope.actions ?? c.get("descriptors")!, `${what}: descriptors with ${rateLimits.length} rate_limits entries`,
            rateLimits.length === 0 ? "the route's rate limit actions build the request's descriptor: import the route (or give rate_limits) with them"
              : "several descriptors per request draw from several buckets one after the other; a rate-limit request takes one rule");
          continue;
        }
        const actions = (rateLimits[0]!.get("actions")?.items() ?? []).map((a) => actionOf(a, what, report));
        if (actions.some((a) => a === undefined)) continue;
        descriptors.forEach((d, k) => {
          const entries = (d.get("entries")?.items() ?? []).map((e) => ({ key: e.get("key")?.str() ?? "", value: e.get("value")?.str() ?? "" }));
          const shown = entries.map((e) => `${e.key}=${e.value === "" ? "*" : e.value}`).join(", ");
          const dWhat = `${what}: descriptor [${shown}]`;
          const conds = descriptorConditions(actions as Action[], entries);
          if (typeof conds === "string") {
            header.push(`${d.at}: ${dWhat} never matches in Envoy (${conds}): nothing is written for it.`);
            return;
          }
          const dNotes = [`${d.at}: ${dWhat}`];
          const dLimit = d.get("token_bucket") ? limit(d.get("token_bucket")!, dWhat, report, dNotes) : undefined;
          if (!dLimit) {
            if (!d.get("token_bucket")) report.refuse(d, `${dWhat}: no token_bucket`, "Envoy requires one");
            return;
          }
          const rule: Record<string, unknown> = { name: nameFrom(`${baseName}-${k + 1}`, taken, "descriptor") };
          const match: Condition = { ...(scope.match ?? {}) };
          if (conds.headers.length > 0) match.headers = [...((match.headers as Condition[]) ?? []), ...conds.headers];
          if (conds.query.length > 0) match.query = [...((match.query as Condition[]) ?? []), ...conds.query];
          if (Object.keys(match).length > 0) rule.match = match;
          if (conds.key.length > 0) {
            rule.key = conds.key;
            if (entries.some((e) => e.value === "")) {
              const maxKeys = c.get("max_dynamic_descriptors")?.num() ?? 20;
              if (report.approximate(d, `${dWhat}: a bucket per value`, `Envoy keeps the ${maxKeys} most recently used values and starts a new full bucket for another; rate-limit's ${maxKeys} slots make colliding values share a bucket (stricter)`,
                `a keyed rule with max_keys ${maxKeys}`, dNotes)) rule.max_keys = maxKeys;
            }
          }
          rule.limits = [dLimit];
          if (defaultLimit && consumeDefault) {
            if (report.approximate(c.get("always_consume_default_token_bucket") ?? c.get("token_bucket")!, `${dWhat}: the default token bucket is consumed too (always_consume_default_token_bucket)`,
              "rate-limit's buckets belong to one rule, so this rule cannot draw from the bucket the other requests share", "a second limit of the default size on this rule's own bucket", dNotes)) {
              (rule.limits as unknown[]).push({ ...defaultLimit });
            }
          }
          Object.assign(rule, common);
          rules.push(rule);
          comments.set(rule, [...dNotes]);
        });
      }
      if (defaultLimit) {
        const rule: Record<string, unknown> = { name: baseName };
        if (scope.match && Object.keys(scope.match).length > 0) rule.match = scope.match;
        rule.limits = [defaultLimit];
        Object.assign(rule, common);
        rules.push(rule);
        comments.set(rule, notes);
      }
    }
    const config: Record<string, unknown> = { rules };
    if (headersMode) config.headers_mode = headersMode;
    if (enforcePercent !== undefined) config.enforce_percent = enforcePercent;
    if (reply) {
      config.reply = { ...(reply.status !== undefined ? { status: reply.status } : {}), body: "local_rate_limited",
        ...(reply.headers.length > 0 ? { headers: reply.headers } : {}), grpc_status: reply.grpc };
    }
    if (rules.length === 0 && report.errors.length === 0) report.refuse(docs[0]!, "nothing to import", "no LocalRateLimit here is applied");
    header.unshift("From Envoy local_ratelimit. A bucket starts full (burst = max_tokens). The reply is Envoy's (checked with Envoy 1.40): " +
      "429 or status, body local_rate_limited, response_headers_to_add, gRPC status 14 (8 with rate_limited_as_resource_exhausted); " +
      "rate-limit also sends retry-after.");
    return { filter: "rate-limit", config, comments, header, summary: count(rules.length, "rule") };
  },
};
