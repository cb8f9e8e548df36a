import { beforeAll, describe, expect, it } from "vitest";
import { loadTestModule } from "./load.js";

interface EmptyArraysModule {
  shareOneBuffer(): boolean;
  grow(): void;
  contents(): number;
}

let m: EmptyArraysModule;
beforeAll(async () => {
  m = await loadTestModule<EmptyArraysModule>("empty-arrays");
});

describe("empty array literals (one static buffer per class, scripts/runtime-transform.mjs)", () => {
  it("point every empty array at one static buffer", () => {
    expect(m.shareOneBuffer()).toBe(true);
  });

  it("grow each array into a buffer of its own", () => {
    m.grow();
    expect(m.contents()).toBe(11_223);
    expect(m.shareOneBuffer()).toBe(false);
  });
});
