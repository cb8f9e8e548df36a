// sentinel-degrade: Sentinel DegradeRule JSON (1.8+) → circuit-breaker circuits.
//
// Sentinel (Circuit Breaking wiki, DegradeRuleManager.isValidRule, ResponseTimeCircuitBreaker,
// ExceptionCircuitBreaker): statistics over one bucket of statIntervalMs (a LeapArray with one
// sample: counts start again at each whole interval); no decision before minRequestAmount calls;
// it opens when the slow ratio (RT > count ms, count rounded by Math.round) is above
// slowRatioThreshold (or equals it when it is 1.0), when the exception ratio is above count, or
// when exceptions are more than count; it stays open timeWindow seconds, then lets one request
// through, which closes it when it succeeds (and is not slow, for RT rules) and reopens it
// otherwise.
import type { Imported } from "./emit.js";
import type { ImportOptions, Kind } from "./kind.js";
import { count, type Report } from "./report.js";
import { circuitMatch, nameFrom, requestsOf } from "./resource.js";
import { DASHBOARD_FIELDS, numberField, resourceOf, ruleObjects } from "./sentinel.js";
import type { Value } from "./source.js";
import { sentinelThreshold } from "./threshold.js";
import { duration, exactRate } from "./units.js";

const KNOWN = ["resource", "grade", "count", "timeWindow", "minRequestAmount", "statIntervalMs", "slowRatioThreshold", "limitApp"];
const GRADES = ["slow request ratio (grade 0)", "exception ratio (grade 1)", "exception count (grade 2)"];
const MAX_CIRCUITS = 16;
const DAY_MS = 86_400_000;

interface Circuit {
  circuit: Record<string, unknown>;
  notes: string[];
  resource: string;
  grade: number;
  /** statIntervalMs, minRequestAmount, timeWindow: rules of one resource share a circuit only when these agree. */
  shape: string;
}

const isInt = (n: number) => Number.isInteger(n);

function readRule(rule: Value, report: Report, options: ImportOptions, taken: Set<string>): Circuit | undefined {
  const resource = resourceOf(rule, "DegradeRule", report);
  if (resource === undefined) return undefined;
  const what = `DegradeRule "${resource}"`;
  report.unknownKeys(rule, KNOWN, DASHBOARD_FIELDS, what);
  const grade = numberField(rule, "grade", 0, what, report, (g) => g === 0 || g === 1 || g === 2, "0 (RT), 1 (exception ratio) or 2 (exception count)");
  const threshold = numberField(rule, "count", undefined, what, report, (c) => c >= 0, ">= 0");
  const timeWindow = numberField(rule, "timeWindow", undefined, what, report, (t) => t > 0 && isInt(t), "a whole number of seconds > 0");
  const minRequests = numberField(rule, "minRequestAmount", 5, what, report, (m) => m > 0 && isInt(m), "a whole number > 0");
  const statMs = numberField(rule, "statIntervalMs", 1000, what, report, (s) => s > 0 && isInt(s), "a whole number of ms > 0");
  const slowRatio = numberField(rule, "slowRatioThreshold", 1, what, report, (r) => r >= 0 && r <= 1, "from 0 to 1");
  if (grade === undefined || threshold === undefined || timeWindow === undefined || minRequests === undefined || statMs === undefined || slowRatio === undefined) return undefined;
  if (grade === 1 && threshold > 1) {
    report.refuse(rule.get("count")!, `${what}: count ${threshold}`, "Sentinel ignores an exception-ratio rule whose count is above 1");
    return undefined;
  }
  let ok = true;
  if (statMs > DAY_MS) ok = refuseRange(rule, "statIntervalMs", what, "a time window is at most 1d", report);
  if (timeWindow * 1000 > DAY_MS) ok = refuseRange(rule, "timeWindow", what, "open_duration is at most 1d", report);
  if (minRequests > 1_000_000) ok = refuseRange(rule, "minRequestAmount", what, "minimum_calls is at most 1000000", report);

  const describe = [GRADES[grade]!,
    grade === 0 ? `RT above ${threshold} ms, slowRatioThreshold ${slowRatio}` : grade === 1 ? `ratio above ${threshold}` : `more than ${threshold} exceptions`,
    `statIntervalMs ${statMs}`, `minRequestAmount ${minRequests}`, `timeWindow ${timeWindow} s`];
  const notes = [`${rule.at}: ${what}: ${describe.join(", ")}`];
  const requests = requestsOf(resource, rule.get("resource")!, what, report, notes, options.resources);
  if (requests === undefined || !ok) return undefined;

  const circuit: Record<string, unknown> = { name: nameFrom(resource, taken, "resource") };
  const match = circuitMatch(requests);
  if (match) circuit.match = match;
  circuit.window = { type: "time", duration: duration(statMs), buckets: 1 };
  circuit.minimum_calls = minRequests;
  circuit.open_duration = duration(timeWindow * 1000);
  notes.push(`window: one bucket of ${duration(statMs)} (Sentinel's statIntervalMs: counts start again at each whole interval); ` +
    `minimum_calls ${minRequests} (minRequestAmount); open_duration ${duration(timeWindow * 1000)} (timeWindow is in seconds)`);

  if (grade === 0) {
    const maxRt = Math.round(threshold);
    if (maxRt !== threshold) notes.push(`count ${threshold} ms: Sentinel rounds it to ${maxRt} ms (Math.round)`);
    if (maxRt < 1) {
      if (!report.approximate(rule.get("count")!, `${what}: count ${threshold} ms`, "every call slower than 0 ms is slow in Sentinel; slow_call is at least 1ms", "slow_call 1ms", notes)) return undefined;
    }
    circuit.slow_call = `${Math.max(maxRt, 1)}ms`;
    const x0 = sentinelThreshold(slowRatio, true)!;
    circuit.slow_call_rate = exactRate("slow_call_rate", x0, slowRatio === 1 ? "Sentinel opens when every call is slow (a ratio of 1.0 equals its threshold 1.0)" : `Sentinel opens when the slow ratio is above ${slowRatio}`,
      slowRatio === 1 ? "equal to 1" : `above ${slowRatio}`, notes);
    circuit.failure = { http_statuses: [], grpc_statuses: [] };
    notes.push("failure: no status is a failure: Sentinel's RT rule looks only at RT, also for the half-open probe");
  } else if (grade === 1) {
    const x0 = sentinelThreshold(threshold, false);
    if (x0 === undefined) {
      circuit.mode = "disabled";
      notes.push(`mode disabled: no ratio is above ${threshold}, so Sentinel never opens this rule`);
    } else {
      circuit.failure_rate = exactRate("failure_rate", x0, `Sentinel opens when the exception ratio is above ${threshold}`, `above ${threshold}`, notes);
    }
  } else {
    const run = Math.floor(threshold) + 1;
    if (run > 1000) {
      report.refuse(rule.get("count")!, `${what}: count ${threshold}`, "exceptions are counted per interval in Sentinel; consecutive_failures is at most 1000");
      return undefined;
    }
    if (!report.approximate(rule.get("count")!, `${what}: more than ${threshold} exceptions per statIntervalMs`,
      "circuit-breaker counts failures in a row or as a rate, not as a count in a window", `consecutive_failures ${run} (minRequestAmount not applied)`, notes)) return undefined;
    circuit.consecutive_failures = run;
    delete circuit.window;
    delete circuit.minimum_calls;
    notes.splice(notes.findIndex((n) => n.startsWith("window:")), 1, `open_duration ${duration(timeWindow * 1000)} (timeWindow is in seconds)`);
  }
  return { circuit, notes, resource, grade, shape: `${statMs}/${minRequests}/${timeWindow}` };
}

function refuseRange(rule: Value, key: string, what: string, why: string, report: Report): false {
  const v = rule.get(key)!;
  report.refuse(v, `${what}: ${key} ${v.shown}`, why);
  return false;
}

/** A second rule of the same resource: circuit-breaker covers a request with one circuit, so an
 *  RT rule and a ratio rule with the same window become one circuit (with --lossy). */
function mergeInto(first: Circuit, next: Circuit, rule: Value, report: Report): void {
  const what = `DegradeRule "${next.resource}" (${GRADES[next.grade]})`;
  const a = first.circuit;
  const b = next.circuit;
  const combinable = first.shape === next.shape && first.grade !== next.grade && first.grade !== 2 && next.grade !== 2 &&
    a.mode === undefined && b.mode === undefined;
  if (!combinable) {
    report.refuse(rule, `${what}: a second DegradeRule for "${next.resource}"`,
      "circuit-breaker covers a request with one circuit, and these rules differ in statIntervalMs, minRequestAmount, timeWindow or kind");
    return;
  }
  const notes: string[] = [];
  if (!report.approximate(rule, `${what}: a second DegradeRule for "${next.resource}"`,
    "Sentinel keeps a breaker per rule, each opening, probing and closing on its own; circuit-breaker covers a request with one circuit",
    "one circuit that opens on either rate and closes after one probe that is neither a failure nor slow", notes)) return;
  for (const key of ["failure_rate", "slow_call", "slow_call_rate"]) if (b[key] !== undefined) a[key] = b[key];
  delete a.failure; // the ratio rule counts failures
  first.notes = first.notes.filter((n) => !n.startsWith("failure:"));
  first.notes.push(...next.notes.filter((n) => !n.startsWith("window:") && !n.startsWith("failure:")), ...notes);
}

export const sentinelDegrade: Kind = {
  name: "sentinel-degrade",
  summary: "Sentinel DegradeRule JSON (slow ratio, exception ratio, exception count) → circuit-breaker",
  filter: "circuit-breaker",
  read(docs, report, options): Imported {
    const taken = new Set<string>();
    const byResource = new Map<string, Circuit>();
    const circuits: Circuit[] = [];
    for (const rule of ruleObjects(docs, report, "DegradeRule")) {
      const c = readRule(rule, report, options, taken);
      if (c === undefined) continue;
      const first = byResource.get(c.resource);
      if (first) mergeInto(first, c, rule, report);
      else {
        byResource.set(c.resource, c);
        circuits.push(c);
      }
    }
    if (circuits.length > MAX_CIRCUITS) {
      report.refuse(docs[0]!, `${circuits.length} resources`, `circuit-breaker takes at most ${MAX_CIRCUITS} circuits`);
    }
    // exact paths before patterns, so a pattern never takes the requests of an exact resource
    const exactFirst = (c: Circuit) => ((c.circuit.match as { paths?: object[] } | undefined)?.paths?.every((p) => "exact" in p) ? 0 : 1);
    circuits.sort((x, y) => exactFirst(x) - exactFirst(y));
    const comments = new Map<object, string[]>(circuits.map((c) => [c.circuit, c.notes]));
    return {
      filter: "circuit-breaker",
      config: { circuits: circuits.map((c) => c.circuit) },
      comments,
      header: [
        "From Sentinel DegradeRules. Sentinel counts the exceptions and the RT the application sees; here a failure is " +
        "a 5xx response, a gRPC status 2/4/13/14 or an upstream failure, and RT runs at the proxy from the request " +
        "headers to the end of the response. After open_duration one request is let through (half_open_probes 1), " +
        "as Sentinel's half-open state does.",
      ],
      summary: count(circuits.length, "circuit"),
    };
  },
};
