// Child processes: output collected, stopped with SIGTERM, killed when they ignore it, readiness
// bounded and explained.
import { describe, expect, it } from "vitest";
import { freePort, startProcess, tail, waitUntilReady } from "../processes.js";

const node = process.execPath;

describe("startProcess", () => {
  it("collects stdout and stderr and reports the exit", async () => {
    const p = await startProcess("talker", node, ["-e", "process.stdout.write('out\\n'); process.stderr.write('err\\n')"]);
    expect(await p.exited).toBe(0);
    expect(p.hasExited()).toBe(true);
    expect(p.logs.text()).toContain("out\n");
    expect(p.logs.text()).toContain("err\n");
  });

  it("stops a process with SIGTERM", async () => {
    const p = await startProcess("sleeper", node, ["-e", "setInterval(() => {}, 1000)"]);
    const t0 = Date.now();
    await p.stop();
    expect(await p.exited).toBe("SIGTERM");
    expect(Date.now() - t0).toBeLessThan(2_000);
  });

  it("kills a process that ignores SIGTERM after the grace period", async () => {
    const p = await startProcess("stubborn", node, ["-e", "process.on('SIGTERM', () => {}); console.log('ready'); setInterval(() => {}, 1000)"]);
    await waitUntilReady(p, async () => p.logs.text().includes("ready"), 5_000);
    await p.stop(200);
    expect(await p.exited).toBe("SIGKILL");
  });

  it("says why a command cannot start", async () => {
    await expect(startProcess("ghost", "/nonexistent/sluice-binary", [])).rejects.toThrow("ghost: cannot start /nonexistent/sluice-binary: spawn /nonexistent/sluice-binary ENOENT");
  });
});

describe("waitUntilReady", () => {
  it("fails with the output when the process ends first", async () => {
    const p = await startProcess("crasher", node, ["-e", "console.error('bind: address already in use'); process.exit(3)"]);
    await expect(waitUntilReady(p, async () => false, 5_000)).rejects.toThrow(/crasher exited with 3 before it was ready\n--- crasher output ---\nbind: address already in use/);
  });

  it("fails after the timeout with the output", async () => {
    const p = await startProcess("slow", node, ["-e", "console.log('starting'); setInterval(() => {}, 1000)"]);
    try {
      await expect(waitUntilReady(p, async () => false, 300)).rejects.toThrow(/slow was not ready within 300 ms\n--- slow output ---\nstarting/);
    } finally {
      await p.stop();
    }
  });
});

describe("helpers", () => {
  it("freePort gives a loopback port that can be bound", async () => {
    const port = await freePort();
    expect(port).toBeGreaterThan(0);
    expect(port).toBeLessThan(65536);
  });

  it("tail keeps the last lines", () => {
    expect(tail("a\nb\nc\nd", 2)).toBe("c\nd");
  });
});
