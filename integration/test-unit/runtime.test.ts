// The container-runtime probe and the skip line: no Docker is needed for any of this.
import { spawnSync } from "node:child_process";
import { describe, expect, it } from "vitest";
import { REPO_ROOT } from "../support/bootstrap.js";
import { SKIP_PREFIX, describeError, probeRuntime, runtimeRequired, skipLine } from "../support/runtime.js";

describe("probeRuntime", () => {
  it("reports an available runtime", async () => {
    expect(await probeRuntime({ probe: async () => ({}) })).toEqual({ available: true, reason: "" });
  });

  it("reports the first line of the probe's error", async () => {
    const status = await probeRuntime({ probe: async () => Promise.reject(new Error("Could not find a working container runtime strategy\n    at x")) });
    expect(status).toEqual({ available: false, reason: "Could not find a working container runtime strategy" });
  });

  it("never hangs: a runtime that does not answer is cut off by the timeout", async () => {
    const t0 = Date.now();
    const status = await probeRuntime({ probe: () => new Promise(() => {}), timeoutMs: 50 });
    expect(Date.now() - t0).toBeLessThan(1_000);
    expect(status).toEqual({ available: false, reason: "no answer from the container runtime within 50 ms" });
  });

  it("answers quickly with testcontainers' own lookup", async () => {
    const t0 = Date.now();
    const status = await probeRuntime();
    expect(Date.now() - t0).toBeLessThan(16_000);
    expect(typeof status.available).toBe("boolean");
    if (!status.available) expect(status.reason).not.toBe("");
  });
});

describe("skip line", () => {
  it("is the documented line", () => {
    expect(skipLine("Could not find a working container runtime strategy")).toBe(
      "integration: skipped, no container runtime (Could not find a working container runtime strategy)",
    );
  });

  it("bounds and cleans the reason", () => {
    expect(describeError("")).toBe("unknown error");
    expect(describeError(new Error("\n  first  \nsecond"))).toBe("first");
    expect(describeError("x".repeat(300))).toBe(`${"x".repeat(200)}...`);
    expect(describeError(42)).toBe("42");
  });

  it("SLUICE_INTEGRATION_REQUIRED turns a skip into a failure", () => {
    expect(runtimeRequired({})).toBe(false);
    expect(runtimeRequired({ SLUICE_INTEGRATION_REQUIRED: "0" })).toBe(false);
    expect(runtimeRequired({ SLUICE_INTEGRATION_REQUIRED: "false" })).toBe(false);
    expect(runtimeRequired({ SLUICE_INTEGRATION_REQUIRED: "1" })).toBe(true);
    expect(runtimeRequired({ SLUICE_INTEGRATION_REQUIRED: "true" })).toBe(true);
  });
});

// SLUICE_NESTED_VITEST: never recurse when this file itself is collected by the child run.
const nested = process.env.SLUICE_NESTED_VITEST === "1";

describe.skipIf(nested)("the integration project without a container runtime", async () => {
  const status = nested ? { available: true } : await probeRuntime();
  it.skipIf(status.available)("prints the skip line once and exits 0 within seconds", () => {
    const t0 = Date.now();
    const env = { ...process.env, SLUICE_INTEGRATION_REQUIRED: "", SLUICE_NESTED_VITEST: "1" };
    const run = spawnSync(process.execPath, ["node_modules/vitest/vitest.mjs", "run", "--project", "integration"], {
      cwd: REPO_ROOT,
      env,
      encoding: "utf8",
      timeout: 60_000,
    });
    const out = `${run.stdout}${run.stderr}`;
    expect(run.status, out).toBe(0);
    expect(Date.now() - t0).toBeLessThan(30_000);
    const lines = out.split("\n").filter((l) => l.includes(SKIP_PREFIX));
    expect(lines, out).toHaveLength(1);
    expect(lines[0]).toMatch(/^integration: skipped, no container runtime \(.+\)$/);
    expect(out).not.toMatch(/\bfailed\b/i);
  }, 60_000);

  it.skipIf(status.available)("fails instead when SLUICE_INTEGRATION_REQUIRED is set", () => {
    const run = spawnSync(process.execPath, ["node_modules/vitest/vitest.mjs", "run", "--project", "integration"], {
      cwd: REPO_ROOT,
      env: { ...process.env, SLUICE_INTEGRATION_REQUIRED: "1", SLUICE_NESTED_VITEST: "1" },
      encoding: "utf8",
      timeout: 60_000,
    });
    expect(run.status).not.toBe(0);
    expect(`${run.stdout}${run.stderr}`).toContain("SLUICE_INTEGRATION_REQUIRED is set");
  }, 60_000);
});
