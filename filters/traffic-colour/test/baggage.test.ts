import { beforeAll, describe, expect, it } from "vitest";
import { loadEntry } from "./load.js";

interface BaggageModule {
  read(header: string, key: string): string;
  merge(header: string, key: string, colour: string): string;
}

let m: BaggageModule;
beforeAll(async () => {
  m = await loadEntry<BaggageModule>("baggage");
});

describe("traffic-colour › baggage", () => {
  it.each([
    ["userId=alice,serverNode=DF%2028", "userId=alice,serverNode=DF%2028,colour=canary"],
    ["a=1;prop=x;flag,  b=2", "a=1;prop=x;flag,  b=2,colour=canary"],
    ["colour=stable", "colour=canary"],
    ["a=1, colour=stable ;p=1, b=2", "a=1, b=2,colour=canary"],
    ["colour=stable,a=1,colour=v2", "a=1,colour=canary"],
    ["  a = 1  ", "a = 1,colour=canary"],
  ])("merges the colour into %j keeping other members byte-for-byte", (header, merged) => {
    expect(m.merge(header, "colour", "canary")).toBe(merged);
  });

  it.each([
    ["a=1,colour=v2.1;p", "colour=v2.1 others=a=1 count=1 removed=1"],
    ["colour = canary", "colour=canary others= count=0 removed=1"],
    ["a=1,b=2", "colour=- others=a=1,b=2 count=2 removed=0"],
    ["colours=x,color=y", "colour=- others=colours=x,color=y count=2 removed=0"],
  ])("finds the colour member in %j", (header, expected) => {
    expect(m.read(header, "colour")).toBe(expected);
  });

  it.each([
    ["a"],
    ["a=1,,b=2"],
    ["a=1,"],
    ["=1"],
    ["a b=1"],
    ["a=x y"],
    ["a=\"quoted\""],
    ["a=back\\slash"],
    ["a=1;=p"],
    ["a=1;p=x y"],
    ["a=caf\u00e9"],
  ])("treats %j as malformed", (header) => {
    expect(m.read(header, "colour")).toBe("invalid");
  });

  it("does not add the colour beyond 64 members", () => {
    const members63 = Array.from({ length: 63 }, (_, i) => `k${i}=v`).join(",");
    expect(m.merge(members63, "colour", "canary")).toBe(`${members63},colour=canary`);
    const members64 = `${members63},k63=v`;
    expect(m.merge(members64, "colour", "canary")).toBe("over limits");
    // replacing an existing colour member keeps the count
    expect(m.merge(`${members63},colour=stable`, "colour", "canary")).toBe(`${members63},colour=canary`);
  });

  it("does not add the colour beyond 8192 bytes", () => {
    const big = `a=${"x".repeat(8192 - 2 - "colour=canary".length - 1)}`;
    expect(m.merge(big, "colour", "canary")).toBe(`${big},colour=canary`);
    expect(m.merge(`${big}x`, "colour", "canary")).toBe("over limits");
  });
});
