// The filters' JSON parser (filters/shared/json.ts) through a compiled test entry, and its
// TypeScript twin (cli/json-text.ts, used by `sluice validate`) on the same inputs.
import fc from "fast-check";
import { beforeAll, describe, expect, it } from "vitest";
import { describeSyntaxError, JsonKind, JsonSyntaxError, parseJson, type JsonValue } from "../../../cli/json-text.js";
import { loadTestModule } from "./load.js";

interface JsonModule {
  roundTrip(text: string): string;
  renderMember(valueJson: string): string;
  firstStringPath(text: string): string;
  readNumber(literal: string): number;
}

let m: JsonModule;
beforeAll(async () => {
  m = await loadTestModule<JsonModule>("json");
});

/** Byte strings (one code unit per byte, as the module sees host data) from and to text. */
const bytesOf = (text: string) => Buffer.from(text, "utf8").toString("latin1");
const textOf = (bytes: string) => Buffer.from(bytes, "latin1").toString("utf8");

/** The TypeScript parser's answer in the entry's form (strings as byte strings). */
function twin(bytes: string): string {
  const doc = parseJson(Buffer.from(bytes, "latin1"));
  if (doc instanceof JsonSyntaxError) return `f: $: ${describeSyntaxError(Buffer.from(bytes, "latin1"), doc)}`;
  const serialize = (v: JsonValue): string => {
    switch (v.kind) {
      case JsonKind.Null: return "null";
      case JsonKind.Bool: return v.bool ? "true" : "false";
      case JsonKind.Number: return v.string;
      case JsonKind.String: return `"${bytesOf(v.string).replaceAll("\\", "\\\\").replaceAll("\"", "\\\"")}"`;
      case JsonKind.Array: return `[${v.items.map(serialize).join(",")}]`;
      default: return `{${v.keys.map((k, i) => `"${bytesOf(k)}":${serialize(v.items[i]!)}`).join(",")}}`;
    }
  };
  return serialize(doc);
}

describe("json › parser", () => {
  it("keeps object key order, every kind of value, and numbers as written", () => {
    const text = '{"b":1,"a":[true,false,null,"x",{"c":-2.5e3}],"e":{}}';
    expect(m.roundTrip(text)).toBe(text);
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
    ["{", "line 1, column 2: unexpected end of input"],
    ['{"a":1,}', "line 1, column 8: expected a string key"],
    ['{"a":1 "b":2}', "line 1, column 8: expected ',' or '}'"],
    ['{"a" 1}', "line 1, column 6: expected ':'"],
    ["[1,2", "line 1, column 5: unexpected end of input"],
    ["[1 2]", "line 1, column 4: expected ',' or ']'"],
    ['{"a":1} x', "line 1, column 9: unexpected character after the value"],
    ['{"a":tru}', "line 1, column 6: unexpected character"],
    ['{"a":01}', "line 1, column 7: invalid number"],
    ['{"a":-}', "line 1, column 7: invalid number"],
    ['{"a":1.}', "line 1, column 8: invalid number"],
    ['{"a":1e}', "line 1, column 8: invalid number"],
    ['{"a":+1}', "line 1, column 6: unexpected character"],
    ['{"a":"x', "line 1, column 8: unterminated string"],
    ['{"a":"x\ny"}', "line 1, column 8: control character in string"],
    ['{"a":"\\x"}', "line 1, column 7: invalid escape"],
    ['{"a":"\\u12"}', "line 1, column 7: invalid \\u escape"],
    ['{"a":"\\ud800"}', "line 1, column 7: invalid \\u escape"],
    ['{"a":"\\udc00\\ud800"}', "line 1, column 7: invalid \\u escape"],
    ['{"a":1,"a":2}', 'line 1, column 8: duplicate key "a"'],
    ["{'a':1}", "line 1, column 2: expected a string key"],
    ['{"a":1} // c', "line 1, column 9: unexpected character after the value"],
    ['{\n  "a": 1,\n  "b": x\n}', "line 3, column 8: unexpected character"],
    ['{"\u00c3\u00a9": 1,\n "b": ?}', "line 2, column 7: unexpected character"], // columns count characters
  ])("rejects %j at its line and column", (text, where) => {
    expect(m.roundTrip(text)).toBe(`f: $: invalid JSON at ${where}`);
  });

  it.each([
    ['{"a":"\u00ff"}', "line 1, column 7: invalid UTF-8 byte 0xff"],
    ['{"a":"\u00c3"}', "line 1, column 8: invalid UTF-8 byte 0x22"], // a sequence cut short by the quote
    ['{"a":"\u00c0\u0080"}', "line 1, column 7: invalid UTF-8 byte 0xc0"], // overlong
    ['{"a":"\u00ed\u00a0\u0080"}', "line 1, column 8: invalid UTF-8 byte 0xa0"], // a surrogate
    ['{"a":"\u00f4\u0090\u0080\u0080"}', "line 1, column 8: invalid UTF-8 byte 0x90"], // past U+10FFFF
    ['{"\u00fe":1}', "line 1, column 3: invalid UTF-8 byte 0xfe"],
  ])("rejects invalid UTF-8 %j, naming the byte escaped", (text, where) => {
    expect(m.roundTrip(text)).toBe(`f: $: invalid JSON at ${where}`);
  });

  it("rejects nesting deeper than 64 and accepts exactly 64", () => {
    const nest = (n: number) => '{"a":' + "[".repeat(n - 1) + "]".repeat(n - 1) + "}";
    expect(m.roundTrip(nest(64))).toBe(nest(64));
    expect(m.roundTrip(nest(65))).toBe("f: $: invalid JSON at line 1, column 69: nesting deeper than 64");
  });

  it("survives hostile depth without overflowing the stack", () => {
    expect(m.roundTrip("[".repeat(100_000))).toBe("f: $: invalid JSON at line 1, column 65: nesting deeper than 64");
  });

  it("caps an object at 4096 members so duplicate detection stays cheap", () => {
    const members = (n: number) => "{" + Array.from({ length: n }, (_, i) => `"k${i}":0`).join(",") + "}";
    expect(m.roundTrip(members(4096))).toMatch(/^\{"k0":0,/);
    expect(m.roundTrip(members(4097))).toMatch(/invalid JSON at line 1, column \d+: more than 4096 members in an object$/);
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
  ])("reads %s as the same double as JavaScript", (literal) => {
    expect(m.readNumber(literal)).toBe(Number(literal));
  });

  it("reads random decimals of up to 15 digits exactly as JavaScript", () => {
    fc.assert(fc.property(fc.string({ unit: fc.constantFrom(..."0123456789"), minLength: 1, maxLength: 15 }), fc.nat(15), fc.boolean(), (digits, at, negative) => {
      const point = Math.min(at, digits.length);
      const literal = (negative ? "-" : "") + (digits.slice(0, point).replace(/^0+(?=\d)/, "") || "0") + "." + (digits.slice(point) || "0");
      expect(m.readNumber(literal)).toBe(Number(literal));
    }), { numRuns: 2000 });
  });

  it.each([
    ["1e400", Infinity],
    ["-1e400", -Infinity],
    ["1e-400", 0],
    ["1e99999999999", Infinity],
  ])("reads the out-of-range literal %s without trapping", (literal, value) => {
    expect(m.readNumber(literal)).toBe(value);
  });

  it.each(["1" + "0".repeat(400) + "e-390", "0." + "0".repeat(39) + "1", "1.7976931348623157e308", "2.2250738585072014e-308", "1.5e-300"])(
    "keeps the literal %s within a few units in the last place",
    (literal) => {
      expect(Math.abs(m.readNumber(literal) - Number(literal)) / Number(literal)).toBeLessThan(1e-15);
    },
  );
});

describe("config errors › values and paths", () => {
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
    ["1.50", "1.50"],
    ["1e3", "1e3"],
    ["-0", "-0"],
    ["1E+21", "1E+21"],
    ["1e400", "1e400"],
  ])("renders %s as written: %s", (json, rendered) => {
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

  it.each([
    ['{"a":{"b":[0,["x"]]}}', 'a.b[1][0]: here, got "x"'],
    ['{"a":[{"b":{"c":"x"}}]}', 'a[0].b.c: here, got "x"'],
    ['{"a.b":"x"}', '["a.b"]: here, got "x"'],
    ['{"r":{"a b":{"c":"x"}}}', 'r["a b"].c: here, got "x"'],
    ['{"1a":"x"}', '["1a"]: here, got "x"'],
    ['{"":"x"}', '[""]: here, got "x"'],
    ['["x"]', '$[0]: here, got "x"'],
  ])("builds the JSON path of %s, quoting keys that are not words", (text, line) => {
    expect(m.firstStringPath(text)).toBe(`f: ${line}`);
  });
});

describe("json › the TypeScript twin (cli/json-text.ts)", () => {
  // JSON-ish byte strings: fragments of valid JSON, hostile bytes and structure characters
  const fragment = fc.oneof(
    fc.constantFrom("{", "}", "[", "]", ",", ":", " ", "\n", '"', "\\", "\\u", "\\ud83d", "\\ude00", "0", "-", "1e9", ".5", "e", "true", "null", "fals"),
    fc.constantFrom('"a"', '"\\n"', '"\u00c3\u00a9"', "\u00ff", "\u00e0\u0080", "\u00ed\u00a0\u0080", "\u00f0\u009f\u0098\u0080", "\u0001", "1e400", "01", '"k":1', '"k":"v"'),
    fc.string({ unit: fc.integer({ min: 0x20, max: 0x7e }).map((c) => String.fromCharCode(c)), maxLength: 4 }),
  );
  const document = fc.array(fragment, { maxLength: 30 }).map((parts) => parts.join(""));

  it("reads every input as the module does: the same document or the same error at the same place", () => {
    fc.assert(fc.property(document, (bytes) => {
      expect(twin(bytes)).toBe(m.roundTrip(bytes));
    }), { numRuns: 3000 });
  });

  it("reads valid JSON of any shape as the module does", () => {
    fc.assert(fc.property(fc.json({ maxDepth: 6 }), (json) => {
      const bytes = bytesOf(json);
      expect(twin(bytes)).toBe(m.roundTrip(bytes));
    }), { numRuns: 1000 });
  });

  it("reads numbers exactly as the module does", () => {
    fc.assert(fc.property(fc.tuple(fc.boolean(), fc.string({ unit: fc.constantFrom(..."0123456789"), minLength: 1, maxLength: 25 }),
      fc.string({ unit: fc.constantFrom(..."0123456789"), maxLength: 25 }), fc.integer({ min: -400, max: 400 })), ([negative, whole, fraction, exponent]) => {
      const literal = `${negative ? "-" : ""}${whole.replace(/^0+(?=\d)/, "")}${fraction ? `.${fraction}` : ""}e${exponent}`;
      const doc = parseJson(Buffer.from(literal, "latin1")) as JsonValue;
      expect(Object.is(doc.number, m.readNumber(literal))).toBe(true);
    }), { numRuns: 3000 });
  });

  it("treats text from a file as UTF-8 bytes", () => {
    expect(twin(bytesOf('{"é":"ü"}'))).toBe(m.roundTrip(bytesOf('{"é":"ü"}')));
    expect(textOf(m.roundTrip(bytesOf('{"é":"ü"}')))).toBe('{"é":"ü"}');
  });
});
