// circuit-breaker in a real Envoy (4 workers): an upstream failing on demand trips the circuit,
// requests then fail fast with 503, after open_duration exactly one probe goes through (across
// workers), a good probe closes the circuit and a bad one reopens it.
// Config: envoy/circuit-breaker/envoy.yaml: circuit "upstream", 3 consecutive failures, open 2 s, 1 probe.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { bootstrapPath, filterConfig, loadBootstrap } from "./support/bootstrap.js";
import { wasmLogLines } from "./support/envoy.js";
import { header, request, requestMany, sleep, statusCounts, type HttpResult } from "./support/http.js";
import { expectNoWasmErrors, expectValid, startStack, type Stack } from "./support/stack.js";
import { fetchStats, stat, waitForStats } from "./support/stats.js";
import { suiteRuntime } from "./support/suite.js";
import { DELAY_HEADER, FAIL_HEADER, parseEcho } from "./support/upstream.js";

const runtime = await suiteRuntime();

const C = "sluice.circuit_breaker.upstream";

describe.skipIf(!runtime.available)("circuit-breaker in Envoy", () => {
  let stack: Stack;
  const get = (headers: Record<string, string> = {}): Promise<HttpResult> => request(`${stack.envoy.url}/orders`, { headers });
  const fail = (): Promise<HttpResult> => get({ [FAIL_HEADER]: "503" });
  const isFastFail = (r: HttpResult): boolean => r.status === 503 && r.body === "circuit open\n" && parseEcho(r) === undefined;

  /** 3 upstream 503s in a row open the circuit. */
  async function trip(): Promise<void> {
    for (let i = 0; i < 3; i++) {
      const r = await fail();
      expect(r.status).toBe(503);
      expect(parseEcho(r), "the upstream itself answered the failing calls").toBeDefined();
    }
  }

  beforeAll(async () => {
    const config = filterConfig(loadBootstrap(bootstrapPath("circuit-breaker")), "circuit-breaker");
    expect(config).toEqual({ circuits: [{ name: "upstream", consecutive_failures: 3, open_duration: "2s", half_open_probes: 1 }] });
    stack = await startStack({ name: "circuit-breaker" });
  });
  afterAll(async () => {
    await stack?.stop();
  });

  it("envoy --mode validate accepts envoy/circuit-breaker/envoy.yaml", async () => {
    await expectValid(stack);
  });

  it("passes requests while closed", async () => {
    const results = await requestMany(10, 10, () => get());
    expect(statusCounts(results)).toEqual({ 200: 10 });
    const s = await fetchStats(stack.envoy.adminUrl);
    expect(stat(s, `${C}.state`)).toBe(0);
  });

  it("trips after 3 consecutive failures and then fails fast on every worker", async () => {
    await trip();
    const s = await fetchStats(stack.envoy.adminUrl);
    expect(stat(s, `${C}.state`)).toBe(1); // gauge: immediate
    expect(stat(s, `${C}.opened`)).toBe(1);

    const t0 = Date.now();
    const results = await requestMany(20, 20, () => get());
    expect(Date.now() - t0).toBeLessThan(2_000); // still within open_duration
    expect(results.every(isFastFail), JSON.stringify(statusCounts(results))).toBe(true);
    const r = results[0];
    expect(header(r, "x-sluice-circuit")).toBe("upstream; state=open");
    const retryAfter = Number(header(r, "retry-after"));
    expect(retryAfter).toBeGreaterThanOrEqual(1);
    expect(retryAfter).toBeLessThanOrEqual(2);
  });

  it("lets exactly one probe through in half-open, across workers, and closes on its success", async () => {
    await sleep(2_300); // open_duration 2 s
    // 10 slow requests at once: the first takes the only probe token, the others are rejected
    const results = await requestMany(10, 10, () => get({ [DELAY_HEADER]: "500" }));
    const passed = results.filter((r) => parseEcho(r) !== undefined);
    const rejected = results.filter(isFastFail);
    expect(passed.length).toBe(1);
    expect(passed[0].status).toBe(200);
    expect(rejected.length).toBe(9);
    expect(rejected.every((r) => header(r, "x-sluice-circuit") === "upstream; state=half_open")).toBe(true);

    // the successful probe closed the circuit: everything passes again
    const after = await requestMany(10, 10, () => get());
    expect(statusCounts(after)).toEqual({ 200: 10 });
    const s = await fetchStats(stack.envoy.adminUrl);
    expect(stat(s, `${C}.state`)).toBe(0);
    expect(stat(s, `${C}.half_opened`)).toBe(1);
    expect(stat(s, `${C}.closed`)).toBe(1);
  });

  it("reopens when the probe fails", async () => {
    await trip();
    await sleep(2_300);
    const probe = await fail();
    expect(probe.status).toBe(503);
    expect(parseEcho(probe), "the probe reached the upstream").toBeDefined();
    expect(isFastFail(await get())).toBe(true);
    const s = await waitForStats(stack.envoy.adminUrl, (x) => stat(x, `${C}.opened`) === 3);
    expect(stat(s, `${C}.state`)).toBe(1);
    expect(stat(s, `${C}.half_opened`)).toBe(2);

    // and recovers after the next good probe
    await sleep(2_300);
    expect((await get()).status).toBe(200);
    expect(statusCounts(await requestMany(5, 5, () => get()))).toEqual({ 200: 5 });
  });

  it("shows its counters in /stats, logged the transitions and no Wasm error", async () => {
    const s = await waitForStats(stack.envoy.adminUrl, (x) => stat(x, `${C}.rejected`) >= 9 + 20 + 1);
    expect(stat(s, `${C}.failures`)).toBeGreaterThanOrEqual(7);
    expect(stat(s, `${C}.calls`)).toBeGreaterThan(stat(s, `${C}.failures`));
    expect(stat(s, `${C}.closed`)).toBe(2);
    const transitions = wasmLogLines(stack.envoy.logs.text()).join("\n");
    expect(transitions).toContain('circuit "upstream" opened');
    expect(transitions).toContain('circuit "upstream" half-opened');
    expect(transitions).toContain('circuit "upstream" closed');
    expect(transitions).toContain('circuit "upstream" reopened');
    expectNoWasmErrors(stack.envoy);
  });
});
