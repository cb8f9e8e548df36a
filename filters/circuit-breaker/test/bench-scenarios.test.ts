// The benchmark scenarios load and stay within their host-call budgets (deterministic).
import { describe, expect, it } from "vitest";
import type { Scenario } from "../../../bench/scenario.js";
import { Proxy } from "../../../host-sim/src/index.js";
import { scenarios } from "./bench-scenarios.js";
import { filterWasm } from "./load.js";

describe("circuit-breaker › bench scenarios", () => {
  it.each(scenarios.map((s: Scenario) => [s.name, s] as [string, Scenario]))("%s stays within its host-call budget", async (_name, scenario) => {
    const proxy = new Proxy({ workers: scenario.workers ?? 1 });
    const plugin = await proxy.addPlugin({ name: scenario.filter, rootId: scenario.filter, wasm: filterWasm(), config: scenario.config as object });
    expect(plugin.ok).toBe(true);
    for (let i = 0; i < 100; i++) proxy.request(scenario.request(i));
    const calls = Array.from({ length: 100 }, (_, i) => proxy.request(scenario.request(100 + i)).hostCalls);
    expect(Math.max(...calls)).toBe(scenario.budget.hostCallsPerRequest);
  });
});
