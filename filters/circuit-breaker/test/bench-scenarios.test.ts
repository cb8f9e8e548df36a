// The benchmark scenarios load and stay within their host-call budgets (deterministic).
import { describe, expect, it } from "vitest";
import type { Scenario } from "../../../bench/scenario.js";
import { drive, startProxy } from "../../../bench/setup.js";
import { scenarios } from "./bench-scenarios.js";

describe("circuit-breaker › bench scenarios", () => {
  it.each(scenarios.map((s: Scenario) => [s.name, s] as [string, Scenario]))("%s stays within its host-call budget", async (_name, scenario) => {
    const proxy = await startProxy(scenario);
    for (let i = 0; i < 100; i++) drive(proxy, scenario, i);
    const calls = Array.from({ length: 100 }, (_, i) => drive(proxy, scenario, 100 + i).hostCalls);
    expect(Math.max(...calls)).toBe(scenario.budget.hostCallsPerRequest);
  });
});
