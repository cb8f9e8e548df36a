// Calls with random outcomes over 4 workers (100,000 in npm test, 1,000,000 in npm run test:soak):
// linear memory stays flat and the shared state adds up (every in-flight place given back, every
// call counted once).
import { describe, expect, it } from "vitest";
import type { RequestSpec } from "../../../host-sim/src/index.js";
import { soak, soakStreams } from "../../../bench/soak.js";
import { loaded } from "./harness.js";

const STREAMS = soakStreams();
const WARMUP = 20_000;
const COLOURS = ["stable", "canary", "blue"];
const IN_FLIGHT_OFFSET = 48;

/** Deterministic xorshift32 in [0, 1). */
function random(seed: number) {
  let x = seed;
  return () => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return (x >>> 0) / 4294967296;
  };
}

describe("circuit-breaker › soak", () => {
  it(`keeps memory flat and the shared state consistent over ${STREAMS.toLocaleString("en")} calls`, async () => {
    const h = await loaded({ circuits: [{ name: "api", failure_rate: 0.5, minimum_calls: 20, consecutive_failures: 8,
      window: { size: 50 }, open_duration: "1s", backoff_multiplier: 2, max_open_duration: "4s", half_open_probes: 3,
      max_in_flight: 1000, key: { source: "header", name: "x-colour" }, max_keys: 4 }] }, 4);
    const next = random(42);
    const request = (i: number): RequestSpec => {
      if (i % 100 === 0) h.proxy.advance(50);
      // stretches of heavy failure make the circuits trip, half-open, reopen and close
      const failureOdds = Math.floor(i / 20_000) % 3 === 0 ? 0.7 : 0.05;
      return {
        headers: { ":method": "GET", ":path": "/api/items", ":authority": "api.example", "x-colour": COLOURS[i % 3] },
        response: { headers: { ":status": next() < failureOdds ? "503" : "200" } },
      };
    };
    const result = soak(h.proxy, request, { warmup: WARMUP, streams: STREAMS });
    h.proxy.advance(1000); // flush every worker's counters
    expect(result.growthPages).toBe(0);

    const calls = h.metric("api", "calls");
    const passed = WARMUP + STREAMS - h.metric("api", "rejected");
    expect(h.metric("api", "store_error")).toBe(0);
    expect(h.metric("api", "key_overflow")).toBe(0);
    expect(calls).toBe(passed); // every admitted call counted exactly once
    expect(h.metric("api", "opened")).toBeGreaterThan(STREAMS / 10_000);
    expect(h.metric("api", "closed")).toBeGreaterThan(STREAMS / 20_000);
    // no place of max_in_flight is leaked
    const records = [...h.proxy.sharedData("circuit-breaker").values()];
    expect(records).toHaveLength(3);
    for (const r of records) expect(new DataView(r.value.buffer, r.value.byteOffset).getUint32(IN_FLIGHT_OFFSET, true)).toBe(0);
  }, 180_000);
});
