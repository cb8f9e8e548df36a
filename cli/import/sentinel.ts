// What Sentinel's rule files have in common: a JSON array of rule objects (as the dashboard
// pushes them through Nacos, Apollo or ZooKeeper), fields the dashboard adds, and numbers.
import type { Report } from "./report.js";
import type { Value } from "./source.js";

/** Fields the Sentinel dashboard stores with a rule that do not change what it does. */
export const DASHBOARD_FIELDS = ["id", "app", "ip", "port", "gmtCreate", "gmtModified"];

/** The rule objects of every document: a list of rules, or one rule. */
export function ruleObjects(docs: Value[], report: Report, what: string): Value[] {
  const rules: Value[] = [];
  for (const doc of docs) {
    const items = doc.isList ? doc.items() : [doc];
    for (const item of items) {
      // the dashboard's ParamFlowRuleEntity/AuthorityRuleEntity keep the rule under "rule"
      const inner = item.get("rule");
      if (inner?.isMap) rules.push(inner);
      else if (item.isMap) rules.push(item);
      else report.refuse(item, `${what} ${item.shown}`, `not a rule: expected a JSON object`);
    }
  }
  return rules;
}

/** A numeric field: its value, `fallback` when absent, or undefined (reported) when it is not a
 *  number or fails `valid`. */
export function numberField(rule: Value, key: string, fallback: number | undefined, what: string, report: Report,
  valid: (n: number) => boolean = () => true, rangeText = ""): number | undefined {
  const v = rule.get(key);
  if (v === undefined || v.js === null) {
    if (fallback === undefined) report.refuse(rule, `${what}: ${key} is missing`, "Sentinel needs it (the rule would be ignored)");
    return fallback;
  }
  const n = v.num();
  if (n === undefined || !Number.isFinite(n)) {
    report.refuse(v, `${what}: ${key} ${v.shown}`, "not a number");
    return undefined;
  }
  if (!valid(n)) {
    report.refuse(v, `${what}: ${key} ${v.shown}`, `Sentinel ignores the rule (${key} must be ${rangeText})`);
    return undefined;
  }
  return n;
}

/** The rule's resource, or undefined (reported). */
export function resourceOf(rule: Value, what: string, report: Report): string | undefined {
  const v = rule.get("resource");
  const name = v?.str();
  if (name === undefined || name.trim() === "") {
    report.refuse(v ?? rule, `${what}: resource ${v ? v.shown : "is missing"}`, "Sentinel ignores a rule without a resource");
    return undefined;
  }
  return name;
}
