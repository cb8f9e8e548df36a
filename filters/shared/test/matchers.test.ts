import { beforeAll, describe, expect, it } from "vitest";
import { loadTestModule } from "./load.js";

interface MatchersModule {
  matches(kind: string, pattern: string, ignoreCase: boolean, subject: string): boolean;
  matchesBytes(kind: string, pattern: string, ignoreCase: boolean, subject: string): boolean;
}

let m: MatchersModule;
beforeAll(async () => {
  m = await loadTestModule<MatchersModule>("matchers");
});

type Case = [kind: string, pattern: string, ignoreCase: boolean, subject: string, expected: boolean];

describe("matchers › StringMatcher", () => {
  it.each<Case>([
    ["exact", "/api", false, "/api", true],
    ["exact", "/api", false, "/api/", false],
    ["exact", "/api", false, "/API", false],
    ["exact", "/api", true, "/API", true],
    ["exact", "", false, "", true],
    ["prefix", "/api/", false, "/api/v1", true],
    ["prefix", "/api/", false, "/api", false],
    ["prefix", "/API/", true, "/api/v1", true],
    ["prefix", "", false, "anything", true],
    ["suffix", ".json", false, "/a.json", true],
    ["suffix", ".json", false, "json", false],
    ["suffix", ".JSON", true, "/a.Json", true],
    ["contains", "admin", false, "/x/admin/y", true],
    ["contains", "admin", false, "/x/admi", false],
    ["contains", "ADMIN", true, "/x/Admin", true],
    ["contains", "", false, "", true],
  ])("%s %j (ignore case %s) on %j is %s", (kind, pattern, ignoreCase, subject, expected) => {
    expect(m.matches(kind, pattern, ignoreCase, subject)).toBe(expected);
  });

  it("folds only ASCII letters when ignoring case", () => {
    expect(m.matches("exact", "\u00c9", true, "\u00e9")).toBe(false); // bytes 0xC9 / 0xE9 differ
    expect(m.matches("exact", "[", true, "{")).toBe(false); // 0x5B vs 0x7B: not letters
    expect(m.matches("exact", "@", true, "`")).toBe(false);
  });
});

describe("matchers › glob", () => {
  it.each<Case>([
    ["glob", "*", false, "", true],
    ["glob", "*", false, "abc", true],
    ["glob", "?", false, "", false],
    ["glob", "?", false, "a", true],
    ["glob", "?", false, "ab", false],
    ["glob", "a*c", false, "ac", true],
    ["glob", "a*c", false, "abbbc", true],
    ["glob", "a*c", false, "abbbcd", false],
    ["glob", "*.example.com", false, "api.example.com", true],
    ["glob", "*.example.com", false, "example.com", false],
    ["glob", "*.EXAMPLE.com", true, "Api.Example.COM", true],
    ["glob", "/api/*/users/?", false, "/api/v1/users/7", true],
    ["glob", "/api/*/users/?", false, "/api/v1/users/", false],
    ["glob", "a*b*c", false, "axxbyyc", true],
    ["glob", "a*b*c", false, "axxcyyb", false],
    ["glob", "*a*", false, "bab", true],
    ["glob", "**", false, "x", true],
    ["glob", "a**", false, "a", true],
    ["glob", "*?", false, "", false],
    ["glob", "*ab", false, "aab", true],
    ["glob", "*aab", false, "aaab", true],
    ["glob", "ab*", false, "a", false],
    ["glob", "exact", false, "exact", true],
    ["glob", "exact", false, "exactly", false],
  ])("%s %j (ignore case %s) on %j is %s", (kind, pattern, ignoreCase, subject, expected) => {
    expect(m.matches(kind, pattern, ignoreCase, subject)).toBe(expected);
  });

  it("agrees with a reference regular expression on random patterns and subjects", () => {
    let seed = 7;
    const random = (n: number) => ((seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) >>> 8) % n;
    const pick = (alphabet: string, length: number) =>
      Array.from({ length }, () => alphabet[random(alphabet.length)]).join("");
    for (let i = 0; i < 3000; i++) {
      const pattern = pick("ab*?", random(7));
      const subject = pick("ab", random(9));
      const regex = new RegExp("^" + pattern.replace(/\*/g, ".*").replace(/\?/g, ".") + "$", "s");
      expect(m.matches("glob", pattern, false, subject), `${pattern} on ${subject}`).toBe(regex.test(subject));
    }
  });

  // A backtracking matcher takes exponential time on these; the single-backtrack loop stays at
  // O(pattern × subject), so a megabyte subject finishes in milliseconds.
  it.each([
    ["*a*a*a*a*a*a*a*a*b", "a".repeat(1_000_000)],
    ["*aaaaaaaaaaaaaaaaaaaaaaaaaaaaab", "a".repeat(1_000_000)],
    ["?*?*?*?*?*?*?*?*?*?*x", "y".repeat(1_000_000)],
  ])("finishes a pathological glob %j on a 1 MB subject quickly", (pattern, subject) => {
    const started = performance.now();
    expect(m.matches("glob", pattern, false, subject)).toBe(false);
    expect(performance.now() - started).toBeLessThan(1000);
  });

  it("takes time proportional to the subject length", () => {
    const time = (n: number) => {
      const subject = "a".repeat(n);
      const started = performance.now();
      for (let i = 0; i < 5; i++) m.matches("glob", "*a*a*a*b", false, subject);
      return performance.now() - started;
    };
    time(100_000); // warm up
    const small = time(200_000);
    const large = time(800_000);
    expect(large / small).toBeLessThan(4 * 3); // linear would be 4; quadratic 16
  });
});

describe("matchers › on bytes in place", () => {
  it("decides exactly as on the byte string, for every kind, on random patterns and subjects", () => {
    let state = 3;
    const next = () => (state = (Math.imul(state, 1103515245) + 12345) >>> 0);
    const alphabet = "aAbB*?.\u00e9";
    const text = (max: number) => Array.from({ length: next() % max }, () => alphabet[next() % alphabet.length]).join("");
    for (const kind of ["exact", "prefix", "suffix", "contains", "glob"]) {
      for (let i = 0; i < 400; i++) {
        const pattern = text(6);
        const subject = text(10);
        const ignoreCase = next() % 2 === 0;
        expect(m.matchesBytes(kind, pattern, ignoreCase, subject), `${kind} ${pattern} ${subject}`)
          .toBe(m.matches(kind, pattern, ignoreCase, subject));
      }
    }
  });
});
