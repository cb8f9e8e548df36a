// npm run bench reports where it is on stderr: a line per step, and a long soak's count every quarter.
import { afterEach, describe, expect, it, vi } from "vitest";
import { Progress } from "../progress.js";
import { NOOP } from "../scenarios/index.js";
import { startProxy } from "../setup.js";
import { soak } from "../soak.js";

describe("bench progress", () => {
  afterEach(() => vi.restoreAllMocks());

  it("prints each step and the soak's count at every quarter (stderr not a terminal)", async () => {
    const lines: string[] = [];
    vi.spyOn(process.stderr, "write").mockImplementation((chunk: string | Uint8Array) => {
      lines.push(String(chunk));
      return true;
    });
    const progress = new Progress(2, false);
    progress.step(1, "noop/request", "host calls and time against the no-op filter");
    soak(await startProxy(NOOP), NOOP.request, { warmup: 100, streams: 4_000, progress: progress.soak(1, "noop/request", 4_000) });
    expect(lines).toEqual([
      "bench 1/2 noop/request: host calls and time against the no-op filter\n",
      ...[1_000, 2_000, 3_000, 4_000].map((n) => `bench 1/2 noop/request: soak ${n.toLocaleString("en")}/4,000 requests\n`),
    ]);
  });
});
