// The backend probe (SLUICE_ENVOY), the container-runtime probe and the skip line: no Docker and
// no Envoy are needed for any of this.
import { spawnSync } from "node:child_process";
import { describe, expect, it } from "vitest";
import { REPO_ROOT } from "../support/bootstrap.js";
import { SKIP_PREFIX, backendChoice, describeError, probeBackend, probeRuntime, runtimeRequired, skipLine } from "../support/runtime.js";

describe("probeRuntime", () => {
  it("reports an available runtime", async () => {
    expect(await probeRuntime({ probe: async () => ({}) })).toEqual({ available: true, kind: "container", detail: "container runtime", reason: "" });
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

  it("never hangs on a local Envoy that does not answer either", async () => {
    const status = await probeBackend({ env: { SLUICE_ENVOY: "process" }, localEnvoy: () => new Promise(() => {}), timeoutMs: 50 });
    expect(status).toEqual({ available: false, reason: "no local Envoy: no answer from the local Envoy within 50 ms" });
  });

  it("answers quickly with testcontainers' own lookup", async () => {
    const t0 = Date.now();
    const status = await probeRuntime();
    expect(Date.now() - t0).toBeLessThan(16_000);
    expect(typeof status.available).toBe("boolean");
    if (!status.available) expect(status.reason).not.toBe("");
  });
});

describe("SLUICE_ENVOY", () => {
  const envoyOk = async (): Promise<string> => "envoy  version: 9e55/1.40.0/Clean/RELEASE/BoringSSL";
  const envoyMissing = async (): Promise<string> => Promise.reject(new Error("envoy --version: spawn envoy ENOENT"));
  const dockerOk = async (): Promise<unknown> => ({});
  const dockerMissing = async (): Promise<unknown> => Promise.reject(new Error("Could not find a working container runtime strategy"));

  it.each([
    ["", "auto"],
    ["auto", "auto"],
    [" Process ", "process"],
    ["container", "container"],
  ])("reads %j as %s", (value, choice) => {
    expect(backendChoice({ SLUICE_ENVOY: value })).toBe(choice);
  });

  it("refuses anything else, quoting it", () => {
    expect(() => backendChoice({ SLUICE_ENVOY: "docker" })).toThrow('SLUICE_ENVOY must be process, container or auto, got "docker"');
  });

  it("auto prefers a local Envoy, even with a container runtime", async () => {
    expect(await probeBackend({ env: {}, localEnvoy: envoyOk, probe: dockerOk })).toMatchObject({ available: true, kind: "process" });
  });

  it("auto falls back to a container runtime, then to the skip with both reasons", async () => {
    expect(await probeBackend({ env: {}, localEnvoy: envoyMissing, probe: dockerOk })).toMatchObject({ available: true, kind: "container" });
    expect(await probeBackend({ env: {}, localEnvoy: envoyMissing, probe: dockerMissing })).toEqual({
      available: false,
      reason: "no local Envoy: envoy --version: spawn envoy ENOENT; no container runtime: Could not find a working container runtime strategy",
    });
  });

  it("process and container use only what they name", async () => {
    expect(await probeBackend({ env: { SLUICE_ENVOY: "process" }, localEnvoy: envoyMissing, probe: dockerOk })).toEqual({
      available: false,
      reason: "no local Envoy: envoy --version: spawn envoy ENOENT",
    });
    expect(await probeBackend({ env: { SLUICE_ENVOY: "container" }, localEnvoy: envoyOk, probe: dockerMissing })).toEqual({
      available: false,
      reason: "no container runtime: Could not find a working container runtime strategy",
    });
  });

  it("a bad SLUICE_ENVOY makes the suite unavailable with the reason (so CI fails, never skips silently)", async () => {
    expect(await probeBackend({ env: { SLUICE_ENVOY: "vm" }, localEnvoy: envoyOk, probe: dockerOk })).toEqual({
      available: false,
      reason: 'SLUICE_ENVOY must be process, container or auto, got "vm"',
    });
  });
});

describe("skip line", () => {
  it("is the documented line", () => {
    expect(skipLine("no container runtime: Could not find a working container runtime strategy")).toBe(
      "integration: skipped, no Envoy (no container runtime: Could not find a working container runtime strategy)",
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

describe.skipIf(nested)("the integration project with SLUICE_ENVOY=container and no container runtime", async () => {
  const status = nested ? { available: true } : await probeRuntime();
  it.skipIf(status.available)("prints the skip line once and exits 0 within seconds", () => {
    const t0 = Date.now();
    const env = { ...process.env, SLUICE_ENVOY: "container", SLUICE_INTEGRATION_REQUIRED: "", SLUICE_NESTED_VITEST: "1" };
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
    expect(lines[0]).toMatch(/^integration: skipped, no Envoy \(no container runtime: .+\)$/);
    expect(out).not.toMatch(/\bfailed\b/i);
  }, 60_000);

  it.skipIf(status.available)("fails instead when SLUICE_INTEGRATION_REQUIRED is set", () => {
    const run = spawnSync(process.execPath, ["node_modules/vitest/vitest.mjs", "run", "--project", "integration"], {
      cwd: REPO_ROOT,
      env: { ...process.env, SLUICE_ENVOY: "container", SLUICE_INTEGRATION_REQUIRED: "1", SLUICE_NESTED_VITEST: "1" },
      encoding: "utf8",
      timeout: 60_000,
    });
    expect(run.status).not.toBe(0);
    expect(`${run.stdout}${run.stderr}`).toContain("SLUICE_INTEGRATION_REQUIRED is set");
  }, 60_000);
});
