// The shared match shapes of a checked configuration (docs/config.md): StringMatch, HeaderMatch and
// QueryMatch compiled into matchers.
import { asciiLower } from "./bytes";
import { HeaderMatch, StringMatch } from "./config-schema";
import { field, flag, text } from "./config-walker";
import { JsonValue } from "./json";
import { MatchKind, StringMatcher, ValueCondition } from "./matchers";

/** The matcher of the one of exact, prefix, suffix, glob (members `first` to `first + 3` of `obj`)
 *  that is present, or null; `ignoreCase` also when the config does not ask for it. */
function matcherAt(obj: JsonValue, first: i32, ignoreCase: bool): StringMatcher | null {
  for (let k = 0; k < 4; k++) {
    const value = field(obj, first + k);
    if (value !== null) {
      const kind = k == 3 ? MatchKind.Glob : <MatchKind>k; // exact, prefix, suffix
      return new StringMatcher(kind, value.string, ignoreCase || flag(obj, first + 4));
    }
  }
  return null;
}

/** A checked StringMatch (exactly one kind is present). */
export function compileStringMatch(obj: JsonValue, ignoreCase: bool = false): StringMatcher {
  return changetype<StringMatcher>(matcherAt(obj, StringMatch.exact, ignoreCase));
}

/** A checked HeaderMatch or QueryMatch (same layout); `lowerName` for header names. */
export function compileValueCondition(obj: JsonValue, lowerName: bool): ValueCondition {
  const name = text(obj, HeaderMatch.name);
  const present = field(obj, HeaderMatch.present);
  return new ValueCondition(lowerName ? asciiLower(name) : name, present === null || present.bool,
    matcherAt(obj, HeaderMatch.exact, false));
}
