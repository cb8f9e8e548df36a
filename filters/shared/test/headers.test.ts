import { beforeAll, describe, expect, it } from "vitest";
import { byteString, hex, loadTestModule } from "./load.js";

interface HeadersModule {
  cookie(header: string, name: string): string;
  query(path: string, name: string): string;
  withoutQuery(path: string): string;
  serializePairs(lines: string): string;
  writePairs(lines: string, most: number): string;
  parsePairs(bytes: string): string;
  hostOf(address: string): string;
}

let m: HeadersModule;
beforeAll(async () => {
  m = await loadTestModule<HeadersModule>("headers");
});

const u32 = (n: number) => [n & 0xff, (n >>> 8) & 0xff, (n >>> 16) & 0xff, n >>> 24];

describe("header-pairs › lists written per request", () => {
  it.each([
    ["as many headers as started for", 2],
    ["fewer headers than started for (the names and values move down)", 5],
    ["more headers than started for (room is made)", 0],
  ])("lays out %s exactly as the host expects", (_what, most) => {
    const lines = "retry-after=#30\nx-ratelimit-limit=10, 10;w=60\nx-empty=";
    expect(hex(m.writePairs(lines, most))).toBe(hex(m.serializePairs("retry-after=30\nx-ratelimit-limit=10, 10;w=60\nx-empty=")));
  });

  it("writes numbers as their decimal digits, 0 and the largest u64 included", () => {
    expect(m.parsePairs(m.writePairs("a=#0\nb=#18446744073709551615", 2))).toBe("a=0\nb=18446744073709551615");
  });

  it("lays out an empty list as N = 0", () => {
    expect(hex(m.writePairs("", 3))).toBe("00 00 00 00");
  });
});

describe("headers › pairs layout", () => {
  it("serializes [(a, 1)] to the host's 16 bytes", () => {
    expect(hex(m.serializePairs("a=1"))).toBe("01 00 00 00 01 00 00 00 01 00 00 00 61 00 31 00");
  });

  it("serializes {a: 1, b: 22} with all sizes before the data", () => {
    expect(hex(m.serializePairs("a=1\nb=22"))).toBe(
      "02 00 00 00 01 00 00 00 01 00 00 00 01 00 00 00 02 00 00 00 61 00 31 00 62 00 32 32 00",
    );
  });

  it("serializes an empty list as a zero count", () => {
    expect(hex(m.serializePairs(""))).toBe("00 00 00 00");
  });

  it("round-trips names and values holding any byte", () => {
    const lines = "x-bin=\u0001\u00ff\u0080\n:path=/a?b=c\nempty=";
    expect(m.parsePairs(m.serializePairs(lines))).toBe(lines);
  });

  it("parses the host's bytes for [(a, 1)]", () => {
    expect(m.parsePairs(byteString([1, 0, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0, 0x61, 0, 0x31, 0]))).toBe("a=1");
  });

  const valid = [...u32(1), ...u32(1), ...u32(1), 0x61, 0, 0x31, 0];
  it.each([
    ["no bytes", []],
    ["a lone zero byte", [0]],
    ["a zero count", u32(0)],
    ["a count larger than the sizes present", [...u32(2), ...u32(1), ...u32(1), 0x61, 0, 0x31, 0]],
    ["a huge count", [...u32(0xffffffff), ...valid.slice(4)]],
    ["a size running past the end", [...u32(1), ...u32(1), ...u32(0xfffffff0), 0x61, 0, 0x31, 0]],
    ["a missing NUL after the name", [...u32(1), ...u32(1), ...u32(1), 0x61, 0x78, 0x31, 0]],
    ["a missing NUL after the value", [...u32(1), ...u32(1), ...u32(1), 0x61, 0, 0x31, 0x78]],
    ["trailing bytes", [...valid, 0]],
    ["a truncated buffer", valid.slice(0, 15)],
  ])("parses %s as an empty list", (_, bytes) => {
    expect(m.parsePairs(byteString(bytes))).toBe("<empty>");
  });
});

describe("headers › cookieValue", () => {
  it.each([
    ["session=abc", "session", "abc"],
    ["a=1; session=abc; b=2", "session", "abc"],
    ["a=1;session=abc", "session", "abc"],
    ["  session = abc  ;b=2", "session", "abc"],
    ["\tsession=\tabc\t", "session", "abc"],
    ['session="abc"', "session", "abc"],
    ['session="abc', "session", '"abc'],
    ['session="', "session", '"'],
    ["session=", "session", ""],
    ["session=a=b", "session", "a=b"],
    ["session=1; session=2", "session", "1"],
    ["Session=1; session=2", "session", "2"],
    ["xsession=1; session=2", "session", "2"],
    ["session; session=2", "session", "2"],
    ["=1; session=2", "session", "2"],
    ["a=1", "session", "<none>"],
    ["", "session", "<none>"],
    [";;;", "session", "<none>"],
    ["session", "session", "<none>"],
    ["=", "", ""],
    ["s=\u00ff\u0000", "s", "\u00ff\u0000"],
  ])("finds %j → %s = %j", (header, name, value) => {
    expect(m.cookie(header, name)).toBe(value);
  });

  it("scans a hostile 1 MB header of separators quickly", () => {
    const started = performance.now();
    expect(m.cookie(";".repeat(500_000) + "=".repeat(500_000), "s")).toBe("<none>");
    expect(performance.now() - started).toBeLessThan(1000);
  });
});

describe("headers › queryParam", () => {
  it.each([
    ["/p?a=1", "a", "1"],
    ["/p?x=0&a=1&a=2", "a", "1"],
    ["/p?a", "a", ""],
    ["/p?a=", "a", ""],
    ["/p?a=1#frag", "a", "1"],
    ["/p#frag?a=1", "a", "<none>"],
    ["/p?b=1", "a", "<none>"],
    ["/p", "a", "<none>"],
    ["/p?", "a", "<none>"],
    ["/p?&&a=1&&", "a", "1"],
    ["/p?aa=1&a=2", "a", "2"],
    ["/p?a=x%20y", "a", "x y"],
    ["/p?a=x+y", "a", "x y"],
    ["/p?a=%2B%2b", "a", "++"],
    ["/p?a=%e2%82%ac", "a", "\u00e2\u0082\u00ac"],
    ["/p?a=%zz", "a", "%zz"],
    ["/p?a=%4", "a", "%4"],
    ["/p?a=%", "a", "%"],
    ["/p?a=100%", "a", "100%"],
    ["/p?a=%%41", "a", "%A"],
    ["/p?a=%00", "a", "\u0000"],
    ["/p?a=b=c", "a", "b=c"],
    ["/p?a%5Fb=1", "a_b", "1"],
    ["/p?a+b=1", "a b", "1"],
    ["/p?=1", "", "1"],
  ])("finds %j → %s = %j", (path, name, value) => {
    expect(m.query(path, name)).toBe(value);
  });

  it("decodes a long value of escapes in linear time", () => {
    const started = performance.now();
    expect(m.query("/p?a=" + "%41".repeat(300_000), "a")).toBe("A".repeat(300_000));
    expect(performance.now() - started).toBeLessThan(1000);
  });
});

describe("headers › pathWithoutQuery", () => {
  it.each([
    ["/a/b?x=1", "/a/b"],
    ["/a/b#f", "/a/b"],
    ["/a/b", "/a/b"],
    ["?x", ""],
    ["", ""],
  ])("turns %j into %j", (path, expected) => {
    expect(m.withoutQuery(path)).toBe(expected);
  });
});

describe("properties › stripPort", () => {
  it.each([
    ["10.1.2.3:54321", "10.1.2.3"],
    ["[::1]:443", "::1"],
    ["[2001:db8::1]:80", "2001:db8::1"],
    ["10.1.2.3", "10.1.2.3"],
    ["2001:db8::1", "2001:db8::1"],
    ["[::1", "[::1"],
    ["/var/run/sock", "/var/run/sock"],
    ["", ""],
  ])("takes the host of %j as %j", (address, host) => {
    expect(m.hostOf(address)).toBe(host);
  });
});

