// Istio VirtualService request matches (HTTPMatchRequest) as traffic-colour conditions.
//
// Istio (VirtualService reference): the entries of `match` are alternatives, the fields of one
// entry must all hold; StringMatch is exact, prefix or regex (RE2, matching the whole value);
// header names are case-insensitive; `uri` is the path.
import type { Report } from "./report.js";
import type { Value } from "./source.js";

export type Condition = Record<string, unknown>;

const META = new Set([..."\\^$.|?*+()[]{}"]);

/** The literal text of a regex fragment (plain characters and escaped metacharacters), or
 *  undefined when it holds anything else. */
function literal(fragment: string): string | undefined {
  let out = "";
  for (let i = 0; i < fragment.length; i++) {
    const ch = fragment[i]!;
    if (ch === "\\") {
      const next = fragment[i + 1];
      if (next === undefined || /[A-Za-z0-9]/.test(next)) return undefined; // \d, \w, \b ... are classes
      out += next;
      i++;
    } else if (META.has(ch)) return undefined;
    else out += ch;
  }
  return out;
}

/** A whole-value RE2 regex as a traffic-colour operator, when it is one of: a literal, `lit.*`,
 *  `.*lit`, `.*lit.*`, `a|b|c` or `(a|b|c)` of literals, each optionally `^...$`-anchored and
 *  `(?i)`-prefixed. */
export function regexCondition(regex: string): Condition | undefined {
  let r = regex;
  let ignoreCase = false;
  if (r.startsWith("(?i)")) {
    ignoreCase = true;
    r = r.slice(4);
  }
  if (r.startsWith("^")) r = r.slice(1);
  if (r.endsWith("$") && !r.endsWith("\\$")) r = r.slice(0, -1);
  const flags = ignoreCase ? { ignore_case: true } : {};
  const whole = literal(r);
  if (whole !== undefined) return { op: "equals", value: whole, ...flags };
  const group = /^\((?:\?:)?([^()]*)\)$/.exec(r);
  const alternatives = (group ? group[1]! : r).split("|");
  if (alternatives.length > 1) {
    const values = alternatives.map(literal);
    if (values.every((v) => v !== undefined)) return { op: "in", values, ...flags };
  }
  const starts = r.startsWith(".*");
  const ends = r.endsWith(".*") && !r.endsWith("\\.*");
  const middle = literal(r.slice(starts ? 2 : 0, ends ? -2 : undefined));
  if (middle === undefined || (!starts && !ends)) return undefined;
  return { op: starts && ends ? "contains" : starts ? "suffix" : "prefix", value: middle, ...flags };
}

/** An Istio StringMatch on a request value as a traffic-colour condition, or undefined (reported). */
function stringCondition(m: Value, source: Condition, what: string, report: Report, ignoreCase = false): Condition | undefined {
  const flags = ignoreCase ? { ignore_case: true } : {};
  const exact = m.get("exact")?.str();
  if (exact !== undefined) return { ...source, op: "equals", value: exact, ...flags };
  const prefix = m.get("prefix")?.str();
  if (prefix !== undefined) return { ...source, op: "prefix", value: prefix, ...flags };
  const regex = m.get("regex")?.str();
  if (regex !== undefined) {
    const c = regexCondition(regex);
    if (c) return { ...source, ...c, ...(ignoreCase ? flags : {}) };
    report.refuse(m.get("regex")!, `${what} regex ${JSON.stringify(regex)}`,
      "traffic-colour matches literals, prefixes, suffixes, infixes and lists of values, not other regular expressions");
    return undefined;
  }
  report.refuse(m, `${what} ${m.shown}`, "expected exact, prefix or regex");
  return undefined;
}

const NO_EQUIVALENT: Record<string, string> = {
  authority: "Istio compares the whole :authority (port included); traffic-colour's host has no port",
  sourceLabels: "the labels of the calling workload are not a request value",
  sourceNamespace: "the calling workload's namespace is not a request value",
  gateways: "gateway selection is routing, not a colour decision",
  port: "the listener port is not a request value traffic-colour reads",
  scheme: "traffic-colour does not read the scheme",
  statPrefix: "statistics, not a condition",
};

/** One HTTPMatchRequest as a list of conditions that must all hold, or undefined (reported). */
function matchEntry(entry: Value, what: string, report: Report): Condition[] | undefined {
  const out: Condition[] = [];
  let ok = true;
  const ignoreUriCase = entry.get("ignoreUriCase")?.bool() === true;
  for (const { key, at } of entry.keys()) {
    const v = entry.get(key)!;
    const push = (c: Condition | undefined) => (c === undefined ? (ok = false) : out.push(c));
    switch (key) {
      case "name":
      case "ignoreUriCase":
        break;
      case "headers":
      case "queryParams":
        for (const { key: name } of v.keys()) {
          const source = key === "headers" ? { source: "header", name } : { source: "query", name };
          push(stringCondition(v.get(name)!, source, `${what}: ${key}.${name}`, report));
        }
        break;
      case "withoutHeaders":
        for (const { key: name } of v.keys()) {
          const m = v.get(name)!;
          const exact = m.get("exact")?.str();
          if (exact === undefined) {
            report.refuse(m, `${what}: withoutHeaders.${name} ${m.shown}`, "traffic-colour negates only exact values (not_equals)");
            ok = false;
            continue;
          }
          out.push({ op: "any", conditions: [{ source: "header", name, op: "absent" }, { source: "header", name, op: "not_equals", value: exact }] });
        }
        break;
      case "uri":
        push(stringCondition(v, { source: "path" }, `${what}: uri`, report, ignoreUriCase));
        break;
      case "method":
        push(stringCondition(v, { source: "method" }, `${what}: method`, report));
        break;
      default:
        report.refuse(at, `${what}: match.${key}`, NO_EQUIVALENT[key] ?? "no traffic-colour condition reads it");
        ok = false;
    }
  }
  return ok ? out : undefined;
}

/** A VirtualService `match` list (alternatives) as one traffic-colour condition, or undefined
 *  when it is absent (every request); `false` when it cannot be written (reported). */
export function matchCondition(match: Value | undefined, what: string, report: Report): Condition | undefined | false {
  const entries = match?.items() ?? [];
  if (entries.length === 0) return undefined;
  const alternatives = entries.map((e) => matchEntry(e, what, report));
  if (alternatives.some((a) => a === undefined)) return false;
  const groups = (alternatives as Condition[][]).map((conds) => (conds.length === 1 ? conds[0]! : { op: "all", conditions: conds }));
  if (groups.length === 1) return groups[0];
  // groups nest once: an alternative that is itself a group may not hold groups
  const nested = groups.find((g) => g.op === "all" && (g.conditions as Condition[]).some((c) => c.op === "any"));
  if (nested) {
    report.refuse(match!, `${what}: withoutHeaders in one of several match entries`, "traffic-colour's groups nest once (any of all of conditions)");
    return false;
  }
  return { op: "any", conditions: groups };
}
