import { beforeAll, describe, expect, it } from "vitest";
import { loadEntry } from "./load.js";

interface TimestampModule {
  parse(text: string): bigint;
}

let m: TimestampModule;
beforeAll(async () => {
  m = await loadEntry<TimestampModule>("timestamp");
});

const INVALID = -(2n ** 63n);
const ns = (iso: string) => BigInt(Date.parse(iso)) * 1_000_000n;

describe("traffic-colour › RFC 3339 timestamps", () => {
  it.each([
    ["1970-01-01T00:00:00Z", 0n],
    ["2026-01-31T09:00:00Z", ns("2026-01-31T09:00:00Z")],
    ["2024-02-29T23:59:59z", ns("2024-02-29T23:59:59Z")],
    ["2026-06-01t08:00:00+02:00", ns("2026-06-01T06:00:00Z")],
    ["2026-06-01 08:00:00-05:30", ns("2026-06-01T13:30:00Z")],
    ["2026-06-01T08:00:00.5Z", ns("2026-06-01T08:00:00Z") + 500_000_000n],
    ["2026-06-01T08:00:00.123456789123Z", ns("2026-06-01T08:00:00Z") + 123_456_789n],
    ["2016-12-31T23:59:60Z", ns("2017-01-01T00:00:00Z")],
    ["2262-04-11T23:47:15Z", ns("2262-04-11T23:47:15Z")],
  ])("reads %s", (text, expected) => {
    expect(m.parse(text)).toBe(expected);
  });

  it.each([
    [""], ["2026-01-31"], ["2026-01-31T09:00:00"], ["2026-02-29T00:00:00Z"], ["2100-02-29T00:00:00Z"],
    ["2026-13-01T00:00:00Z"], ["2026-00-10T00:00:00Z"], ["2026-04-31T00:00:00Z"], ["2026-01-01T24:00:00Z"],
    ["2026-01-01T00:60:00Z"], ["2026-01-01T00:00:61Z"], ["2026-01-01T00:00:00.Z"], ["2026-01-01T00:00:00+0100"],
    ["2026-01-01T00:00:00+24:00"], ["2026-01-01T00:00:00Zjunk"], ["1969-12-31T23:59:59Z"], ["2262-04-12T00:00:00Z"],
    ["+2026-01-01T00:00:00Z"], ["2026-1-01T00:00:00Z"], ["２０２６-01-01T00:00:00Z"],
  ])("rejects %j", (text) => {
    expect(m.parse(text)).toBe(INVALID);
  });
});
