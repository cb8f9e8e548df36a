// StringMatcher (shared/matchers.ts, compiled at configure) run on the bytes of a request value
// in place instead of on a string: the same kinds, the same glob (`*` any run, `?` one byte, one
// backtrack point, never exponential) and the same ASCII case folding of the subject; and plain
// byte comparison with a value encoded at configure.
import { MatchKind, StringMatcher } from "../shared/matchers";

// @ts-ignore: decorator
@inline function patternByte(p: string, i: i32): u32 {
  return <u32>load<u16>(changetype<usize>(p) + (<usize>i << 1));
}

// @ts-ignore: decorator
@inline function subjectByte(s: usize, i: i32, fold: bool): u32 {
  const c = <u32>load<u8>(s + <usize>i);
  return fold && c - 0x41 < 26 ? c | 0x20 : c;
}

/** Whether the `n` bytes at `s` are those of `expected`. */
export function equalsBuffer(s: usize, n: i32, expected: ArrayBuffer): bool {
  return n == expected.byteLength && bytesEqual(s, changetype<usize>(expected), <usize>n);
}

/** Whether the `n` bytes at `a` and at `b` are the same. Compares 8 (or 4) bytes at a time, the
 *  last word overlapping the one before it instead of finishing byte by byte. */
function bytesEqual(a: usize, b: usize, n: usize): bool {
  if (n >= 8) {
    const last = n - 8;
    for (let i: usize = 0; i < last; i += 8) {
      if (load<u64>(a + i) != load<u64>(b + i)) return false;
    }
    return load<u64>(a + last) == load<u64>(b + last);
  }
  if (n >= 4) return load<u32>(a) == load<u32>(b) && load<u32>(a + n - 4) == load<u32>(b + n - 4);
  for (let i: usize = 0; i < n; i++) {
    if (load<u8>(a + i) != load<u8>(b + i)) return false;
  }
  return true;
}

/** Whether `matcher` matches the `n` bytes at `s`. */
export function matchesBytes(matcher: StringMatcher, s: usize, n: i32): bool {
  const m = matcher.pattern.length;
  switch (matcher.kind) {
    case MatchKind.Exact: return n == m && equalAt(matcher, s, 0);
    case MatchKind.Prefix: return n >= m && equalAt(matcher, s, 0);
    case MatchKind.Suffix: return n >= m && equalAt(matcher, s, n - m);
    case MatchKind.Contains: {
      for (let at = 0; at <= n - m; at++) if (equalAt(matcher, s, at)) return true;
      return false;
    }
    default: return globMatches(matcher, s, n);
  }
}

/** Whether the whole pattern equals the bytes s[at .. at + pattern.length). */
function equalAt(matcher: StringMatcher, s: usize, at: i32): bool {
  const p = matcher.pattern;
  const fold = matcher.ignoreCase;
  for (let i = 0, m = p.length; i < m; i++) {
    if (subjectByte(s, at + i, fold) != patternByte(p, i)) return false;
  }
  return true;
}

function globMatches(matcher: StringMatcher, s: usize, n: i32): bool {
  const p = matcher.pattern;
  const fold = matcher.ignoreCase;
  const m = p.length;
  let si = 0;
  let pi = 0;
  let star = -1; // pattern index just after the last `*` seen
  let resume = 0; // subject index that `*` will absorb up to on the next backtrack
  while (si < n) {
    if (pi < m) {
      const pc = patternByte(p, pi);
      if (pc == 0x2a) { // *
        star = ++pi;
        resume = si;
        continue;
      }
      if (pc == 0x3f || pc == subjectByte(s, si, fold)) {
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
  while (pi < m && patternByte(p, pi) == 0x2a) pi++;
  return pi == m;
}
