// Rule conditions and condition groups, compiled at configure and tested against RequestValues
// (on the value's bytes, in place).
// Every operator except `absent` is false when the value is absent, so `not_equals` and `not_in`
// mean "present and different"; combine with `absent` in an `any` group to include missing values.
import { StringMatcher } from "../shared/matchers";
import { ABSENT, RequestValues } from "./request-values";
import { NOT_A_NUMBER, parseDecimal } from "./syntax";

/** The operators of conditions, then those of groups: `all` (every item matches) and `any` (at
 *  least one does); in schema.json order (the walker's enum index of `op`). */
export const enum Op { Equals, NotEquals, Prefix, Suffix, Contains, Glob, In, NotIn, Present, Absent, Range, All, Any }

/** A condition on one request value, or a group of conditions and groups. */
export class Condition {
  /** For equals/not_equals/prefix/suffix/contains/glob: the one matcher; for in/not_in: one
   *  exact matcher per listed value. */
  matchers: StringMatcher[] = [];
  /** For range, inclusive. */
  min: i64 = 0;
  max: i64 = 0;
  /** For all/any: the items. */
  items: Condition[] = [];

  /** `source`: the RequestValues source a condition reads (unused by groups). */
  constructor(readonly source: i32, readonly op: Op) {}

  test(request: RequestValues): bool {
    const op = this.op;
    if (op >= Op.All) return this.groupMatches(request, op == Op.Any);
    const n = request.read(this.source);
    if (op == Op.Absent) return n == ABSENT;
    if (n == ABSENT) return false;
    const value = request.at(this.source);
    switch (op) {
      case Op.Present: return true;
      case Op.NotEquals: return !unchecked(this.matchers[0]).matchesBytes(value, n);
      case Op.In: return this.inSet(value, n);
      case Op.NotIn: return !this.inSet(value, n);
      case Op.Range: {
        const number = parseDecimal(value, n);
        return number != NOT_A_NUMBER && number >= this.min && number <= this.max;
      }
      default: return unchecked(this.matchers[0]).matchesBytes(value, n);
    }
  }

  /** Whether the `n` bytes at `value` are one of the set's values. */
  private inSet(value: usize, n: i32): bool {
    const set = this.matchers;
    for (let i = 0, count = set.length; i < count; i++) {
      if (unchecked(set[i]).matchesBytes(value, n)) return true;
    }
    return false;
  }

  /** Whether the group's items all match (`any` false) or one does (`any` true). */
  private groupMatches(request: RequestValues, any: bool): bool {
    const items = this.items;
    for (let i = 0, n = items.length; i < n; i++) {
      if (unchecked(items[i]).test(request) == any) return any;
    }
    return !any;
  }
}
