import { describe, expect, it } from "vitest";
import { harness, loaded } from "./harness.js";

const circuit = (extra: Record<string, unknown> = {}) => ({ circuits: [{ name: "api", ...extra }] });

describe("circuit-breaker › configure", () => {
  it("rejects a bad config with one critical log line", async () => {
    const h = await harness(circuit({ failure_rate: 2 }));
    expect(h.proxy.plugin("circuit-breaker")!.accepted).toBe(false);
    expect([...new Set(h.criticalLogs())]).toEqual(["circuit-breaker: circuits[0].failure_rate: must be <= 1, got 2"]);
  });
});

describe("circuit-breaker › consecutive failures", () => {
  it("opens exactly at consecutive_failures and not one call before", async () => {
    const h = await loaded(circuit({ consecutive_failures: 3 }));
    h.call(500);
    h.call(500);
    expect(h.call(200).decision).toBe("continue"); // a success resets the run
    h.call(500);
    h.call(500);
    expect(h.call(500).decision).toBe("continue"); // the third failure itself went through
    const rejected = h.call(200);
    expect(rejected.decision).toBe("local_response");
    expect(rejected.localResponse).toMatchObject({ status: 503, details: "circuit_open", body: "circuit open\n" });
    expect(rejected.localResponse!.headers).toEqual(expect.arrayContaining([
      ["retry-after", "60"], ["x-sluice-circuit", "api; state=open"],
    ]));
  });

  it("logs one info line when the circuit opens, with the reason and the window", async () => {
    const h = await loaded(circuit({ consecutive_failures: 2 }));
    h.call(500);
    h.call(503);
    h.call(200);
    h.call(200);
    expect(h.infoLogs()).toEqual([
      "circuit-breaker: circuit \"api\" opened: consecutive_failures 2 reached (window: 2 calls, 2 failures, 0 slow); open for 60000ms",
    ]);
  });

  it("counts calls, failures, rejections and the open state in metrics after a tick", async () => {
    const h = await loaded(circuit({ consecutive_failures: 2 }));
    h.call(200);
    h.call(500);
    h.call(500);
    h.call(200);
    h.proxy.advance(1000);
    expect([h.metric("api", "calls"), h.metric("api", "failures"), h.metric("api", "rejected")]).toEqual([3, 2, 1]);
    expect([h.metric("api", "opened"), h.metric("api", "state")]).toEqual([1, 1]);
  });
});

describe("circuit-breaker › shared records", () => {
  it("counts an outcome on top of what other workers wrote while its call was in flight", async () => {
    const h = await loaded(circuit({ consecutive_failures: 3 }), 2);
    const early = h.proxy.newStream({ worker: 0 });
    early.sendRequestHeaders({ ":method": "GET", ":path": "/api/items", ":authority": "api.example" });
    expect(early.result.decision).toBe("continue"); // worker 0 has read the record
    h.call(500, { worker: 1 });
    h.call(500, { worker: 1 });
    early.sendResponseHeaders({ ":status": "500" }, { endOfStream: true }).complete();
    expect(h.call(200, { worker: 0 }).decision).toBe("local_response"); // three failures in a row
    h.proxy.advance(1000);
    expect([h.metric("api", "calls"), h.metric("api", "failures"), h.metric("api", "store_error")]).toEqual([3, 3, 0]);
  });
});

describe("circuit-breaker › failure rate", () => {
  it("opens at failure_rate once minimum_calls are in a count window, not one call before", async () => {
    const h = await loaded(circuit({ failure_rate: 0.5, minimum_calls: 4, window: { size: 4 } }));
    h.call(500);
    h.call(500);
    expect(h.call(500).decision).toBe("continue"); // 3 of 3 failed, but minimum_calls is 4
    expect(h.call(200).decision).toBe("continue"); // 3 of 4: trips now
    expect(h.call(200).decision).toBe("local_response");
  });

  it("slides the count window: old failures leave it", async () => {
    const h = await loaded(circuit({ failure_rate: 0.5, minimum_calls: 4, window: { size: 4 } }));
    for (const status of [500, 200, 200, 200, 500, 200, 200]) expect(h.call(status).decision).toBe("continue");
    // the window holds 200 200 500 200 200 → at most 1 of 4 failed
    expect(h.call(500).decision).toBe("continue"); // 200 500 200 500: 2 of 4 = 0.5 → trips
    expect(h.call(200).decision).toBe("local_response");
  });

  it("forgets calls older than a time window", async () => {
    const h = await loaded(circuit({ failure_rate: 0.5, minimum_calls: 4, window: { type: "time", duration: "4s", buckets: 4 } }));
    h.call(500);
    h.call(500);
    h.call(500);
    h.proxy.advance(4000); // those three leave the window
    h.call(500);
    h.call(200);
    expect(h.call(200).decision).toBe("continue"); // 1 of 3
    expect(h.call(500).decision).toBe("continue"); // 2 of 4 → trips
    expect(h.call(200).decision).toBe("local_response");
  });

  it("counts calls from every live bucket of a time window", async () => {
    const h = await loaded(circuit({ failure_rate: 0.75, minimum_calls: 4, window: { type: "time", duration: "4s", buckets: 4 } }));
    for (let i = 0; i < 3; i++) {
      h.call(500);
      h.proxy.advance(1000);
    }
    expect(h.call(500).decision).toBe("continue"); // 4 failures spread over 4 buckets → trips
    expect(h.call(200).decision).toBe("local_response");
  });
});

describe("circuit-breaker › slow calls", () => {
  const slow = circuit({ slow_call: "300ms", slow_call_rate: 0.5, minimum_calls: 2, window: { size: 10 } });

  it("opens on slow_call_rate; a call of exactly slow_call is not slow", async () => {
    const h = await loaded(slow);
    /** A call whose upstream answers after `ms` (the clock moves until the answer is in). */
    const callTaking = (ms: number) => {
      h.call(200, { latencyMs: ms });
      h.proxy.advance(ms);
    };
    callTaking(300);
    callTaking(300);
    callTaking(301); // 1 of 3 slow
    expect(h.call(200).decision).toBe("continue");
    callTaking(1000); // 2 of 5: not yet
    callTaking(400); // 3 of 6 → trips
    expect(h.call(200).decision).toBe("local_response");
    h.proxy.advance(1000);
    expect([h.metric("api", "calls"), h.metric("api", "slow_calls"), h.metric("api", "failures")]).toEqual([6, 3, 0]);
  });
});

describe("circuit-breaker › half-open", () => {
  const probing = circuit({ consecutive_failures: 1, open_duration: "10s", half_open_probes: 2, close_after_successes: 2,
    backoff_multiplier: 2, max_open_duration: "30s" });

  /** Starts `n` streams round-robin over the workers without finishing them. */
  function startStreams(h: Awaited<ReturnType<typeof loaded>>, n: number, workers: number) {
    return Array.from({ length: n }, (_, i) => {
      const s = h.proxy.newStream({ worker: i % workers });
      s.sendRequestHeaders({ ":method": "GET", ":path": "/api/items", ":authority": "api.example" });
      return s;
    });
  }

  it("lets exactly half_open_probes through across 4 worker VMs", async () => {
    const h = await loaded(probing, 4);
    h.call(500, { worker: 0 });
    expect(h.call(200, { worker: 1 }).decision).toBe("local_response"); // open on every worker
    h.proxy.advance(10_000);
    const streams = startStreams(h, 12, 4);
    const passed = streams.filter((s) => s.result.decision === "continue");
    expect(passed).toHaveLength(2);
    const rejected = streams.find((s) => s.result.decision === "local_response")!;
    expect(rejected.result.localResponse!.headers).toEqual(expect.arrayContaining([["x-sluice-circuit", "api; state=half_open"]]));
    for (const s of streams) s.complete();
  });

  it("closes after close_after_successes successful probes", async () => {
    const h = await loaded(probing, 4);
    h.call(500);
    h.proxy.advance(10_000);
    const probes = startStreams(h, 4, 4).filter((s) => s.result.decision === "continue");
    for (const p of probes) p.sendResponseHeaders({ ":status": "200" }, { endOfStream: true }).complete();
    expect(h.call(200).decision).toBe("continue");
    expect(h.call(200).decision).toBe("continue");
    expect(h.infoLogs().at(-1)).toBe("circuit-breaker: circuit \"api\" closed: 2 probe(s) succeeded");
  });

  it("reopens on a failed probe with the open duration multiplied by backoff_multiplier, up to max_open_duration", async () => {
    const h = await loaded(probing, 2);
    h.call(500);
    const retryAfter = () => h.call(200).localResponse?.headers.find(([k]: [string, string]) => k === "retry-after")?.[1];
    expect(retryAfter()).toBe("10");
    h.proxy.advance(10_000);
    h.call(500); // the probe fails
    expect(retryAfter()).toBe("20");
    h.proxy.advance(19_000);
    expect(h.call(200).decision).toBe("local_response");
    h.proxy.advance(1000);
    h.call(500);
    expect(retryAfter()).toBe("30"); // 40 s capped at 30 s
    expect(h.infoLogs()).toContain("circuit-breaker: circuit \"api\" reopened: probe failed; open for 20000ms");
  });

  it("shortens open durations by up to open_jitter", async () => {
    const h = await loaded(circuit({ consecutive_failures: 1, open_duration: "100s", open_jitter: 0.5, max_open_duration: "100s" }));
    const seen = new Set<number>();
    for (let i = 0; i < 8; i++) {
      h.call(500);
      const retryAfter = Number(h.call(200).localResponse!.headers.find(([k]: [string, string]) => k === "retry-after")![1]);
      expect(retryAfter).toBeGreaterThan(50);
      expect(retryAfter).toBeLessThanOrEqual(100);
      seen.add(retryAfter);
      h.proxy.advance(retryAfter * 1000);
      h.call(200); // the probe closes the circuit
    }
    expect(seen.size).toBeGreaterThan(1);
  });

  it("half-opens on a tick when no traffic arrives", async () => {
    const h = await loaded(probing, 2);
    h.call(500);
    h.proxy.advance(1000);
    expect(h.metric("api", "state")).toBe(1);
    h.proxy.advance(9000);
    expect(h.metric("api", "state")).toBe(2);
    expect(h.metric("api", "half_opened")).toBe(1);
    expect(h.infoLogs()).toContain("circuit-breaker: circuit \"api\" half-opened: open duration over, letting 2 probe(s) through");
  });

  it("gives a probe back when its outcome is not counted", async () => {
    const h = await loaded(circuit({ consecutive_failures: 1, open_duration: "1s" }));
    h.call(500);
    h.proxy.advance(1000);
    const s = h.proxy.newStream();
    s.sendRequestHeaders({ ":method": "GET", ":path": "/api/items", ":authority": "api.example" });
    expect(s.result.decision).toBe("continue");
    s.cancel(); // the downstream went away: the probe proved nothing
    expect(h.call(200).decision).toBe("continue"); // the next request probes and closes the circuit
    expect(h.call(200).decision).toBe("continue");
  });
});
