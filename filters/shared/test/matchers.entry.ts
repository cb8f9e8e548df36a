// Test entry for matchers.ts.
import { stringToBuffer } from "../bytes";
import { MatchKind, StringMatcher } from "../matchers";

const KINDS = ["exact", "prefix", "suffix", "contains", "glob"];

/** Whether `subject` matches `pattern` with matcher `kind` (exact/prefix/suffix/contains/glob). */
export function matches(kind: string, pattern: string, ignoreCase: bool, subject: string): bool {
  const index = KINDS.indexOf(kind);
  if (index < 0) return false;
  return new StringMatcher(<MatchKind>index, pattern, ignoreCase).matches(subject);
}

/** As `matches`, on the subject's bytes in place (StringMatcher.matchesBytes). */
export function matchesBytes(kind: string, pattern: string, ignoreCase: bool, subject: string): bool {
  const index = KINDS.indexOf(kind);
  if (index < 0) return false;
  const bytes = stringToBuffer(subject);
  return new StringMatcher(<MatchKind>index, pattern, ignoreCase).matchesBytes(changetype<usize>(bytes), bytes.byteLength);
}
