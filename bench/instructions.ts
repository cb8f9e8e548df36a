// Deterministic mode: instructions per request under callgrind, for noisy machines.
// Runs bench/drive.ts (bundled with esbuild so no TS loader runs under valgrind) for n and 2n
// requests with V8 flags that make counts repeatable, and takes the difference, which cancels
// start-up. JavaScript runs in the interpreter (no JS JIT, interpreted regexps), so code in
// anonymous JIT memory is the Liftoff-compiled guest: its instructions are the "guest" count.
import { spawnSync } from "node:child_process";
import { build } from "esbuild";
import { mkdirSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ROOT } from "./setup.js";

const V8_FLAGS = ["--single-threaded", "--predictable", "--liftoff-only", "--no-opt", "--no-sparkplug", "--no-maglev", "--regexp-interpret-all"];

export interface InstructionCounts {
  /** Whole process (guest, host-sim and Node) per request. */
  totalPerRequest: number;
  /** Instructions executed in JIT code, i.e. the Liftoff-compiled module, per request. */
  guestPerRequest: number;
}

let bundled: string | undefined;

async function driver(): Promise<string> {
  if (bundled) return bundled;
  const outdir = join(ROOT, "build", "bench");
  mkdirSync(outdir, { recursive: true });
  const outfile = join(outdir, "drive.mjs");
  await build({
    entryPoints: [join(ROOT, "bench/drive.ts")],
    outfile,
    bundle: true,
    platform: "node",
    format: "esm",
    target: "node20",
    logLevel: "error",
    banner: { js: "import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);" },
  });
  bundled = outfile;
  return outfile;
}

function callgrind(script: string, scenario: string, n: number): { total: number; guest: number } {
  const out = join(mkdtempSync(join(tmpdir(), "sluice-cg-")), "callgrind.out");
  const run = spawnSync("valgrind", ["--tool=callgrind", `--callgrind-out-file=${out}`, "node", ...V8_FLAGS, script, scenario, String(n)], {
    encoding: "utf8",
    cwd: ROOT,
    maxBuffer: 64 * 1024 * 1024,
  });
  if (run.error) throw new Error(`valgrind could not run: ${run.error.message}`);
  if (run.status !== 0) throw new Error(`callgrind run failed (${run.status}): ${run.stderr.slice(-2000)}`);
  const annotate = spawnSync("callgrind_annotate", ["--threshold=100", out], { encoding: "utf8", maxBuffer: 256 * 1024 * 1024 });
  let total = 0;
  let guest = 0;
  for (const line of annotate.stdout.split("\n")) {
    const m = /^\s*([\d,]+)\s+(?:\([^)]*\)\s+)?(.*)$/.exec(line);
    if (!m) continue;
    const count = Number(m[1].replaceAll(",", ""));
    if (m[2].includes("PROGRAM TOTALS")) total = count;
    else if (m[2].endsWith("[???]")) guest += count;
  }
  return { total, guest };
}

/** Instructions per request of `scenario`, from runs of n and 2n requests. */
export async function countInstructions(scenario: string, n = 1000): Promise<InstructionCounts> {
  const script = await driver();
  const short = callgrind(script, scenario, n);
  const long = callgrind(script, scenario, 2 * n);
  return { totalPerRequest: (long.total - short.total) / n, guestPerRequest: (long.guest - short.guest) / n };
}
