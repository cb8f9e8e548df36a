import { describe, expect, it } from "vitest";
import { scenarios } from "./bench-scenarios.js";
import { start } from "./harness.js";

describe("bench scenarios", () => {
  it.each(scenarios.map((s) => [s.name, s] as const))("%s stays within its host-call budget", async (_name, scenario) => {
    const proxy = await start(scenario.config, { workers: scenario.workers });
    for (let i = 0; i < 20; i++) {
      const r = proxy.request(scenario.request(i));
      expect(r.hostCalls).toBeLessThanOrEqual(scenario.budget.hostCallsPerRequest!);
    }
  });
});
