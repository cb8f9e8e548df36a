// Configurations teams bring from Sentinel / resilience4j / hystrix when moving to the mesh.
import { describe, expect, it } from "vitest";
import { loaded } from "./harness.js";

describe("circuit-breaker › migration scenarios", () => {
  it("failure_rate 0.6 over a 3 s window opens for 60 s (Sentinel ErrorRatio, statIntervalMs 3000, retryTimeoutMs 60000)", async () => {
    const h = await loaded({ circuits: [{ name: "orders", failure_rate: 0.6, minimum_calls: 5,
      window: { type: "time", duration: "3s", buckets: 3 }, open_duration: "60s" }] }, 4);
    for (const status of [500, 200, 500, 200]) h.call(status);
    expect(h.call(500).decision).toBe("continue"); // 3 of 5 = 0.6 → trips
    const rejected = h.call(200);
    expect(rejected.localResponse!.headers).toEqual(expect.arrayContaining([["retry-after", "60"]]));
    h.proxy.advance(59_000);
    expect(h.call(200).decision).toBe("local_response");
    h.proxy.advance(1000);
    expect(h.call(200).decision).toBe("continue"); // the probe
    expect(h.call(200).decision).toBe("continue"); // closed again
  });

  it("slow-call ratio with a 300 ms threshold and minimum 5 calls (SlowRequestRatio, maxAllowedRtMs 300)", async () => {
    const h = await loaded({ circuits: [{ name: "search", slow_call: "300ms", slow_call_rate: 0.5, minimum_calls: 5,
      window: { type: "time", duration: "10s", buckets: 10 } }] });
    for (let i = 0; i < 4; i++) {
      h.call(200, { latencyMs: 500 });
      h.proxy.advance(500);
    }
    expect(h.call(200).decision).toBe("continue"); // 4 slow calls: below minimum_calls
    h.call(200, { latencyMs: 500 });
    h.proxy.advance(500); // 5 of 6 slow → trips
    expect(h.call(200).decision).toBe("local_response");
  });

  it("error ratio 0.02 with 50 minimum calls in 10 s and 60 s open (hystrix-style)", async () => {
    const h = await loaded({ circuits: [{ name: "checkout", failure_rate: 0.02, minimum_calls: 50,
      window: { type: "time", duration: "10s", buckets: 10 }, open_duration: "60s" }] }, 2);
    h.call(500);
    for (let i = 0; i < 48; i++) expect(h.call(200).decision).toBe("continue");
    expect(h.call(200).decision).toBe("continue"); // call 50: 1 of 50 = 0.02 → trips
    expect(h.call(200).decision).toBe("local_response");
    h.proxy.advance(1000);
    expect(h.metric("checkout", "calls")).toBe(50);
  });
});
