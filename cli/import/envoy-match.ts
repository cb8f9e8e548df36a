// Envoy route and header matchers (config.route.v3) as rate-limit Match conditions.
import type { Report } from "./report.js";
import type { Value } from "./source.js";

export type Condition = Record<string, unknown>;

/** A StringMatcher ({exact|prefix|suffix|contains, ignore_case}) as a StringMatch kind, or a
 *  reason it has none. */
function stringMatch(m: Value): Record<string, unknown> | string {
  const ignoreCase = m.get("ignore_case")?.bool() === true ? { ignore_case: true } : {};
  for (const kind of ["exact", "prefix", "suffix"]) {
    const v = m.get(kind)?.str();
    if (v !== undefined) return { [kind]: v, ...ignoreCase };
  }
  const contains = m.get("contains")?.str();
  if (contains !== undefined) {
    if (/[*?]/.test(contains)) return `contains ${JSON.stringify(contains)} holds a glob character`;
    return { glob: `*${contains}*`, ...ignoreCase };
  }
  if (m.get("safe_regex")) return "a regular expression (rate-limit matches exact, prefix, suffix and globs, no regex)";
  return "no exact, prefix, suffix or contains";
}

/** An Envoy HeaderMatcher as a rate-limit HeaderMatch, or undefined (reported). */
export function headerMatch(h: Value, what: string, report: Report): Condition | undefined {
  const name = h.get("name")?.str();
  if (name === undefined) {
    report.refuse(h, `${what}: header matcher without a name`, "Envoy requires one");
    return undefined;
  }
  if (h.get("invert_match")?.bool() === true) {
    report.refuse(h, `${what}: header ${name} with invert_match`, "rate-limit has no negated header condition other than present: false");
    return undefined;
  }
  if (h.get("treat_missing_header_as_empty")?.bool() === true) {
    report.refuse(h, `${what}: header ${name} with treat_missing_header_as_empty`, "a missing header never matches a value condition in rate-limit");
    return undefined;
  }
  const present = h.get("present_match")?.bool();
  if (present !== undefined) return { name, present };
  for (const [legacy, kind] of [["exact_match", "exact"], ["prefix_match", "prefix"], ["suffix_match", "suffix"]]) {
    const v = h.get(legacy!)?.str();
    if (v !== undefined) return { name, [kind!]: v };
  }
  const sm = h.get("string_match");
  const m = sm ? stringMatch(sm) : h.get("safe_regex_match") || h.get("range_match") ? "a regular expression or a range (no rate-limit equivalent)" : { present: true };
  if (typeof m === "string") {
    report.refuse(sm ?? h, `${what}: header ${name}`, m);
    return undefined;
  }
  return { name, ...m };
}

/** An Envoy route's `match` as rate-limit Match conditions (path, headers, query), or undefined. */
export function routeMatch(match: Value, what: string, report: Report): Condition | undefined {
  const out: Condition = {};
  const ignoreCase = match.get("case_sensitive")?.bool() === false ? { ignore_case: true } : {};
  let ok = true;
  for (const { key, at } of match.keys()) {
    const v = match.get(key)!;
    switch (key) {
      case "prefix":
      case "path": {
        const p = v.str() ?? "";
        if (p.includes("?")) {
          report.refuse(v, `${what}: route ${key} ${v.shown}`, "Envoy compares it with the whole :path, query included; rate-limit's path has no query");
          ok = false;
        } else out.path = { [key === "path" ? "exact" : "prefix"]: p, ...ignoreCase };
        break;
      }
      case "path_separated_prefix": {
        const p = v.str() ?? "";
        out.any = [{ path: { exact: p, ...ignoreCase } }, { path: { prefix: `${p}/`, ...ignoreCase } }];
        break;
      }
      case "case_sensitive":
        break;
      case "headers": {
        const headers = v.items().map((h) => headerMatch(h, what, report));
        if (headers.some((h) => h === undefined)) ok = false;
        else if (headers.length > 0) out.headers = headers;
        break;
      }
      case "query_parameters": {
        const query = v.items().map((q) => queryMatch(q, what, report));
        if (query.some((q) => q === undefined)) ok = false;
        else if (query.length > 0) out.query = query;
        break;
      }
      default:
        report.refuse(at, `${what}: route match ${key}`, "no rate-limit condition says it (regex paths, gRPC, runtime fractions and metadata have none)");
        ok = false;
    }
  }
  return ok ? out : undefined;
}

/** An Envoy QueryParameterMatcher as a rate-limit QueryMatch, or undefined (reported). */
function queryMatch(q: Value, what: string, report: Report): Condition | undefined {
  const name = q.get("name")?.str() ?? "";
  if (q.get("present_match")?.bool() !== undefined) return { name, present: q.get("present_match")!.bool() };
  const sm = q.get("string_match");
  const m = sm ? stringMatch(sm) : "no string_match or present_match";
  if (typeof m === "string") {
    report.refuse(sm ?? q, `${what}: query parameter ${name}`, m);
    return undefined;
  }
  const value = Object.values(m)[0] as string;
  if (/[%+]/.test(value)) {
    report.refuse(sm!, `${what}: query parameter ${name} ${JSON.stringify(value)}`, "Envoy compares the raw value; rate-limit decodes %XX and + first");
    return undefined;
  }
  return { name, ...m };
}

/** Whether two route matches (their path parts only) can take the same request: false only when
 *  their literal paths or prefixes exclude each other. */
export function mayOverlap(a: Condition, b: Condition): boolean {
  const paths = (c: Condition): { exact?: string; prefix?: string }[] =>
    c.path ? [c.path as { exact?: string; prefix?: string }] : c.any ? (c.any as { path: { exact?: string; prefix?: string } }[]).map((x) => x.path) : [{ prefix: "" }];
  const hit = (x: { exact?: string; prefix?: string }, y: { exact?: string; prefix?: string }) => {
    if (x.exact !== undefined && y.exact !== undefined) return x.exact === y.exact;
    if (x.exact !== undefined) return x.exact.startsWith(y.prefix!);
    if (y.exact !== undefined) return y.exact.startsWith(x.prefix!);
    return x.prefix!.startsWith(y.prefix!) || y.prefix!.startsWith(x.prefix!);
  };
  return paths(a).some((x) => paths(b).some((y) => hit(x, y)));
}
