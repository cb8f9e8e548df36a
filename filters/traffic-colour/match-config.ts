// Parses rule conditions: `match` groups (`all` / `any`, nested once) and their conditions.
import { quoteString } from "../shared/config-error";
import { ConfigReader, JsonValue } from "../shared/json";
import { MatchKind, StringMatcher } from "../shared/matchers";
import { Condition, Op } from "./conditions";
import { MAX_TEXT_CHARS, readSourceName } from "./config-values";
import { Source, SourceKind, sourceIndex } from "./request-values";
import { decimal } from "../shared/number-text";

// @ts-ignore: decorator
@inline const MAX_GROUP_ITEMS = 16;
// @ts-ignore: decorator
@inline const MAX_VALUES = 64;
// @ts-ignore: decorator
@inline const MAX_BOUND: i64 = 9_007_199_254_740_991; // 2^53 - 1: exact as a JSON number

/** `{"all": [...]}` or `{"any": [...]}`; items are conditions or (when not nested) groups.
 *  `sources` collects the request values the conditions read (shared between conditions). */
export function parseGroup(r: ConfigReader, sources: Source[], value: JsonValue, nested: bool): Condition {
  const obj = r.asObject(value);
  r.unknownKeys(obj, ["all", "any"]);
  const all = r.member(obj, "all", false);
  const any = r.member(obj, "any", false);
  const group = new Condition(0, any !== null ? Op.Any : Op.All);
  if (obj === null || r.failed) return group;
  if (all !== null && any !== null) { r.fail(obj, "must have either \"all\" or \"any\", not both"); return group; }
  if (all === null && any === null) { r.fail(obj, "must have \"all\" or \"any\""); return group; }
  const items = r.asArray(all !== null ? all : any, 1, MAX_GROUP_ITEMS);
  if (items === null) return group;
  for (let i = 0; i < items.items.length && !r.failed; i++) {
    group.items.push(parseItem(r, sources, items.items[i], nested));
  }
  return group;
}

function parseItem(r: ConfigReader, sources: Source[], value: JsonValue, nested: bool): Condition {
  const obj = r.asObject(value);
  if (obj !== null && (obj.member("all") !== null || obj.member("any") !== null) && obj.member("field") === null) {
    if (nested) r.fail(obj, "groups can be nested only once");
    return parseGroup(r, sources, obj, true);
  }
  return parseCondition(r, sources, obj, nested);
}

/** A condition; a top-level one is checked like the item schema it shares with nested groups
 *  (unknown keys first, as that schema has no required members). */
function parseCondition(r: ConfigReader, sources: Source[], obj: JsonValue | null, nested: bool): Condition {
  if (!nested) r.unknownKeys(obj, ["field", "name", "op", "value", "values", "min", "max", "ignore_case", "all", "any"]);
  r.member(obj, "field", true);
  r.member(obj, "op", true);
  r.unknownKeys(obj, ["field", "name", "op", "value", "values", "min", "max", "ignore_case"]);
  const fieldValue = r.member(obj, "field", true);
  const fieldNames = ["header", "query", "cookie", "path", "method", "host", "peer"];
  const field = r.asEnum(fieldValue, fieldNames);
  const nameValue = r.member(obj, "name", false);
  const opValue = r.member(obj, "op", true);
  const opNames = [
    "equals", "not_equals", "prefix", "suffix", "contains", "in", "not_in", "present", "absent", "glob", "range",
  ]; // indexed by Op
  const op = <Op>r.asEnum(opValue, opNames);
  if (obj === null || fieldValue === null || opValue === null || r.failed) return new Condition(0, op);
  const kind = <SourceKind>field;
  let name = "";
  if (field <= <i32>SourceKind.Cookie) {
    if (nameValue === null) {
      r.fail(fieldValue, "needs \"name\" (the " + fieldNames[field] + " to read)");
      return new Condition(0, op);
    }
    name = readSourceName(r, nameValue, kind);
  } else if (nameValue !== null) {
    r.fail(nameValue, "is only used when field is \"header\", \"query\" or \"cookie\"");
  }
  const condition = new Condition(sourceIndex(sources, kind, name), op);
  parseOperands(r, obj, opValue, opNames[op], condition);
  return condition;
}

/** The operator's operands: value / values / min+max, and ignore_case for text operators. */
function parseOperands(r: ConfigReader, obj: JsonValue, opValue: JsonValue, opText: string, condition: Condition): void {
  const op = condition.op;
  const value = obj.member("value");
  const values = obj.member("values");
  const min = obj.member("min");
  const max = obj.member("max");
  const ignoreCaseValue = obj.member("ignore_case");
  const usesValue = op <= Op.Contains || op == Op.Glob;
  const usesValues = op == Op.In || op == Op.NotIn;
  const usesRange = op == Op.Range;
  const opName = quoteString(opText);
  if (!usesValue) unused(r, value, opName);
  if (!usesValues) unused(r, values, opName);
  if (!usesRange) { unused(r, min, opName); unused(r, max, opName); }
  if (!usesValue && !usesValues) unused(r, ignoreCaseValue, opName);
  if (r.failed) return;
  const ignoreCase = r.asBool(ignoreCaseValue, false);
  if (usesValue) {
    if (value === null) { r.fail(opValue, "needs \"value\""); return; }
    const text = r.asString(value, "", 0, MAX_TEXT_CHARS);
    condition.matchers.push(new StringMatcher(matchKind(op), text, ignoreCase));
  } else if (usesValues) {
    if (values === null) { r.fail(opValue, "needs \"values\""); return; }
    const list = r.asArray(values, 1, MAX_VALUES);
    if (list === null) return;
    for (let i = 0; i < list.items.length && !r.failed; i++) {
      condition.matchers.push(new StringMatcher(MatchKind.Exact, r.asString(list.items[i], "", 0, MAX_TEXT_CHARS), ignoreCase));
    }
  } else if (usesRange) {
    if (min === null || max === null) { r.fail(opValue, "needs \"min\" and \"max\""); return; }
    condition.min = r.asInteger(min, 0, -MAX_BOUND, MAX_BOUND);
    condition.max = r.asInteger(max, 0, -MAX_BOUND, MAX_BOUND);
    if (!r.failed && condition.max < condition.min) r.fail(max, "must be >= min (" + decimal(condition.min) + ")");
  }
}

function unused(r: ConfigReader, value: JsonValue | null, opName: string): void {
  if (value !== null) r.fail(value, "is not used with op " + opName);
}

function matchKind(op: Op): MatchKind {
  switch (op) {
    case Op.Prefix: return MatchKind.Prefix;
    case Op.Suffix: return MatchKind.Suffix;
    case Op.Contains: return MatchKind.Contains;
    case Op.Glob: return MatchKind.Glob;
    default: return MatchKind.Exact;
  }
}
