// Deterministic mode: guest instructions per request under callgrind, for noisy machines.
// One valgrind process runs bench/drive.ts (bundled with esbuild so no TS loader runs under
// valgrind) over every scenario: callgrind dumps its counts at each mark the driver sets, so the
// dumps between a scenario's begin and end marks cover exactly its measured requests (start-up,
// module compilation and warm-up fall outside). V8 runs JavaScript in its interpreter (no JS JIT,
// interpreted regexps) and compiles the call wrappers between JavaScript and Wasm up front, so
// code in anonymous JIT memory is the Liftoff-compiled guest and its wrappers: callgrind's
// `[???]` entries are the "guest" count. Counts are repeatable on one machine and Node build.
import { spawn, spawnSync } from "node:child_process";
import { build } from "esbuild";
import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { findScenario, pluginsOf, ROOT } from "./setup.js";

const V8_FLAGS = [
  "--expose-gc", "--single-threaded", "--predictable", "--liftoff-only", "--no-opt", "--no-sparkplug", "--no-maglev",
  "--regexp-interpret-all", "--no-wasm-generic-wrapper",
];
/** Requests before the measured ones (state, caches and pools warm) and measured requests. */
export const WARM_REQUESTS = 100;
export const MEASURED_REQUESTS = 500;

export interface InstructionCounts {
  /** Whole process (guest, host-sim and Node) per request. */
  totalPerRequest: number;
  /** Instructions executed in JIT code, i.e. the Liftoff-compiled modules, per request. */
  guestPerRequest: number;
}

async function driver(): Promise<string> {
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
  return outfile;
}

/** Program total and guest instructions of one callgrind dump. */
function readDump(file: string): { total: number; guest: number } {
  const annotate = spawnSync("callgrind_annotate", ["--threshold=100", file], { encoding: "utf8", maxBuffer: 256 * 1024 * 1024 });
  if (annotate.status !== 0) throw new Error(`callgrind_annotate ${file} failed: ${annotate.stderr}`);
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

/** Scenarios per valgrind process: each VM's memory reserves a large address range, which the
 *  process does not always give back in time, and valgrind's address space is smaller than the
 *  machine's. A chain of several modules (four VMs) runs in a process of its own: two of them in
 *  one process ran out of Wasm memory. */
const SCENARIOS_PER_RUN = 10;

/** `names` in the groups that share a valgrind process, in order. */
function runsOf(names: string[]): string[][] {
  const runs: string[][] = [];
  let open: string[] | null = null;
  for (const name of names) {
    if (pluginsOf(findScenario(name)).length > 1) {
      runs.push([name]);
      open = null;
      continue;
    }
    if (open === null || open.length === SCENARIOS_PER_RUN) {
      open = [];
      runs.push(open);
    }
    open.push(name);
  }
  return runs;
}

type Settle = { resolve(c: InstructionCounts): void; reject(e: Error): void };

/**
 * Counts instructions per request of every scenario in `names` under callgrind, in runs of
 * SCENARIOS_PER_RUN scenarios one after the other. Returns one promise per scenario, settled as
 * soon as that scenario's measured requests are done (so a caller can report scenario by scenario
 * while the runs go on); a scenario whose run failed gets a rejected promise.
 */
export async function countInstructions(names: string[]): Promise<Map<string, Promise<InstructionCounts>>> {
  const script = await driver();
  const settle = new Map<string, Settle>();
  const results = new Map<string, Promise<InstructionCounts>>();
  for (const name of names) {
    const result = new Promise<InstructionCounts>((resolve, reject) => settle.set(name, { resolve, reject }));
    result.catch(() => {}); // read by the caller when it gets there
    results.set(name, result);
  }
  void (async () => {
    for (const run of runsOf(names)) await callgrindRun(script, run, settle);
  })();
  return results;
}

/** One valgrind process over `names`; resolves when it has ended. */
function callgrindRun(script: string, names: string[], settle: Map<string, Settle>): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), "sluice-cg-"));
  const out = join(dir, "callgrind.out");
  const run = spawn("valgrind", [
    "--tool=callgrind", `--callgrind-out-file=${out}`, "--dump-after=uv_get_total_memory",
    "node", ...V8_FLAGS, script, out, String(WARM_REQUESTS), String(MEASURED_REQUESTS), ...names,
  ], { cwd: ROOT, stdio: ["ignore", "pipe", "pipe"] });
  let stderr = "";
  run.stderr.on("data", (chunk: Buffer) => { stderr = (stderr + chunk.toString()).slice(-4000); });
  const begun = new Map<string, number>();
  createInterface({ input: run.stdout }).on("line", (line) => {
    const [what, name, dump] = line.split(" ");
    if (what === "begin") begun.set(name, Number(dump));
    if (what !== "end" || !settle.has(name)) return;
    let total = 0;
    let guest = 0;
    for (let part = begun.get(name)! + 1; part <= Number(dump); part++) {
      const counts = readDump(`${out}.${part}`);
      total += counts.total;
      guest += counts.guest;
      rmSync(`${out}.${part}`);
    }
    settle.get(name)!.resolve({ totalPerRequest: total / MEASURED_REQUESTS, guestPerRequest: guest / MEASURED_REQUESTS });
    settle.delete(name);
  });
  return new Promise((done) => {
    const fail = (why: string) => {
      for (const name of names) {
        settle.get(name)?.reject(new Error(why));
        settle.delete(name);
      }
      rmSync(dir, { recursive: true, force: true });
      done();
    };
    run.on("error", (e) => fail(`valgrind could not run: ${e.message}`));
    run.on("close", (code) => fail(`callgrind run ended (${code}) before the scenario was measured: ${stderr.trim().split("\n").slice(-3).join(" | ")}`));
  });
}
