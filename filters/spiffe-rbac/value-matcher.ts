// Istio string matching on request values (`to.hosts`, `when[i].values`): `*` alone (any value,
// also empty), `abc*` (prefix), `*abc` (suffix), else exact; hosts ignore ASCII case. Compiled at
// configure time, matched on the request value's bytes in place.
import { asciiLower } from "../shared/bytes";
import { RequestValue } from "./request-value";

export namespace MatchKind {
  export const Exact: i32 = 0;
  export const Prefix: i32 = 1;
  export const Suffix: i32 = 2;
}

export class ValueMatcher {
  /** The text compared (ASCII-lowercased when ignoring case). */
  readonly text: string;

  constructor(readonly kind: i32, text: string, readonly ignoreCase: bool) {
    this.text = ignoreCase ? asciiLower(text) : text;
  }

  /** Whether the present value `value` matches. */
  matches(value: RequestValue): bool {
    const text = this.text;
    const n = value.length;
    const m = text.length;
    if (n < m) return false;
    switch (this.kind) {
      case MatchKind.Exact: return n == m && value.regionMatches(0, text, this.ignoreCase);
      case MatchKind.Prefix: return value.regionMatches(0, text, this.ignoreCase);
      default: return value.regionMatches(n - m, text, this.ignoreCase);
    }
  }
}

/** Compiles an Istio match string (`*`, `prefix*`, `*suffix` or exact). */
export function compileIstioMatcher(text: string, ignoreCase: bool): ValueMatcher {
  const n = text.length;
  if (n == 1 && text == "*") return new ValueMatcher(MatchKind.Prefix, "", false);
  if (n > 1 && text.startsWith("*")) return new ValueMatcher(MatchKind.Suffix, text.substring(1), ignoreCase);
  if (n > 1 && text.endsWith("*")) return new ValueMatcher(MatchKind.Prefix, text.substring(0, n - 1), ignoreCase);
  return new ValueMatcher(MatchKind.Exact, text, ignoreCase);
}
