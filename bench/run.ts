// npm run bench [-- --filter <id or scenario name>] [--requests N] [--instructions]
// npm run bench -- --envoy [...]: the filters in a real Envoy instead (bench/envoy.ts)
// For each scenario (and the no-op baseline): .wasm size, host calls per request, guest time
// relative to the no-op filter (same run), linear memory after N requests vs after warm-up, and
// with --instructions the deterministic instruction counts under callgrind. Writes
// bench/results/latest.json, prints a table and exits non-zero when a budget is exceeded.
import { mkdirSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { Bench } from "tinybench";
import { envoyMain } from "./envoy.js";
import { countInstructions, type InstructionCounts } from "./instructions.js";
import { DEFAULT_INSTRUCTION_RATIO, MAX_WASM_BYTES, type Scenario } from "./scenario.js";
import { Progress } from "./progress.js";
import { NOOP, SCENARIOS } from "./scenarios/index.js";
import { ROOT, startProxy, wasmPath } from "./setup.js";
import { soak } from "./soak.js";

interface Options {
  filter?: string;
  requests: number;
  instructions: boolean;
}

interface Result {
  scenario: string;
  wasmBytes: number;
  hostCallsPerRequest: { max: number; mean: number };
  timeRatioToNoop: number;
  memory: { requests: number; warmupPages: number; finalPages: number; growthPages: number };
  instructions?: InstructionCounts & { guestRatioToNoop: number };
  budgetFailures: string[];
}

function parseArgs(argv: string[]): Options {
  const options: Options = { requests: 1_000_000, instructions: false };
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === "--filter") options.filter = argv[++i];
    else if (argv[i] === "--requests") options.requests = Number(argv[++i]);
    else if (argv[i] === "--instructions") options.instructions = true;
    else throw new Error(`unknown argument ${argv[i]}; usage: npm run bench -- [--filter id] [--requests N] [--instructions]`);
  }
  return options;
}

/** Host calls of requests 1000..1999 (after warm-up): deterministic. */
async function hostCalls(scenario: Scenario): Promise<{ max: number; mean: number }> {
  const proxy = await startProxy(scenario);
  for (let i = 0; i < 1000; i++) proxy.request(scenario.request(i));
  let max = 0;
  let sum = 0;
  for (let i = 1000; i < 2000; i++) {
    const calls = proxy.request(scenario.request(i)).hostCalls;
    max = Math.max(max, calls);
    sum += calls;
  }
  return { max, mean: sum / 1000 };
}

/** Mean time per request of the scenario over the no-op filter's, measured in one tinybench run. */
async function timeRatio(scenario: Scenario): Promise<number> {
  const filter = await startProxy(scenario);
  const noop = await startProxy(NOOP);
  let i = 0;
  let j = 0;
  // Interleaved rounds (filter, noop, filter, noop, ...) so drift in machine load and JIT state
  // hits both sides alike; the ratio is of the summed means.
  const bench = new Bench({ time: 400, warmupTime: 200 });
  for (let round = 0; round < 5; round++) {
    bench.add(`filter#${round}`, () => { for (let k = 0; k < 100; k++) filter.request(scenario.request(i++)); });
    bench.add(`noop#${round}`, () => { for (let k = 0; k < 100; k++) noop.request(NOOP.request(j++)); });
  }
  await bench.run();
  const mean = (prefix: string) =>
    bench.tasks.filter((t) => t.name.startsWith(prefix)).reduce((sum, t) => sum + ("latency" in t.result ? t.result.latency.mean : NaN), 0);
  return mean("filter#") / mean("noop#");
}

/** Where a measurement is, for progress lines: [index, progress]. */
type At = [number, Progress];

async function measure(scenario: Scenario, options: Options, [index, progress]: At, noopGuest?: number): Promise<Result> {
  const budgetFailures: string[] = [];
  progress.step(index, scenario.name, "host calls and time against the no-op filter");
  const wasmBytes = statSync(wasmPath(scenario.filter)).size;
  if (scenario !== NOOP && wasmBytes > MAX_WASM_BYTES) budgetFailures.push(`size ${wasmBytes} B > ${MAX_WASM_BYTES} B`);
  const calls = await hostCalls(scenario);
  const allowedCalls = scenario.budget.hostCallsPerRequest;
  if (allowedCalls !== undefined && calls.max > allowedCalls) budgetFailures.push(`host calls ${calls.max} > ${allowedCalls}`);
  const timeRatioToNoop = await timeRatio(scenario);
  const soaked = soak(await startProxy(scenario), scenario.request, { warmup: 10_000, streams: options.requests, progress: progress.soak(index, scenario.name, options.requests) });
  if (soaked.growthPages > 0) budgetFailures.push(`memory grew ${soaked.growthPages} pages after warm-up`);
  const result: Result = {
    scenario: scenario.name,
    wasmBytes,
    hostCallsPerRequest: calls,
    timeRatioToNoop,
    memory: { requests: options.requests, warmupPages: soaked.warmupPages, finalPages: soaked.finalPages, growthPages: soaked.growthPages },
    budgetFailures,
  };
  if (options.instructions && noopGuest !== undefined) {
    progress.step(index, scenario.name, "instructions under callgrind");
    const counts = await countInstructions(scenario.name);
    const guestRatioToNoop = counts.guestPerRequest / noopGuest;
    result.instructions = { ...counts, guestRatioToNoop };
    const allowed = scenario.budget.instructionRatio ?? DEFAULT_INSTRUCTION_RATIO;
    if (scenario !== NOOP && guestRatioToNoop > allowed) budgetFailures.push(`guest instructions ${guestRatioToNoop.toFixed(2)}x no-op > ${allowed}x`);
  }
  return result;
}

function printTable(results: Result[]): void {
  const rows = results.map((r) => ({
    scenario: r.scenario,
    "wasm B": r.wasmBytes,
    "host calls max/mean": `${r.hostCallsPerRequest.max}/${r.hostCallsPerRequest.mean.toFixed(2)}`,
    "time vs noop": `${r.timeRatioToNoop.toFixed(2)}x`,
    "pages warm→end": `${r.memory.warmupPages}→${r.memory.finalPages}`,
    "guest instr/req": r.instructions ? Math.round(r.instructions.guestPerRequest) : "-",
    "guest vs noop": r.instructions ? `${r.instructions.guestRatioToNoop.toFixed(2)}x` : "-",
    "total instr/req": r.instructions ? Math.round(r.instructions.totalPerRequest) : "-",
    budget: r.budgetFailures.length ? `FAIL: ${r.budgetFailures.join("; ")}` : "ok",
  }));
  console.table(rows);
}

async function main(): Promise<void> {
  if (process.argv.includes("--envoy")) return envoyMain(process.argv.slice(2));
  const options = parseArgs(process.argv.slice(2));
  const chosen = SCENARIOS.filter((s) => !options.filter || s.filter === options.filter || s.name === options.filter);
  const progress = new Progress(chosen.length + 1);
  const noop = await measure(NOOP, options, [1, progress]);
  let noopGuest: number | undefined;
  if (options.instructions) {
    progress.step(1, NOOP.name, "instructions under callgrind");
    const counts = await countInstructions(NOOP.name);
    noopGuest = counts.guestPerRequest;
    noop.instructions = { ...counts, guestRatioToNoop: 1 };
  }
  const results = [noop];
  for (const [i, scenario] of chosen.entries()) results.push(await measure(scenario, options, [i + 2, progress], noopGuest));
  const dir = join(ROOT, "bench", "results");
  mkdirSync(dir, { recursive: true });
  const file = join(dir, "latest.json");
  writeFileSync(file, JSON.stringify({ date: new Date().toISOString(), node: process.version, options, results }, null, 2) + "\n");
  printTable(results);
  console.log(`results: ${file}`);
  if (results.some((r) => r.budgetFailures.length)) process.exit(1);
}

await main();
