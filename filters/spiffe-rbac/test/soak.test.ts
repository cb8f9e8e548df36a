import { describe, expect, it } from "vitest";
import { soak, soakStreams } from "../../../bench/soak.js";
import { scenarios } from "./bench-scenarios.js";
import { start } from "./harness.js";

const WARMUP = 100_000;
const STREAMS = soakStreams();

describe("soak", () => {
  it(`keeps memory flat over ${STREAMS.toLocaleString("en")} requests after a warm-up through 50 policies, allowed and denied`, async () => {
    const allowed = scenarios.find((s) => s.name === "spiffe-rbac/fifty-policies")!;
    const denied = scenarios.find((s) => s.name === "spiffe-rbac/fifty-policies-denied")!;
    const proxy = await start(allowed.config, { workers: 2, logLevel: "warn" });
    const request = (i: number) => {
      if (i % 10_000 === 0) proxy.advance(1000);
      return i % 4 === 0 ? denied.request(i) : allowed.request(i);
    };
    const result = soak(proxy, request, { warmup: WARMUP, streams: STREAMS });
    expect(result.growthPages).toBe(0);
    proxy.advance(1000);
    const total = WARMUP + STREAMS;
    const deniedCount = Math.ceil(total / 4); // every fourth request, from the first
    expect(proxy.metric("sluice.spiffe_rbac.denied")).toBe(deniedCount);
    expect(proxy.metric("sluice.spiffe_rbac.allowed")).toBe(total - deniedCount);
  }, 120_000);
});
