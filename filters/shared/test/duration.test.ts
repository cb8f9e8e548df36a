import { beforeAll, describe, expect, it } from "vitest";
import { loadTestModule } from "./load.js";

interface DurationModule {
  durationMs(text: string): string;
}

let m: DurationModule;
beforeAll(async () => {
  m = await loadTestModule<DurationModule>("duration");
});

describe("duration › parseDuration", () => {
  it.each([
    ["250ms", "250"],
    ["1s", "1000"],
    ["1.5s", "1500"],
    ["0.25s", "250"],
    ["2m", "120000"],
    ["1h", "3600000"],
    ["1d", "86400000"],
    ["1m30s", "90000"],
    ["1h2m3s4ms", "3723004"],
    ["30s1m", "90000"],
    ["0", "0"],
    ["0s", "0"],
    ["0.5ms", "0"],
    ["1.9999ms", "1"],
    ["007s", "7000"],
    ["1.0000000009s", "1000"],
    ["213503982333d", "18446744073571200000"],
  ])("reads %s as %s ms", (text, ms) => {
    expect(m.durationMs(text)).toBe(ms);
  });

  it.each([
    ["", "empty text"],
    ["5", "a number without a unit"],
    ["s", "a unit without a number"],
    ["-1s", "a negative value"],
    ["+1s", "a sign"],
    ["1 s", "a space"],
    [" 1s", "a leading space"],
    ["1.s", "a point without fraction digits"],
    [".5s", "a fraction without a whole part"],
    ["1w", "an unknown unit"],
    ["1S", "an upper-case unit"],
    ["1sec", "trailing letters"],
    ["1s ", "a trailing space"],
    ["1e3ms", "an exponent"],
    ["213503982335d", "a total beyond u64 milliseconds"],
    ["213503982334d", "a total within one unit of u64 overflow"],
    ["9999999999999999999ms", "too many digits"],
    ["18446744073709551615ms", "the largest u64"],
    ["106751991167300d106751991167300d", "a sum that overflows"],
  ])("rejects %j (%s)", (text) => {
    expect(m.durationMs(text)).toBe("invalid");
  });
});
