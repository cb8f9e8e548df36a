// circuit-breaker's latency trigger in a real Envoy (4 workers): an upstream that answers 200 but
// slowly opens the circuit by slow-call rate, fast calls do not, and the half-open probe is judged
// by its time as well as its status (a slow probe reopens, a fast one closes).
// Config: envoy/circuit-breaker/envoy.yaml with its listeners in LDS and the circuit replaced by a
// slow-call circuit over a count window of 4 calls (reconfigure: the test's own configuration).
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { withFilterConfig } from "./support/bootstrap.js";
import { wasmLogLines } from "./support/envoy.js";
import { header, request, requestMany, sleep, statusCounts, type HttpResult } from "./support/http.js";
import { expectNoWasmErrors, startStack, type Stack } from "./support/stack.js";
import { fetchStats, stat, waitForStats } from "./support/stats.js";
import { suiteRuntime } from "./support/suite.js";
import { DELAY_HEADER, parseEcho } from "./support/upstream.js";

const runtime = await suiteRuntime();

const C = "sluice.circuit_breaker.slow";
/** A call longer than 150 ms is slow; half of the last 4 calls slow opens the circuit for 2 s. */
const SLOW_CIRCUIT = {
  circuits: [{
    name: "slow", slow_call: "150ms", slow_call_rate: 0.5, minimum_calls: 4,
    window: { type: "count", size: 4 }, open_duration: "2s", half_open_probes: 1,
  }],
};

describe.skipIf(!runtime.available)("circuit-breaker slow calls in Envoy", () => {
  let stack: Stack;
  const get = (delayMs = 0): Promise<HttpResult> =>
    request(`${stack.envoy.url}/orders`, { headers: delayMs > 0 ? { [DELAY_HEADER]: String(delayMs) } : {} });
  const isFastFail = (r: HttpResult): boolean => r.status === 503 && r.body === "circuit open\n" && parseEcho(r) === undefined;

  beforeAll(async () => {
    stack = await startStack({ name: "circuit-breaker", dynamicListeners: true });
    await stack.reconfigure((listeners) => withFilterConfig(listeners, "circuit-breaker", SLOW_CIRCUIT));
    await waitForStats(stack.envoy.adminUrl, (x) => x.has(`${C}.calls`));
  });
  afterAll(async () => {
    await stack?.stop();
  });

  it("stays closed while calls are fast", async () => {
    const results = await requestMany(8, 4, () => get());
    expect(statusCounts(results)).toEqual({ 200: 8 });
    const s = await fetchStats(stack.envoy.adminUrl);
    expect([stat(s, `${C}.state`), stat(s, `${C}.slow_calls`)]).toEqual([0, 0]);
  });

  it("opens when half of the last 4 calls took longer than 150 ms, although every one answered 200", async () => {
    for (let i = 0; i < 2; i++) {
      const r = await get(300);
      expect(r.status).toBe(200);
      expect(parseEcho(r), "the slow upstream answered").toBeDefined();
    }
    // counters are flushed once a second (the gauge and the transitions at once)
    const s = await waitForStats(stack.envoy.adminUrl, (x) => stat(x, `${C}.opened`) === 1 && stat(x, `${C}.calls`) >= 10);
    expect(stat(s, `${C}.state`)).toBe(1);
    expect(stat(s, `${C}.slow_calls`)).toBe(2);
    expect(stat(s, `${C}.failures`)).toBe(0);
    const results = await requestMany(8, 8, () => get());
    expect(results.every(isFastFail), JSON.stringify(statusCounts(results))).toBe(true);
    expect(header(results[0], "x-sluice-circuit")).toBe("slow; state=open");
    const log = wasmLogLines(stack.envoy.logs.text()).join("\n");
    expect(log).toContain('circuit-breaker: circuit "slow" opened: slow_call_rate 2/4 >= 0.5 (window: 4 calls, 0 failures, 2 slow); open for 2000ms');
  });

  it("reopens when the half-open probe is slow, and closes after a fast one", async () => {
    await sleep(2_300); // open_duration 2 s
    const slowProbe = await get(300);
    expect(slowProbe.status).toBe(200);
    expect(parseEcho(slowProbe), "the probe reached the upstream").toBeDefined();
    let s = await waitForStats(stack.envoy.adminUrl, (x) => stat(x, `${C}.opened`) === 2);
    expect(stat(s, `${C}.state`)).toBe(1);
    expect(isFastFail(await get())).toBe(true);

    await sleep(2_300);
    expect((await get()).status).toBe(200);
    s = await waitForStats(stack.envoy.adminUrl, (x) => stat(x, `${C}.closed`) === 1);
    expect(stat(s, `${C}.state`)).toBe(0);
    expect(statusCounts(await requestMany(6, 3, () => get()))).toEqual({ 200: 6 });
    expectNoWasmErrors(stack.envoy);
  });
});
