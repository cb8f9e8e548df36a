// npm run bench [-- --filter <id or scenario name>] [--requests N] [--no-instructions]
// npm run bench -- --envoy [...]: the filters in a real Envoy instead (bench/envoy.ts)
// For the no-op baseline and each scenario: host calls per request, heap allocations and GC
// objects per request after warm-up, guest instructions per request under callgrind, and for the
// scenarios where memory is the question linear memory over a long soak; plus every module's
// size. Checks each against its budget, prints a line per scenario as it finishes, then a table,
// writes bench/results/latest.json and exits non-zero when a budget is exceeded.
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { allocationsSoFar, countingModule } from "./allocations.js";
import { envoyMain } from "./envoy.js";
import { countInstructions, type InstructionCounts } from "./instructions.js";
import { Progress } from "./progress.js";
import { DEFAULT_INSTRUCTIONS, type Scenario } from "./scenario.js";
import { NOOP, SCENARIOS } from "./scenarios/index.js";
import { drive, pluginsOf, ROOT, startProxy, wasmPath } from "./setup.js";
import { limitOf, measureSizes, type SizeResult } from "./sizes.js";
import { soak } from "./soak.js";
import { formatTable } from "./table.js";

interface Options {
  filter?: string;
  /** Soak length instead of each scenario's own. */
  requests?: number;
  instructions: boolean;
}

/** Requests before counting starts, and requests counted (host calls, allocations). */
const WARM = 1_000;
const COUNTED = 1_000;
/** Requests before a soak's baseline memory is read. */
const SOAK_WARMUP = 10_000;

interface ScenarioResult {
  scenario: string;
  hostCalls: { max: number; mean: number; budget: number };
  /** Per request, after warm-up (budget: 0). */
  allocations: { heap: number; gc: number };
  instructions?: InstructionCounts & { budget: number };
  memory?: { requests: number; warmupPages: number; finalPages: number; growthPages: number };
  failures: string[];
}

function parseArgs(argv: string[]): Options {
  const options: Options = { instructions: true };
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === "--filter") options.filter = argv[++i];
    else if (argv[i] === "--requests") options.requests = Number(argv[++i]);
    else if (argv[i] === "--no-instructions") options.instructions = false;
    else throw new Error(`unknown argument ${argv[i]}; usage: npm run bench -- [--filter id|scenario] [--requests N] [--no-instructions]`);
  }
  return options;
}

/** Counting copies of the release modules, one per filter, built on first use. */
const counting = new Map<string, Promise<string>>();
function countingModuleOf(filter: string): Promise<string> {
  if (!counting.has(filter)) counting.set(filter, countingModule(filter));
  return counting.get(filter)!;
}

/** Host calls and allocations of requests WARM..WARM+COUNTED (deterministic). */
async function countRequests(scenario: Scenario): Promise<Pick<ScenarioResult, "hostCalls" | "allocations">> {
  const modules = new Map<string, string>();
  for (const { filter } of pluginsOf(scenario)) modules.set(filter, await countingModuleOf(filter));
  const proxy = await startProxy(scenario, (filter) => modules.get(filter)!);
  let i = 0;
  for (; i < WARM; i++) drive(proxy, scenario, i);
  const before = allocationsSoFar(proxy);
  let max = 0;
  let sum = 0;
  for (const end = i + COUNTED; i < end; i++) {
    const calls = drive(proxy, scenario, i).hostCalls;
    max = Math.max(max, calls);
    sum += calls;
  }
  const after = allocationsSoFar(proxy);
  return {
    hostCalls: { max, mean: sum / COUNTED, budget: scenario.budget.hostCallsPerRequest },
    allocations: { heap: (after.heap - before.heap) / COUNTED, gc: (after.gc - before.gc) / COUNTED },
  };
}

async function measure(scenario: Scenario, options: Options, soakProgress: (requests: number) => (done: number) => void, instructions?: Promise<InstructionCounts>): Promise<ScenarioResult> {
  const failures: string[] = [];
  const { hostCalls, allocations } = await countRequests(scenario);
  if (hostCalls.max > hostCalls.budget) failures.push(`host calls ${hostCalls.max} > ${hostCalls.budget}`);
  if (allocations.heap > 0 || allocations.gc > 0) {
    failures.push(`allocates ${allocations.heap} heap blocks (${allocations.gc} GC objects) per request`);
  }
  const result: ScenarioResult = { scenario: scenario.name, hostCalls, allocations, failures };
  if (scenario.soak !== undefined) {
    const requests = options.requests ?? scenario.soak;
    const proxy = await startProxy(scenario);
    const soaked = soak(proxy, (i) => scenario.request(i), { warmup: SOAK_WARMUP, streams: requests, progress: soakProgress(requests) });
    result.memory = { requests, warmupPages: soaked.warmupPages, finalPages: soaked.finalPages, growthPages: soaked.growthPages };
    if (soaked.growthPages > 0) failures.push(`memory grew ${soaked.growthPages} pages over ${requests} requests`);
  }
  if (instructions) {
    const budget = scenario.budget.instructions ?? DEFAULT_INSTRUCTIONS;
    try {
      result.instructions = { ...(await instructions), budget };
      if (result.instructions.guestPerRequest > budget) {
        failures.push(`guest instructions ${Math.round(result.instructions.guestPerRequest)} > ${budget}`);
      }
    } catch (e) {
      failures.push(`guest instructions not measured: ${(e as Error).message}`);
    }
  }
  return result;
}

function progressLine(index: number, count: number, r: ScenarioResult): string {
  const width = String(count).length;
  const instr = r.instructions ? `${Math.round(r.instructions.guestPerRequest).toLocaleString("en")} instr` : "";
  const memory = r.memory ? `${r.memory.warmupPages}→${r.memory.finalPages} pages` : "";
  const verdict = r.failures.length ? `FAIL: ${r.failures.join("; ")}` : "ok";
  return `[${String(index).padStart(width)}/${count}] ${r.scenario.padEnd(44)} ${instr.padStart(12)}  ` +
    `${r.hostCalls.max}/${r.hostCalls.budget} calls  heap ${r.allocations.heap.toFixed(2)} gc ${r.allocations.gc.toFixed(2)}  ${memory}  ${verdict}`;
}

function resultTable(results: ScenarioResult[]): string {
  return formatTable(
    ["scenario", "instr/req", "budget", "calls", "budget", "heap/req", "gc/req", "pages", "result"],
    results.map((r) => [
      r.scenario,
      r.instructions ? Math.round(r.instructions.guestPerRequest).toLocaleString("en") : "-",
      r.instructions ? r.instructions.budget.toLocaleString("en") : "-",
      `${r.hostCalls.max}`,
      `${r.hostCalls.budget}`,
      r.allocations.heap.toFixed(2),
      r.allocations.gc.toFixed(2),
      r.memory ? `${r.memory.warmupPages}→${r.memory.finalPages}` : "-",
      r.failures.length ? "FAIL" : "ok",
    ]),
  );
}

function sizeTable(sizes: SizeResult[]): string {
  return formatTable(
    ["module", "bytes", "recorded", "limit", "result"],
    sizes.map((s) => [s.module, s.bytes.toLocaleString("en"), s.recorded.toLocaleString("en"), limitOf(s.module)?.toLocaleString("en") ?? "-",
      s.failures.length ? "FAIL" : "ok"]),
  );
}

async function main(): Promise<void> {
  if (process.argv.includes("--envoy")) return envoyMain(process.argv.slice(2));
  const options = parseArgs(process.argv.slice(2));
  const chosen = [NOOP, ...SCENARIOS.filter((s) => !options.filter || s.filter === options.filter || s.name === options.filter)];
  const sizes = measureSizes();
  const instructionRuns = options.instructions ? await countInstructions(chosen.map((s) => s.name)) : undefined;
  const results: ScenarioResult[] = [];
  const progress = new Progress(chosen.length);
  for (const [k, scenario] of chosen.entries()) {
    const result = await measure(scenario, options, (requests) => progress.soak(k + 1, scenario.name, requests), instructionRuns?.get(scenario.name));
    results.push(result);
    console.log(progressLine(k + 1, chosen.length, result));
  }
  const dir = join(ROOT, "bench", "results");
  mkdirSync(dir, { recursive: true });
  const file = join(dir, "latest.json");
  const modules = Object.fromEntries(sizes.map((s) => [s.module, wasmPath(s.module)]));
  writeFileSync(file, JSON.stringify({ date: new Date().toISOString(), node: process.version, options, modules, sizes, results }, null, 2) + "\n");
  console.log(`\n${resultTable(results)}\n\n${sizeTable(sizes)}`);
  const failures = [...results.flatMap((r) => r.failures.map((f) => `${r.scenario}: ${f}`)), ...sizes.flatMap((s) => s.failures)];
  for (const failure of failures) console.log(`FAIL ${failure}`);
  if (!options.instructions) console.log("guest instructions not measured (--no-instructions): their budgets are unchecked");
  console.log(`results: ${file}`);
  if (failures.length) process.exit(1);
}

await main();
