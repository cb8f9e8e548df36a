// Istio string matching on request values (`to.hosts`, `when[i].values`): `*` alone (any value,
// also empty), `abc*` (prefix), `*abc` (suffix), else exact; hosts ignore ASCII case (their
// patterns are kept lowercase). Compiled into the configuration's PatternTable, which matches them.
import { asciiLower } from "../shared/bytes";
import { PatternKind, PatternTableBuilder } from "./pattern-table";

/** Compiles an Istio match string (`*`, `prefix*`, `*suffix` or exact) into `table`; returns its
 *  index. */
export function compileIstioMatcher(text: string, ignoreCase: bool, table: PatternTableBuilder): i32 {
  const n = text.length;
  if (n == 1 && text == "*") return table.add(PatternKind.Prefix, "");
  const literal = ignoreCase ? asciiLower(text) : text;
  if (n > 1 && text.startsWith("*")) return table.add(PatternKind.Suffix, literal.substring(1));
  if (n > 1 && text.endsWith("*")) return table.add(PatternKind.Prefix, literal.substring(0, n - 1));
  return table.add(PatternKind.Exact, literal);
}
