// Test entry for matchers.ts.
import { MatchKind, StringMatcher } from "../matchers";

const KINDS = ["exact", "prefix", "suffix", "contains", "glob"];

/** Whether `subject` matches `pattern` with matcher `kind` (exact/prefix/suffix/contains/glob). */
export function matches(kind: string, pattern: string, ignoreCase: bool, subject: string): bool {
  const index = KINDS.indexOf(kind);
  if (index < 0) return false;
  return new StringMatcher(<MatchKind>index, pattern, ignoreCase).matches(subject);
}
