import { describe, expect, it } from "vitest";
import { soak } from "../../../bench/soak.js";
import { scenarios } from "./bench-scenarios.js";
import { start } from "./harness.js";

describe("soak", () => {
  it("keeps memory flat over 1,000,000 requests through 50 policies, allowed and denied", async () => {
    const allowed = scenarios.find((s) => s.name === "spiffe-rbac/fifty-policies")!;
    const denied = scenarios.find((s) => s.name === "spiffe-rbac/fifty-policies-denied")!;
    const proxy = await start(allowed.config, { workers: 2, logLevel: "warn" });
    const request = (i: number) => {
      if (i % 10_000 === 0) proxy.advance(1000);
      return i % 4 === 0 ? denied.request(i) : allowed.request(i);
    };
    const result = soak(proxy, request, { warmup: 100_000, streams: 900_000 });
    expect(result.growthPages).toBe(0);
    proxy.advance(1000);
    expect(proxy.metric("sluice.spiffe_rbac.denied")).toBe(250_000);
    expect(proxy.metric("sluice.spiffe_rbac.allowed")).toBe(750_000);
  }, 120_000);
});
