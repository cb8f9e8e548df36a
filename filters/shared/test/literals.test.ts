import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { loadTestModule } from "./load.js";

interface LiteralsModule {
  literal(which: number): string;
  sameObject(): boolean;
  equalsBuilt(): boolean;
  literalList(): string;
  literalStaticList(): string;
  unusedExists(): boolean;
  storedText(): string;
  decimalText(value: bigint): string;
  hexText(value: bigint, digits: number): string;
}

let m: LiteralsModule;
beforeAll(async () => {
  m = await loadTestModule<LiteralsModule>("literals");
});

describe("string literals from the literal table", () => {
  it.each([
    [0, "a"],
    [1, "ab"],
    [2, "response\0code_details"],
    [3, "x-sluice-circuit"],
    [4, ""],
    [5, "café"],
  ])("literal %i reads back as %j, twice", (which, text) => {
    expect(m.literal(which)).toBe(text);
    expect(m.literal(which)).toBe(text);
  });

  it("gives one object for one text", () => {
    expect(m.sameObject()).toBe(true);
  });

  it("keeps literals equal to built strings across a collection", () => {
    expect(m.equalsBuilt()).toBe(true);
  });

  it("builds a new array for each array of literals", () => {
    expect(m.literalList()).toBe("alpha|b|response\0code|pushed/alpha|b|response\0code");
  });

  it("builds a StaticArray where one is declared", () => {
    expect(m.literalStaticList()).toBe("one|two");
  });

  it("stores ASCII literals once, a byte each, packed, and leaves other text as UTF-16 segments", () => {
    const wasm = readFileSync(resolve(import.meta.dirname, "../../../build/shared-test/literals.wasm"));
    expect(wasm.includes(Buffer.from("x-sluice-circuit", "utf16le"))).toBe(false);
    // all but the last byte (0): a data segment leaves out the zeros it ends with
    expect(wasm.includes(Buffer.from("café", "utf16le").subarray(0, 7))).toBe(true);
    expect(m.storedText()).toContain("x-sluice-circuit");
    expect(m.storedText().split("x-sluice-circuit")).toHaveLength(2);
  });

  it("leaves out the literals of functions the module never calls", () => {
    expect(m.unusedExists()).toBe(true);
    expect(m.storedText()).not.toContain("only-in-a-function");
  });
});

describe("integers as text", () => {
  it.each([0n, 7n, 10n, 99n, 100n, 4294967295n, -1n, -120n, 9223372036854775807n, -9223372036854775808n])(
    "prints %s as JavaScript does", (value) => {
      expect(m.decimalText(value)).toBe(value.toString());
    });

  it.each([
    [0n, 8, "00000000"],
    [0xdeadbeefn, 8, "deadbeef"],
    [0x1234n, 2, "34"],
    [0xffffffffffffffffn, 16, "ffffffffffffffff"],
  ])("prints %s as %i hex digits: %s", (value, digits, text) => {
    expect(m.hexText(value, digits as number)).toBe(text);
  });
});
