// A colouring rule: optional activation window and conditions, then a fixed colour or a split.
import { Condition } from "./conditions";
import { Split } from "./split";

export const NO_COLOUR: i32 = -1;

export class Rule {
  /** Colour index for a fixed-colour rule; NO_COLOUR when the rule has a split. */
  colour: i32 = NO_COLOUR;
  split: Split | null = null;
  /** Null: the rule applies to every request (inside its window). */
  match: Condition | null = null;
  /** Activation window in Unix epoch nanoseconds, inclusive of not_before, exclusive of not_after. */
  notBefore: i64 = i64.MIN_VALUE;
  notAfter: i64 = i64.MAX_VALUE;

  constructor(readonly name: string) {}

  get hasWindow(): bool {
    return this.notBefore != i64.MIN_VALUE || this.notAfter != i64.MAX_VALUE;
  }

  /** Whether `nowNs` lies inside the activation window. */
  activeAt(nowNs: i64): bool {
    return nowNs >= this.notBefore && nowNs < this.notAfter;
  }
}
