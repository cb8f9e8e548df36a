import { beforeAll, describe, expect, it } from "vitest";
import { loadTestModule } from "./load.js";

interface JsonModule {
  readSample(text: string): string;
  renderMember(valueJson: string): string;
  roundTrip(text: string): string;
  firstStringPath(text: string): string;
  formatNumberOf(v: number): string;
  readNumber(literal: string): number;
}

let m: JsonModule;

const significantDigits = (text: string) =>
  text.replace(/^-/, "").replace(/e.*$/, "").replace(".", "").replace(/^0+/, "").replace(/0+$/, "").length;
beforeAll(async () => {
  m = await loadTestModule<JsonModule>("json");
});

const valid = (extra: Record<string, unknown> = {}) => JSON.stringify({ name: "api", limit: 10, ...extra });

describe("json › parser", () => {
  it("keeps object key order and every kind of value", () => {
    const text = '{"b":1,"a":[true,false,null,"x",{"c":-2.5e3}],"e":{}}';
    expect(m.roundTrip(text)).toBe('{"b":1,"a":[true,false,null,"x",{"c":-2500}],"e":{}}');
  });

  it("accepts whitespace around every token", () => {
    expect(m.roundTrip(' \t\r\n{ "a" : [ 1 , 2 ] }\n')).toBe('{"a":[1,2]}');
  });

  it.each([
    ['{"s":"a\\"b\\\\c\\/d"}', '{"s":"a\\"b\\\\c/d"}'],
    ['{"s":"\\b\\f\\n\\r\\t"}', '{"s":"\b\f\n\r\t"}'],
    ['{"s":"\\u0041\\u00e9"}', '{"s":"A\u00c3\u00a9"}'], // é as its two UTF-8 bytes
    ['{"s":"\\u20ac"}', '{"s":"\u00e2\u0082\u00ac"}'], // € as three bytes
    ['{"s":"\\ud83d\\ude00"}', '{"s":"\u00f0\u009f\u0098\u0080"}'], // 😀 from a surrogate pair, four bytes
    ['{"s":"\u00c3\u00a9"}', '{"s":"\u00c3\u00a9"}'], // raw UTF-8 bytes pass through
  ])("decodes string escapes to UTF-8 bytes: %s", (text, expected) => {
    expect(m.roundTrip(text)).toBe(expected);
  });

  it.each([
    ["", "empty"],
    [" \n\t ", "empty"],
  ])("reports empty text %j as empty, not as an error", (text, expected) => {
    expect(m.readSample(text)).toBe(expected);
  });

  it.each([
    ["{", "invalid JSON at byte 1: unexpected end of input"],
    ['{"a":1,}', "invalid JSON at byte 7: expected a string key"],
    ['{"a":1 "b":2}', "invalid JSON at byte 7: expected ',' or '}'"],
    ['{"a" 1}', "invalid JSON at byte 5: expected ':'"],
    ["[1,2", "invalid JSON at byte 4: unexpected end of input"],
    ["[1 2]", "invalid JSON at byte 3: expected ',' or ']'"],
    ['{"a":1} x', "invalid JSON at byte 8: unexpected character after the value"],
    ['{"a":tru}', "invalid JSON at byte 5: unexpected character"],
    ['{"a":01}', "invalid JSON at byte 6: invalid number"],
    ['{"a":-}', "invalid JSON at byte 6: invalid number"],
    ['{"a":1.}', "invalid JSON at byte 7: invalid number"],
    ['{"a":1e}', "invalid JSON at byte 7: invalid number"],
    ['{"a":+1}', "invalid JSON at byte 5: unexpected character"],
    ['{"a":"x', "invalid JSON at byte 7: unterminated string"],
    ['{"a":"x\ny"}', "invalid JSON at byte 7: control character in string"],
    ['{"a":"\\x"}', "invalid JSON at byte 6: invalid escape"],
    ['{"a":"\\u12"}', "invalid JSON at byte 6: invalid \\u escape"],
    ['{"a":"\\ud800"}', "invalid JSON at byte 6: invalid \\u escape"],
    ['{"a":"\\udc00\\ud800"}', "invalid JSON at byte 6: invalid \\u escape"],
    ['{"a":1,"a":2}', 'invalid JSON at byte 7: duplicate key "a"'],
    ["{'a':1}", "invalid JSON at byte 1: expected a string key"],
    ['{"a":1} // c', "invalid JSON at byte 8: unexpected character after the value"],
  ])("rejects %j with the byte offset and reason", (text, reason) => {
    expect(m.readSample(text)).toBe(`sample: $: ${reason}`);
  });

  it("rejects nesting deeper than 64 and accepts exactly 64", () => {
    const nest = (n: number) => '{"a":' + "[".repeat(n - 1) + "]".repeat(n - 1) + "}";
    expect(m.roundTrip(nest(64))).toBe(nest(64));
    expect(m.roundTrip(nest(65))).toBe("f: $: invalid JSON at byte 68: nesting deeper than 64");
  });

  it("survives hostile depth without overflowing the stack", () => {
    expect(m.roundTrip("[".repeat(100_000))).toBe("f: $: invalid JSON at byte 64: nesting deeper than 64");
  });

  it("caps an object at 4096 members so duplicate detection stays cheap", () => {
    const members = (n: number) => "{" + Array.from({ length: n }, (_, i) => `"k${i}":0`).join(",") + "}";
    expect(m.roundTrip(members(4096))).toMatch(/^\{"k0":0,/);
    expect(m.roundTrip(members(4097))).toMatch(/invalid JSON at byte \d+: more than 4096 members in an object$/);
  });

  it("parses long strings full of escapes in linear time", () => {
    const text = '{"s":"' + "\\n".repeat(200_000) + '"}';
    const started = performance.now();
    expect(m.roundTrip(text)).toBe('{"s":"' + "\n".repeat(200_000) + '"}');
    expect(performance.now() - started).toBeLessThan(2000);
  });
});

describe("json › numbers", () => {
  it.each([
    "0", "-0", "1", "-42", "0.1", "0.5", "1.50", "123.456", "1e3", "1E2", "2.5e+3", "25e-1", "1e-7", "0.000001",
    "1e21", "1e22", "1e23", "9007199254740993", "123456789012345678", "100000000000000000000000000000", "4.35",
  ])("parses %s to the same double as JavaScript and prints it the same way", (literal) => {
    expect(m.roundTrip(`{"a":${literal}}`)).toBe(`{"a":${String(Number(literal))}}`);
  });

  it("parses and prints random decimals of up to 15 digits exactly as JavaScript", () => {
    let seed = 21;
    const random = (n: number) => ((seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) >>> 4) % n;
    for (let i = 0; i < 3000; i++) {
      const digits = String(1 + random(999_999_999)) + String(random(999_999)).padStart(6, "0");
      const used = digits.slice(0, 1 + random(15));
      const point = random(used.length + 1);
      const literal = (random(2) ? "-" : "") + (used.slice(0, point) || "0") + "." + (used.slice(point) || "0");
      expect(m.roundTrip(`{"a":${literal}}`)).toBe(`{"a":${String(Number(literal))}}`);
    }
  });

  it.each([
    ["1e400", "Infinity"],
    ["-1e400", "-Infinity"],
    ["1e-400", "0"],
    ["1e99999999999", "Infinity"],
  ])("handles the out-of-range literal %s without trapping", (literal, printed) => {
    expect(m.roundTrip(`{"a":${literal}}`)).toBe(`{"a":${printed}}`);
  });

  it.each(["1" + "0".repeat(400) + "e-390", "0." + "0".repeat(39) + "1", "1.7976931348623157e308", "2.2250738585072014e-308", "1.5e-300"])(
    "keeps the literal %s within a few units in the last place",
    (literal) => {
      const printed = Number(m.roundTrip(`{"a":${literal}}`).slice(5, -1));
      expect(Math.abs(printed - Number(literal)) / Number(literal)).toBeLessThan(1e-15);
    },
  );
});

describe("json › config reader", () => {
  it("reads a valid config with defaults for absent optional keys", () => {
    expect(m.readSample(valid())).toBe("name=api limit=10 ratio=1 enabled=true mode=fast timeout=250 rules=");
  });

  it("reads every optional key when present", () => {
    const text = valid({ ratio: 0.5, enabled: false, mode: "safe", timeout: "45s", rules: [{ name: "a" }, { name: "b" }] });
    expect(m.readSample(text)).toBe("name=api limit=10 ratio=0.5 enabled=false mode=safe timeout=45000 rules=<a><b>");
  });

  it("accepts a duration given as an integer number of milliseconds", () => {
    expect(m.readSample(valid({ timeout: 1500 }))).toMatch(/ timeout=1500 /);
  });

  it("accepts 1.0 as an integer", () => {
    expect(m.readSample('{"name":"api","limit":1.0}')).toMatch(/^name=api limit=1 /);
  });

  it.each([
    ["the document is not an object", "[1]", "$: must be an object, got [...]"],
    ["a required key is missing", '{"limit":1}', "name: is required, got nothing"],
    ["a string is a number", '{"name":5,"limit":1}', "name: must be a string, got 5"],
    ["a string is too short", '{"name":"","limit":1}', 'name: must have at least 1 characters, got ""'],
    ["a string is too long", '{"name":"abcdefghijklmnopq","limit":1}', 'name: must have at most 16 characters, got "abcdefghijklmnopq"'],
    ["an integer has a fraction", valid({ limit: 1.5 }), "limit: must be an integer, got 1.5"],
    ["an integer is a string", valid({ limit: "10" }), 'limit: must be an integer, got "10"'],
    ["an integer is below its minimum", valid({ limit: 0 }), "limit: must be >= 1, got 0"],
    ["an integer is above its maximum", valid({ limit: 1001 }), "limit: must be <= 1000, got 1001"],
    ["an integer is beyond i64", valid({ limit: 1e30 }), "limit: must be <= 1000, got 1e+30"],
    ["a number is a boolean", valid({ ratio: true }), "ratio: must be a number, got true"],
    ["a number is at an exclusive minimum", valid({ ratio: 0 }), "ratio: must be > 0, got 0"],
    ["a number is above its maximum", valid({ ratio: 1.25 }), "ratio: must be <= 1, got 1.25"],
    ["a boolean is a string", valid({ enabled: "yes" }), 'enabled: must be a boolean, got "yes"'],
    ["a boolean is null", valid({ enabled: null }), "enabled: must be a boolean, got null"],
    ["an enum value is not allowed", valid({ mode: "slow" }), 'mode: must be one of "fast", "safe", got "slow"'],
    ["an enum value is not a string", valid({ mode: 1 }), "mode: must be a string, got 1"],
    ["a duration has no unit", valid({ timeout: "5" }), 'timeout: must be a duration like "1s" or "250ms", got "5"'],
    ["a duration is negative", valid({ timeout: -5 }), 'timeout: must be a duration like "1s" or "250ms", got -5'],
    ["a duration is below its minimum", valid({ timeout: "0s" }), 'timeout: must be >= 1ms, got "0s"'],
    ["a duration is above its maximum", valid({ timeout: "2m" }), 'timeout: must be <= 60000ms, got "2m"'],
    ["an array is an object", valid({ rules: {} }), "rules: must be an array, got {...}"],
    ["an array has too few items", valid({ rules: [] }), "rules: must have at least 1 items, got [...]"],
    ["an array has too many items", valid({ rules: [{ name: "a" }, { name: "b" }, { name: "c" }, { name: "d" }] }), "rules: must have at most 3 items, got [...]"],
    ["an array item is not an object", valid({ rules: [{ name: "a" }, 7] }), "rules[1]: must be an object, got 7"],
    ["a nested required key is missing", valid({ rules: [{ name: "a" }, {}] }), "rules[1].name: is required, got nothing"],
    ["a nested key is unknown", valid({ rules: [{ name: "a", nmae: "b" }] }), 'rules[0].nmae: unknown key, got "b"'],
    ["a top-level key is unknown", valid({ limits: [1] }), "limits: unknown key, got [...]"],
    ["an object is an array", valid({ extra: [] }), "extra: must be an object, got [...]"],
    ["a semantic check fails", valid({ rules: [{ name: "a" }, { name: "a" }] }), 'rules[1].name: duplicate rule name, got "a"'],
  ])("reports the first error when %s", (_, text, error) => {
    expect(m.readSample(text)).toBe(`sample: ${error}`);
  });

  it("keeps only the first error when several keys are wrong", () => {
    expect(m.readSample('{"name":1,"limit":"x","mode":"?"}')).toBe("sample: name: must be a string, got 1");
  });

  it("counts string length in UTF-8 characters, as JSON Schema does", () => {
    const sixteen = "é".repeat(16); // 32 bytes, 16 characters
    expect(m.readSample(JSON.stringify({ name: sixteen, limit: 1 }))).toMatch(/^name=/);
  });

  it.each([
    ['{"a":{"b":[0,["x"]]}}', 'a.b[1][0]: here, got "x"'],
    ['{"a.b":"x"}', 'a.b: here, got "x"'],
    ['{"a":[{"b":{"c":"x"}}]}', 'a[0].b.c: here, got "x"'],
  ])("builds the JSON path of %s", (text, line) => {
    expect(m.firstStringPath(text)).toBe(`f: ${line}`);
  });
});

describe("config errors › value rendering", () => {
  it.each([
    ['"plain"', '"plain"'],
    ['"q\\"b\\\\s"', '"q\\"b\\\\s"'],
    ['"\\n\\r\\t\\b\\f"', '"\\n\\r\\t\\b\\f"'],
    ['"\\u0001\\u001f"', '"\\u0001\\u001f"'],
    ['"\\u007f/"', '"\u007f/"'],
    ["true", "true"],
    ["false", "false"],
    ["null", "null"],
    ["{}", "{...}"],
    ['{"a":1}', "{...}"],
    ["[]", "[...]"],
    ["[1,2]", "[...]"],
    ["10", "10"],
    ["1.50", "1.5"],
    ["1e3", "1000"],
    ["-0", "0"],
    ["0.1", "0.1"],
    ["1e21", "1e+21"],
    ["1e400", "Infinity"],
  ])("renders %s as %s", (json, rendered) => {
    expect(m.renderMember(json)).toBe(`f: v: bad, got ${rendered}`);
  });

  it("cuts strings over 64 characters to 64 followed by ... inside the quotes", () => {
    const a64 = "a".repeat(64);
    expect(m.renderMember(JSON.stringify(a64))).toBe(`f: v: bad, got "${a64}"`);
    expect(m.renderMember(JSON.stringify(a64 + "b"))).toBe(`f: v: bad, got "${a64}..."`);
  });

  it("counts characters, not bytes, when cutting, and never splits a UTF-8 sequence", () => {
    const e64 = "\u00c3\u00a9".repeat(64); // 64 × é as UTF-8 bytes
    expect(m.renderMember(`"${e64}"`)).toBe(`f: v: bad, got "${e64}"`);
    expect(m.renderMember(`"${e64}x"`)).toBe(`f: v: bad, got "${e64}..."`);
  });

  const numbers = [
    0, 1, -1, 0.1, 0.2, 1 / 3, 2 / 3, 123.456, 1e21, 1e-7, 1e-6, 1.5e-7, 123e20, 0.30000000000000004,
    17.000000000000004, 9007199254740993, 2 ** 53, 2 ** 63, 5e-324, 100, 1e20, 123456789012345680000, -0.000001,
    4.35, 0.000123, 9.5,
  ];
  it.each(numbers)("formats %d exactly as JavaScript's String(n)", (n) => {
    expect(m.formatNumberOf(n)).toBe(String(n));
  });

  // Known limit: beyond 15 significant digits or 1e±22 the module's reader is within a few units
  // in the last place of JavaScript's, and the text is the shortest that reader maps back to n.
  it.each([
    [99.99999999999999, "99.99999999999998"],
  ])("formats %d, which needs 16-17 digits, as the shortest text the module reads back to it", (n, text) => {
    expect(m.formatNumberOf(n)).toBe(text);
    expect(m.readNumber(text)).toBe(n);
  });

  it.each([
    ["1e100", "1e+100"],
    ["1e300", "1e+300"],
    ["-2.5e-300", "-2.5e-300"],
    ["1.5e308", "1.5e+308"],
    ["5e-324", "5e-324"],
  ])("prints the config literal %s far from 1 as JavaScript does (%s)", (literal, text) => {
    expect(m.roundTrip(`{"a":${literal}}`)).toBe(`{"a":${text}}`);
    expect(String(Number(literal))).toBe(text);
  });

  // Random number literals: the module's reading of each prints as text it reads back to the same
  // double; with up to 15 significant digits within 1e±22 that text is JavaScript's String(n).
  const randomLiterals = (seed: number, maxDigits: number, maxExponent: number) => {
    const random = () => (seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 2 ** 32;
    return Array.from({ length: 5000 }, () => {
      const digits = Array.from({ length: 1 + Math.floor(random() * maxDigits) }, () => Math.floor(random() * 10)).join("");
      const exponent = Math.floor((random() * 2 - 1) * maxExponent);
      return `${random() < 0.5 ? "-" : ""}${digits.replace(/^0+(?=\d)/, "")}e${exponent}`;
    });
  };

  it("prints the reading of random literals of config-like magnitude as JavaScript does, up to 15 digits", () => {
    for (const literal of randomLiterals(12345, 17, 22)) {
      const v = m.readNumber(literal);
      const text = m.formatNumberOf(v);
      expect(m.readNumber(text) === v).toBe(true); // -0 prints as "0", as in JavaScript
      if (significantDigits(literal.replace(/e.*$/, "")) <= 15) expect(text).toBe(String(Number(literal)));
    }
  });

  // Known limit: a 17-digit literal far from 1 may print as a 17-digit neighbour that reads back
  // a few units in the last place away.
  it("prints the reading of random literals of up to 16 digits and any magnitude as text the module reads back", () => {
    for (const literal of randomLiterals(99, 16, 330)) {
      const v = m.readNumber(literal);
      if (Number.isFinite(v)) expect(m.readNumber(m.formatNumberOf(v)) === v).toBe(true);
    }
  });
});
