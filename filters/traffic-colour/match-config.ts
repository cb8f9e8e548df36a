// Compiles a rule's `match`: a condition on a request value, or (op all/any) a group whose
// conditions may be groups once (schema.json: Condition, InnerCondition, LeafCondition, which
// share their member indexes).
import { ConfigErrors } from "../shared/config-error";
import { element, field, flag, items, num, text } from "../shared/config-walker";
import { JsonValue } from "../shared/json";
import { MatchKind, StringMatcher } from "../shared/matchers";
import { Condition, Op } from "./conditions";
import { Condition as Fields } from "./config-schema";
import { Source, SourceKind, sourceIndex } from "./request-values";
import { decimal } from "../shared/number-text";
import { asciiLower } from "../shared/bytes";

/** A checked Condition; `sources` collects the request values the conditions read (shared
 *  between conditions). */
export function parseCondition(errors: ConfigErrors, sources: Source[], obj: JsonValue): Condition {
  const op = <Op>num(obj, Fields.op);
  if (op >= Op.All) {
    const group = new Condition(0, op);
    const list = items(obj, Fields.conditions);
    for (let i = 0; i < list.length; i++) group.items.push(parseCondition(errors, sources, element(list, i)));
    return group;
  }
  const kind = <SourceKind>num(obj, Fields.source);
  const nameValue = field(obj, Fields.name);
  let name = "";
  if (kind <= SourceKind.Cookie) { // header, query, cookie: name which one
    if (nameValue === null) errors.at(changetype<JsonValue>(field(obj, Fields.source)), "needs \"name\" (which one to read)");
    else name = kind == SourceKind.Header ? asciiLower(nameValue.string) : nameValue.string;
  } else if (nameValue !== null) {
    errors.at(nameValue, "applies only when source is \"header\", \"query\", \"cookie\"");
  }
  const condition = new Condition(sourceIndex(sources, kind, name), op);
  const ignoreCase = flag(obj, Fields.ignore_case);
  const value = field(obj, Fields.value);
  if (value !== null) condition.matchers.push(new StringMatcher(matchKind(op), value.string, ignoreCase));
  const values = items(obj, Fields.values);
  for (let i = 0; i < values.length; i++) condition.matchers.push(new StringMatcher(MatchKind.Exact, element(values, i).string, ignoreCase));
  if (op == Op.Range) {
    condition.min = <i64>num(obj, Fields.min);
    condition.max = <i64>num(obj, Fields.max);
    if (condition.max < condition.min) errors.at(changetype<JsonValue>(field(obj, Fields.max)), "must be >= min (" + decimal(condition.min) + ")");
  }
  return condition;
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
