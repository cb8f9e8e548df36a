// Istio string matching on request values (`to.hosts`, `when[i].values`): `*` alone (any value,
// also empty), `abc*` (prefix), `*abc` (suffix), else exact; hosts ignore ASCII case (their
// patterns are kept lowercase). Compiled into the configuration's PatternTable, which matches them.
import { asciiLower } from "../shared/bytes";
import { PatternKind, PatternTableBuilder } from "./pattern-table";

/** Compiles an Istio match string (`*`, `prefix*`, `*suffix` or exact) into `table`; returns its
 *  index. */
export function compileIstioMatcher(text: string, ignoreCase: bool, table: PatternTableBuilder): i32 {
  const n = text.length;
  const literal = ignoreCase ? asciiLower(text) : text;
  // substring with both bounds everywhere: the module then has no substring@varargs
  if (n > 1 && literal.charCodeAt(0) == 0x2a) return table.add(PatternKind.Suffix, literal.substring(1, n));
  // `*` alone is the empty prefix
  if (n > 0 && literal.charCodeAt(n - 1) == 0x2a) return table.add(PatternKind.Prefix, literal.substring(0, n - 1));
  return table.add(PatternKind.Exact, literal);
}
