// What an import could not express: one line per construct, `file:line: what, why`; with
// --lossy, constructs that have an approximation are written with a note instead.
import type { Value } from "./source.js";

export class Report {
  readonly errors: string[] = [];

  constructor(readonly lossy: boolean) {}

  /** A construct with no equivalent at all: an error, with or without --lossy. */
  refuse(at: Value, what: string, why: string): void {
    this.errors.push(`${at.at}: ${what}, ${why}`);
  }

  /** A construct whose meaning changes when written as `change`: an error line, or with --lossy
   *  the note `lossy: <what>: <why>; written as <change>` in `notes` (the rule's comment).
   *  Returns whether the approximation is written. */
  approximate(at: Value, what: string, why: string, change: string, notes: string[]): boolean {
    if (!this.lossy) {
      this.errors.push(`${at.at}: ${what}, ${why} (--lossy writes ${change})`);
      return false;
    }
    notes.push(`lossy: ${what}: ${why}; written as ${change}`);
    return true;
  }

  /** Keys of a source mapping that the importer does not read: each one an error, so nothing is
   *  dropped silently. `ignored` are keys with no effect on behaviour (ids, timestamps). */
  unknownKeys(obj: Value, known: readonly string[], ignored: readonly string[], what: string): void {
    for (const { key, at } of obj.keys()) {
      if (known.includes(key) || ignored.includes(key)) continue;
      this.refuse(at, `${what}: unknown field "${key}"`, `not imported: sluice does not know what it means here`);
    }
  }
}

/** "1 rule", "2 rules". */
export function count(n: number, noun: string, plural = `${noun}s`): string {
  return `${n} ${n === 1 ? noun : plural}`;
}
