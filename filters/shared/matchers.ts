// String matchers compiled once at configure and run on request data (byte strings).
// Glob: `*` matches any run of bytes (also empty), `?` exactly one byte, every other byte itself;
// there is no escape, so any pattern is valid. Matching is iterative with a single backtrack point
// (the last `*`): no recursion, at most O(pattern × subject) steps, never exponential.
// Case-insensitive matching folds ASCII A-Z only; the pattern is folded once at compile time.
import { asciiLower } from "./bytes";

export const enum MatchKind { Exact, Prefix, Suffix, Contains, Glob }

// @ts-ignore: decorator
@inline
function byteAt(s: string, i: i32): u32 {
  return <u32>load<u16>(changetype<usize>(s) + (<usize>i << 1));
}

// @ts-ignore: decorator
@inline
function subjectByte(s: usize, shift: i32, i: i32): u32 {
  return shift != 0 ? <u32>load<u16>(s + (<usize>i << 1)) : <u32>load<u8>(s + <usize>i);
}

// @ts-ignore: decorator
@inline
function foldAscii(c: u32): u32 {
  return c - 0x41 < 26 ? c | 0x20 : c;
}

export class StringMatcher {
  /** The pattern as matched (ASCII-lowercased when ignoring case). */
  readonly pattern: string;

  constructor(readonly kind: MatchKind, pattern: string, readonly ignoreCase: bool = false) {
    this.pattern = ignoreCase ? asciiLower(pattern) : pattern;
  }

  /** Whether byte string `s` matches. */
  matches(s: string): bool {
    return this.matchesAt(changetype<usize>(s), s.length, 1);
  }

  /** Whether the `n` bytes at `s` match (a value read in place, host-values.ts). */
  matchesBytes(s: usize, n: i32): bool {
    return this.matchesAt(s, n, 0);
  }

  // The subject: `n` bytes at `s`, each in a UTF-16 code unit (`shift` 1: a byte string) or a
  // byte (`shift` 0).
  private matchesAt(s: usize, n: i32, shift: i32): bool {
    const m = this.pattern.length;
    switch (this.kind) {
      case MatchKind.Exact: return n == m && this.equalAt(s, shift, 0);
      case MatchKind.Prefix: return n >= m && this.equalAt(s, shift, 0);
      case MatchKind.Suffix: return n >= m && this.equalAt(s, shift, n - m);
      case MatchKind.Contains: {
        for (let at = 0; at <= n - m; at++) if (this.equalAt(s, shift, at)) return true;
        return false;
      }
      default: return this.globMatches(s, n, shift);
    }
  }

  /** Whether the whole pattern equals the subject's bytes [at, at + pattern.length). */
  private equalAt(s: usize, shift: i32, at: i32): bool {
    const p = this.pattern;
    const fold = this.ignoreCase;
    for (let i = 0, m = p.length; i < m; i++) {
      const c = subjectByte(s, shift, at + i);
      if ((fold ? foldAscii(c) : c) != byteAt(p, i)) return false;
    }
    return true;
  }

  private globMatches(s: usize, n: i32, shift: i32): bool {
    const p = this.pattern;
    const fold = this.ignoreCase;
    const m = p.length;
    let si = 0;
    let pi = 0;
    let star = -1; // pattern index just after the last `*` seen
    let resume = 0; // subject index that `*` will absorb up to on the next backtrack
    while (si < n) {
      if (pi < m) {
        const pc = byteAt(p, pi);
        if (pc == 0x2a) { // *
          star = ++pi;
          resume = si;
          continue;
        }
        const c = subjectByte(s, shift, si);
        if (pc == 0x3f || pc == (fold ? foldAscii(c) : c)) {
          si++;
          pi++;
          continue;
        }
      }
      if (star < 0) return false;
      // let the last `*` absorb one more byte and retry the rest of the pattern from there
      pi = star;
      si = ++resume;
    }
    while (pi < m && byteAt(p, pi) == 0x2a) pi++;
    return pi == m;
  }
}

/** A header or query parameter condition: present (or absent), or present with a value matching
 *  `value`. */
export class ValueCondition {
  constructor(readonly name: string, readonly present: bool, readonly value: StringMatcher | null) {}

  /** Whether `actual` (null: absent) satisfies the condition. */
  holds(actual: string | null): bool {
    if (actual === null) return !this.present;
    if (!this.present) return false;
    const value = this.value;
    return value === null || value.matches(actual);
  }
}
