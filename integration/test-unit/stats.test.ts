import { describe, expect, it } from "vitest";
import { connectionsPerWorker, parseStats, stat, statsDelta } from "../support/stats.js";

// Shapes taken from Envoy's admin /stats text output.
const SAMPLE = [
  "sluice.rate_limit.per-user.allowed: 5",
  "sluice.rate_limit.per-user.limited: 35",
  "sluice.circuit_breaker.upstream.state: 1",
  "sluice.traffic_colour.v2.1.requests: 7",
  "cluster.upstream.upstream_rq_time: P0(nan,1) P25(nan,1.025) P50(nan,1.05) P100(nan,3)",
  "listener.0.0.0.0_10000.worker_0.downstream_cx_total: 11",
  "listener.0.0.0.0_10000.worker_3.downstream_cx_total: 9",
  "listener.0.0.0.0_10001.worker_1.downstream_cx_total: 4",
  "server.version_text: \"1.39.1\"",
  "",
].join("\n");

describe("parseStats", () => {
  it("reads counters and gauges, skips histograms and text readouts", () => {
    const s = parseStats(SAMPLE);
    expect(stat(s, "sluice.rate_limit.per-user.allowed")).toBe(5);
    expect(stat(s, "sluice.circuit_breaker.upstream.state")).toBe(1);
    expect(stat(s, "sluice.traffic_colour.v2.1.requests")).toBe(7); // colour names may contain dots
    expect(s.has("cluster.upstream.upstream_rq_time")).toBe(false);
    expect(s.has("server.version_text")).toBe(false);
    expect(stat(s, "missing")).toBe(0);
  });

  it("computes deltas", () => {
    const before = parseStats("a: 1\nb: 5\n");
    const after = parseStats("a: 4\nb: 5\nc: 2\n");
    expect([...statsDelta(before, after)]).toEqual([["a", 3], ["b", 0], ["c", 2]]);
  });

  it("counts connections per worker for one listener port", () => {
    expect([...connectionsPerWorker(parseStats(SAMPLE), 10000)]).toEqual([[0, 11], [3, 9]]);
    expect([...connectionsPerWorker(parseStats(SAMPLE), 10001)]).toEqual([[1, 4]]);
  });
});
