// sentinel-flow: Sentinel FlowRule and ParamFlowRule JSON → rate-limit rules.
//
// Sentinel (Flow Control and Parameter Flow Control wikis, FlowRuleUtil, DefaultController,
// RateLimiterController, ParamFlowChecker): a QPS FlowRule (grade 1) rejects a request when the
// requests passed in the last second (a sliding window of two 500 ms buckets) plus this one are
// more than count; controlBehavior 1 warms the limit up over warmUpPeriodSec, 2 spaces requests
// 1000 / count ms apart and queues up to maxQueueingTimeMs; limitApp names callers by the origin
// the application parses; strategy 1/2 and thread grade (0) have no request-level equivalent. A
// ParamFlowRule keeps a token bucket per value of the method's argument paramIdx: count +
// burstCount tokens, refilled in proportion to the time passed once more than durationInSec has
// passed; paramFlowItemList gives single values a count of their own.
import type { Imported } from "./emit.js";
import type { ImportOptions, Kind } from "./kind.js";
import { count, type Report } from "./report.js";
import { nameFrom, rateLimitMatch, requestsOf, type RequestSet } from "./resource.js";
import { DASHBOARD_FIELDS, numberField, resourceOf, ruleObjects } from "./sentinel.js";
import type { Value } from "./source.js";
import { duration } from "./units.js";

const FLOW_FIELDS = ["resource", "limitApp", "grade", "count", "strategy", "refResource", "controlBehavior", "warmUpPeriodSec",
  "maxQueueingTimeMs", "clusterMode", "clusterConfig"];
const PARAM_FIELDS = ["resource", "limitApp", "grade", "paramIdx", "count", "controlBehavior", "maxQueueingTimeMs", "burstCount",
  "durationInSec", "paramFlowItemList", "clusterMode", "clusterConfig"];
const KEY_SOURCES = ["header", "query", "cookie", "path", "method", "host", "client_ip", "peer_id", "peer_trust_domain",
  "peer_namespace", "peer_service_account"];

interface Rule {
  rule: Record<string, unknown>;
  notes: string[];
  resource: string;
  param: boolean;
}

/** Checks shared by both rule kinds: QPS grade, limitApp, cluster mode. */
function checkCommon(rule: Value, what: string, report: Report): boolean {
  let ok = true;
  const grade = numberField(rule, "grade", 1, what, report, (g) => g === 0 || g === 1, "0 (threads) or 1 (QPS)");
  if (grade === 0) {
    report.refuse(rule.get("grade")!, `${what}: grade 0 (concurrent threads)`, "rate-limit limits requests per time, not calls in flight");
    ok = false;
  }
  const app = rule.get("limitApp");
  if (app && app.str() !== "default") {
    report.refuse(app, `${what}: limitApp ${app.shown}`, "the caller's origin is what the application's RequestOriginParser says; only \"default\" (every caller) is imported");
    ok = false;
  }
  if (rule.get("clusterMode")?.bool() === true) {
    report.refuse(rule.get("clusterMode")!, `${what}: clusterMode true`, "Sentinel's token server has no equivalent here (rate-limit's global rules use Envoy's rate limit service)");
    ok = false;
  }
  return ok && grade !== undefined;
}

function flowRule(rule: Value, resource: string, requests: RequestSet | undefined, report: Report, notes: string[]): Record<string, unknown> | undefined {
  const what = `FlowRule "${resource}"`;
  report.unknownKeys(rule, FLOW_FIELDS, DASHBOARD_FIELDS, what);
  if (!checkCommon(rule, what, report)) return undefined;
  const qps = numberField(rule, "count", undefined, what, report, (c) => c >= 0, ">= 0");
  const strategy = numberField(rule, "strategy", 0, what, report, (s) => [0, 1, 2].includes(s), "0, 1 or 2");
  const behaviour = numberField(rule, "controlBehavior", 0, what, report, (b) => [0, 1, 2, 3].includes(b), "0 to 3");
  if (qps === undefined || strategy === undefined || behaviour === undefined) return undefined;
  if (strategy !== 0) {
    report.refuse(rule.get("strategy")!, `${what}: strategy ${strategy} (${strategy === 1 ? "relate" : "chain"})`, "limits by another resource or call chain inside the application; the proxy sees requests only");
    return undefined;
  }
  const perSecond = Math.floor(qps);
  if (perSecond < 1) {
    report.refuse(rule.get("count")!, `${what}: count ${qps}`, "Sentinel then rejects every request, and a rate-limit limit lets at least one through");
    return undefined;
  }
  if (perSecond !== qps) notes.push(`count ${qps}: Sentinel lets ${perSecond} a second through (a request passes while passed + 1 <= count)`);
  const out: Record<string, unknown> = {};
  const match = rateLimitMatch(requests);
  if (match) out.match = match;
  const at = rule.get("count")!;
  if (behaviour === 3) {
    report.refuse(rule.get("controlBehavior")!, `${what}: controlBehavior 3 (warm up + queueing)`, "rate-limit neither warms up nor queues");
    return undefined;
  }
  if (behaviour === 2) {
    const spacing = 1000 / qps;
    if (!Number.isInteger(spacing) || spacing < 50) {
      report.refuse(rule.get("controlBehavior")!, `${what}: controlBehavior 2 at ${qps} QPS`, "one request every 1000 / count ms needs a whole interval of at least 50ms (count 20 or less, dividing 1000)");
      return undefined;
    }
    if (!report.approximate(rule.get("controlBehavior")!, `${what}: controlBehavior 2 (queueing, maxQueueingTimeMs ${rule.get("maxQueueingTimeMs")?.num() ?? 500})`,
      "Sentinel delays a request until its turn (up to maxQueueingTimeMs); rate-limit does not delay, and its spacing starts at whole intervals after the bucket's first request",
      `one request per ${spacing}ms, the others rejected`, notes)) return undefined;
    out.limits = [{ requests: 1, per: `${spacing}ms`, burst: 1 }];
    return out;
  }
  if (behaviour === 1 && !report.approximate(rule.get("controlBehavior")!, `${what}: controlBehavior 1 (warm up over ${rule.get("warmUpPeriodSec")?.num() ?? 10} s)`,
    "rate-limit has no warm-up", `the full rate from the start`, notes)) return undefined;
  if (!report.approximate(at, `${what}: ${perSecond} QPS`,
    "Sentinel counts passed requests in a sliding 1 s window of two 500 ms buckets; a token bucket gets its tokens at each whole second after its first request, so other requests pass around a refill",
    `${perSecond} requests per 1s`, notes)) return undefined;
  out.limits = [{ requests: perSecond, per: "1s" }];
  return out;
}

/** `--param` text (header:NAME, client_ip, ...) as a KeySource. */
function keyOf(text: string): Record<string, unknown> | undefined {
  const [source, name] = text.split(/:(.*)/s) as [string, string | undefined];
  if (!KEY_SOURCES.includes(source)) return undefined;
  const named = source === "header" || source === "query" || source === "cookie";
  if (named !== (name !== undefined && name !== "")) return undefined;
  return named ? { source, name } : { source };
}

type Made = { rule: Record<string, unknown>; notes: string[] };

function paramRule(rule: Value, resource: string, requests: RequestSet | undefined, report: Report, notes: string[], options: ImportOptions, taken: Set<string>): Made[] | undefined {
  const what = `ParamFlowRule "${resource}"`;
  report.unknownKeys(rule, PARAM_FIELDS, DASHBOARD_FIELDS, what);
  if (!checkCommon(rule, what, report)) return undefined;
  const index = numberField(rule, "paramIdx", undefined, what, report, (i) => Number.isInteger(i) && i >= 0, "a whole number >= 0");
  const qps = numberField(rule, "count", undefined, what, report, (c) => c >= 0, ">= 0");
  const burst = numberField(rule, "burstCount", 0, what, report, (b) => Number.isInteger(b) && b >= 0, "a whole number >= 0");
  const seconds = numberField(rule, "durationInSec", 1, what, report, (d) => Number.isInteger(d) && d > 0 && d <= 86_400, "whole seconds from 1 to 86400");
  const behaviour = numberField(rule, "controlBehavior", 0, what, report, (b) => b === 0 || b === 2, "0 or 2");
  if (index === undefined || qps === undefined || burst === undefined || seconds === undefined || behaviour === undefined) return undefined;
  if (behaviour === 2) {
    report.refuse(rule.get("controlBehavior")!, `${what}: controlBehavior 2 (queueing per value)`, "rate-limit does not delay requests");
    return undefined;
  }
  const given = options.params.get(index);
  const key = given === undefined ? undefined : keyOf(given);
  if (key === undefined) {
    report.refuse(rule.get("paramIdx")!, `${what}: paramIdx ${index}`, given === undefined
      ? `argument ${index} of the application's method: which request value is it? pass --param ${index}=header:NAME (or query:NAME, cookie:NAME, client_ip, peer_id, ...)`
      : `--param ${index}=${given} is not a request value (header:NAME, query:NAME, cookie:NAME, ${KEY_SOURCES.slice(3).join(", ")})`);
    return undefined;
  }
  notes.push(`argument ${index} is the ${key.name ? `${key.source} ${key.name}` : key.source} (--param ${index}=${given})`);
  const tokens = Math.floor(qps);
  if (tokens < 1) {
    report.refuse(rule.get("count")!, `${what}: count ${qps}`, "Sentinel then rejects every request with the value, and a rate-limit limit lets at least one through");
    return undefined;
  }
  const limitOf = (n: number) => ({ requests: n, per: duration(seconds * 1000), ...(burst > 0 ? { burst: n + burst } : {}) });
  if (!report.approximate(rule.get("count")!, `${what}: ${tokens} per ${seconds} s${burst > 0 ? ` + burstCount ${burst}` : ""} per value`,
    "Sentinel refills a value's tokens in proportion to the time passed, once more than durationInSec has passed since the last refill; rate-limit adds them at each whole interval after the bucket's first request, and its buckets are slots shared by colliding values (max_keys 1024)",
    `a keyed rule: ${tokens} requests per ${duration(seconds * 1000)}${burst > 0 ? `, burst ${tokens + burst}` : ""}`, notes)) return undefined;
  const match = rateLimitMatch(requests);
  const out: Made[] = [];
  for (const item of rule.get("paramFlowItemList")?.items() ?? []) {
    const value = item.get("object")?.str() ?? String(item.get("object")?.js ?? "");
    const itemCount = item.get("count")?.num();
    const iWhat = `${what}: paramFlowItemList value ${JSON.stringify(value)}`;
    if (itemCount === undefined || Math.floor(itemCount) < 1) {
      report.refuse(item, iWhat, "its count must be 1 or more");
      continue;
    }
    const condition = key.source === "header" ? { headers: [{ name: key.name, exact: value }] } : key.source === "query" ? { query: [{ name: key.name, exact: value }] } : undefined;
    if (condition === undefined) {
      report.refuse(item, iWhat, `rate-limit matches single values of headers and query parameters, not of ${key.source}`);
      continue;
    }
    const itemMatch = { ...(match ?? {}), ...condition };
    out.push({ rule: { name: nameFrom(`${resource}-${value}`, taken, "value"), match: itemMatch, limits: [limitOf(Math.floor(itemCount))] },
      notes: [`${item.at}: ${iWhat}: its own count ${itemCount} (before the rule for every other value)`] });
  }
  out.push({ rule: { ...(match ? { match } : {}), key: [key], limits: [limitOf(tokens)] }, notes });
  return out;
}

export const sentinelFlow: Kind = {
  name: "sentinel-flow",
  summary: "Sentinel FlowRule / ParamFlowRule JSON (QPS limits, per-value limits) → rate-limit",
  filter: "rate-limit",
  read(docs, report, options): Imported {
    const taken = new Set<string>();
    const rules: Rule[] = [];
    const seen = new Map<string, Rule>();
    for (const rule of ruleObjects(docs, report, "FlowRule")) {
      const param = rule.get("paramIdx") !== undefined || rule.get("paramFlowItemList") !== undefined;
      const resource = resourceOf(rule, param ? "ParamFlowRule" : "FlowRule", report);
      if (resource === undefined) continue;
      const notes = [`${rule.at}: ${param ? "ParamFlowRule" : "FlowRule"} "${resource}"`];
      const requests = requestsOf(resource, rule.get("resource")!, `${param ? "ParamFlowRule" : "FlowRule"} "${resource}"`, report, notes, options.resources);
      if (requests === undefined) continue;
      const made = param ? paramRule(rule, resource, requests, report, notes, options, taken) : flowRule(rule, resource, requests, report, notes);
      if (made === undefined) continue;
      const list: Made[] = Array.isArray(made) ? made : [{ rule: made, notes }];
      const main = list[list.length - 1]!.rule;
      const earlier = seen.get(resource);
      if (earlier && !earlier.param && !param) {
        // two QPS rules of one resource: one rule with both limits (every rule must pass in Sentinel)
        const limits = earlier.rule.limits as unknown[];
        if (limits.length < 4) {
          limits.push(...(main.limits as unknown[]));
          earlier.notes.push(...notes);
          continue;
        }
      }
      if (earlier) {
        if (!report.approximate(rule, `${notes[0]!.replace(/^[^ ]+ /, "")}: a second rule for "${resource}"`,
          "Sentinel checks every rule of a resource; rate-limit applies the first rule that takes a request", "a rule of its own after the others", notes)) continue;
      }
      for (const made of list) {
        const r = made.rule;
        const entry: Rule = { rule: { name: (r.name as string | undefined) ?? nameFrom(resource, taken, "resource"), ...r }, notes: made.notes, resource, param };
        rules.push(entry);
        if (r === main) seen.set(resource, entry);
      }
    }
    // exact paths before patterns; a keyed rule keeps its place after its values
    const specific = (r: Rule) => ((r.rule.match as { path?: { exact?: string } } | undefined)?.path?.exact !== undefined ? 0 : 1);
    rules.sort((a, b) => specific(a) - specific(b));
    if (rules.length > 64) report.refuse(docs[0]!, `${rules.length} rules`, "rate-limit takes at most 64 rules");
    return {
      filter: "rate-limit",
      config: { rules: rules.map((r) => r.rule) },
      comments: new Map(rules.map((r) => [r.rule, r.notes])),
      header: ["From Sentinel flow rules: one rate-limit rule per resource (the first rule that takes a request decides); " +
        "buckets are shared by every Envoy worker of the process, as Sentinel's statistics are per application instance. " +
        "Rejections are 429 (Sentinel's web adapters answer 429 too)."],
      summary: count(rules.length, "rule"),
    };
  },
};
