// npm run bench -- --envoy [--rounds 4] [--seconds 4] [--only none,chain,...]
// The filters in a real Envoy (ENVOY_BIN or PATH), as `sluice render envoy` configures them,
// against Envoy without any Wasm filter, one and four no-op modules, each filter in a typical
// configuration, the chain of four, and the chain as one module (the bundle, with the four filters
// and with rate-limit alone). Envoy runs pinned to CPU 0 with 1 worker; wrk (Debian's)
// and the upstream (a second Envoy answering with direct_response) run on CPU 1. Per config and
// round, interleaved: CPU time of the Envoy process per request (from /proc/<pid>/stat over a
// fixed-length saturating load), throughput at that load, p50/p99 latency at one connection; once
// per config, resident memory with 1 and 4 workers and Envoy's count of live Wasm VMs. Medians over
// the rounds, and ratios to Envoy without Wasm measured in the same run. Writes
// bench/results/envoy.json. This machine has no hardware counters; the figures are wall-clock
// CPU accounting, so read the ratios.
import { execFile } from "node:child_process";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { adminGet, type Json } from "../cli/local-envoy/admin.js";
import { endpointKey } from "../cli/local-envoy/bootstrap-rewrite.js";
import { envoyVersion, startLocalEnvoy, type LocalEnvoy } from "../cli/local-envoy/envoy-process.js";
import { envoyBootstrap } from "../cli/render/envoy.js";
import { toConfig } from "../cli/config.js";
import { ROOT, wasmPath } from "./setup.js";

type Obj = { [key: string]: Json };

/** `npm run bench -- --envoy [--rounds N] [--seconds S] [--only a,b]`. */
export async function envoyMain(argv: string[]): Promise<void> {
  const options: EnvoyBenchOptions = { rounds: 4, seconds: 4 };
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === "--envoy") continue;
    else if (argv[i] === "--rounds") options.rounds = Number(argv[++i]);
    else if (argv[i] === "--seconds") options.seconds = Number(argv[++i]);
    else if (argv[i] === "--only") options.only = argv[++i].split(",");
    else throw new Error(`unknown argument ${argv[i]}; usage: npm run bench -- --envoy [--rounds N] [--seconds S] [--only ${CONFIGS.map((c) => c.name).join(",")}]`);
  }
  if (!(options.rounds >= 1 && options.seconds >= 1)) throw new Error("--rounds and --seconds must be at least 1");
  await runEnvoyBench(options);
}

export interface EnvoyBenchOptions {
  rounds: number;
  seconds: number;
  only?: string[];
}

/** One measured configuration: the filters of the chain (sluice.yaml `filters`), or no-op modules. */
interface BenchConfig {
  name: string;
  what: string;
  filters: Array<Record<string, unknown>>;
  /** Replace every Wasm module by the no-op filter (the dispatch layer alone). */
  noop?: boolean;
  /** The filters as one module (build/sluice.wasm, `sluice render envoy --bundle`). */
  bundle?: boolean;
  path: string;
  headers: Record<string, string>;
}

const RATE_LIMIT = {
  id: "rate-limit",
  config: {
    rules: [{ name: "per-user", key: [{ source: "header", name: "x-user-id" }], limits: [{ requests: 1_000_000_000, per: "1s" }] }],
    headers_mode: "draft03",
  },
};
const SPIFFE_RBAC = {
  id: "spiffe-rbac",
  config: {
    policies: [{ name: "admin-only-ops", action: "DENY", from: { not_principals: ["spiffe://example.org/ns/ops/sa/admin"], unauthenticated: true }, to: { paths: ["/admin*"] } }],
    decision_header: true,
  },
};
const TRAFFIC_COLOUR = {
  id: "traffic-colour",
  config: {
    colours: ["stable", "canary"],
    default_colour: "stable",
    response_header: "x-sluice-colour",
    rules: [
      { name: "opt-in", colour: "canary", match: { source: "header", name: "x-env", op: "equals", value: "canary" } },
      { name: "canary-10pct", split: { key: { source: "header", name: "x-user-id" }, weights: [{ colour: "canary", basis_points: 1000 }] } },
    ],
  },
};
const CIRCUIT_BREAKER = {
  id: "circuit-breaker",
  config: { circuits: [{ name: "api", consecutive_failures: 3, open_duration: "10s", half_open_probes: 1 }] },
};

const REQUEST = { path: "/api/x", headers: { "x-user-id": "7" } };

export const CONFIGS: BenchConfig[] = [
  { name: "none", what: "Envoy without Wasm", filters: [], ...REQUEST },
  { name: "noop-1", what: "one no-op module", filters: [RATE_LIMIT], noop: true, ...REQUEST },
  { name: "noop-4", what: "four no-op modules", filters: [SPIFFE_RBAC, RATE_LIMIT, TRAFFIC_COLOUR, CIRCUIT_BREAKER], noop: true, ...REQUEST },
  { name: "rate-limit", what: "keyed on a header, draft03, allowed", filters: [RATE_LIMIT], ...REQUEST },
  { name: "spiffe-rbac", what: "1 policy, allowed", filters: [SPIFFE_RBAC], ...REQUEST },
  { name: "circuit-breaker", what: "closed", filters: [CIRCUIT_BREAKER], ...REQUEST },
  { name: "traffic-colour", what: "keyed 10% split", filters: [TRAFFIC_COLOUR], ...REQUEST },
  { name: "chain", what: "the four filters (examples/sluice.yaml)", filters: [SPIFFE_RBAC, RATE_LIMIT, TRAFFIC_COLOUR, CIRCUIT_BREAKER], ...REQUEST },
  { name: "bundle", what: "the four filters as one module (build/sluice.wasm)", filters: [SPIFFE_RBAC, RATE_LIMIT, TRAFFIC_COLOUR, CIRCUIT_BREAKER], bundle: true, ...REQUEST },
  { name: "bundle-1", what: "the bundle with rate-limit alone", filters: [RATE_LIMIT], bundle: true, ...REQUEST },
];

/** The Envoy bootstrap `sluice render envoy` makes for this configuration (Wasm filters FAIL_OPEN). */
export function benchBootstrap(config: BenchConfig): Obj {
  const filters = config.filters.length > 0 ? config.filters : [RATE_LIMIT];
  const doc = { upstreams: { app: { address: "upstream", port: 8080 } }, filters: filters.map((f) => ({ ...f, fail_strategy: "FAIL_OPEN" })) };
  const bootstrap = envoyBootstrap(toConfig("bench", doc), false, config.bundle === true) as Obj;
  const hcm = ((((bootstrap.static_resources as Obj).listeners as Obj[])[0].filter_chains as Obj[])[0].filters as Obj[])[0].typed_config as Obj;
  const httpFilters = hcm.http_filters as Obj[];
  if (config.filters.length === 0) hcm.http_filters = httpFilters.filter((f) => f.name !== "envoy.filters.http.wasm");
  if (config.noop === true) {
    httpFilters.forEach((f, i) => {
      const c = (f.typed_config as Obj).config as Obj | undefined;
      if (c === undefined) return;
      c.root_id = "noop";
      (c.vm_config as Obj).vm_id = `noop-${i}`;
      ((c.vm_config as Obj).code as Obj).local = { filename: "/etc/sluice/noop.wasm" };
    });
  }
  return bootstrap;
}

/** An Envoy that answers every request with 200 and a short body (the upstream of every config). */
function upstreamBootstrap(): Obj {
  return {
    admin: { address: { socket_address: { address: "127.0.0.1", port_value: 0 } } },
    static_resources: {
      listeners: [
        {
          name: "upstream",
          address: { socket_address: { address: "0.0.0.0", port_value: 8080 } },
          filter_chains: [
            {
              filters: [
                {
                  name: "envoy.filters.network.http_connection_manager",
                  typed_config: {
                    "@type": "type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager",
                    stat_prefix: "upstream",
                    route_config: { virtual_hosts: [{ name: "all", domains: ["*"], routes: [{ match: { prefix: "/" }, direct_response: { status: 200, body: { inline_string: "ok\n" } } }] }] },
                    http_filters: [{ name: "envoy.filters.http.router", typed_config: { "@type": "type.googleapis.com/envoy.extensions.filters.http.router.v3.Router" } }],
                  },
                },
              ],
            },
          ],
        },
      ],
    },
  };
}

interface WrkResult {
  requests: number;
  perSecond: number;
  p50Ms?: number;
  p99Ms?: number;
  non2xx: number;
}

function toMs(value: string, unit: string): number {
  const n = Number(value);
  return unit === "us" ? n / 1000 : unit === "s" ? n * 1000 : n;
}

/** Parses wrk's summary (with --latency for percentiles). */
export function parseWrk(output: string): WrkResult {
  const requests = /(\d+) requests in /.exec(output);
  const perSecond = /Requests\/sec:\s+([\d.]+)/.exec(output);
  if (requests === null || perSecond === null) throw new Error(`wrk printed no summary:\n${output}`);
  const pct = (p: string): number | undefined => {
    const m = new RegExp(`^\\s+${p}%\\s+([\\d.]+)(us|ms|s)\\s*$`, "m").exec(output);
    return m === null ? undefined : toMs(m[1], m[2]);
  };
  const non2xx = /Non-2xx or 3xx responses:\s+(\d+)/.exec(output);
  return { requests: Number(requests[1]), perSecond: Number(perSecond[1]), p50Ms: pct("50"), p99Ms: pct("99"), non2xx: non2xx === null ? 0 : Number(non2xx[1]) };
}

function wrk(url: string, headers: Record<string, string>, connections: number, seconds: number, latency = false): Promise<WrkResult> {
  const args = ["-c", "1", "wrk", "-t", "1", "-c", String(connections), "-d", `${seconds}s`, ...(latency ? ["--latency"] : [])];
  for (const [k, v] of Object.entries(headers)) args.push("-H", `${k}: ${v}`);
  args.push(url);
  return new Promise((resolve, reject) => {
    execFile("taskset", args, { timeout: (seconds + 30) * 1000 }, (err, stdout, stderr) => {
      if (err !== null) reject(new Error(`wrk: ${err.message}\n${stderr}`));
      else resolve(parseWrk(stdout));
    });
  });
}

/** utime + stime of a process, in microseconds. */
export function cpuMicros(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  // fields[0] is field 3 (state): utime is field 14, stime field 15; clock ticks of 1/100 s on Linux
  return (Number(fields[11]) + Number(fields[12])) * 10_000;
}

/** Resident memory of a process in MiB. */
export function rssMiB(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
  return m === null ? NaN : Number(m[1]) / 1024;
}

async function wasmVmCount(adminUrl: string): Promise<number> {
  const res = await adminGet(`${adminUrl}/stats?filter=${encodeURIComponent("^wasm\\..*\\.active$")}`);
  let total = 0;
  for (const m of res.body.matchAll(/^wasm\.\S*\.active: (\d+)$/gm)) total += Number(m[1]);
  return total;
}

async function startConfig(config: BenchConfig, upstreamPort: number, workers: number): Promise<LocalEnvoy> {
  const files = new Map<string, string>();
  for (const id of ["spiffe-rbac", "rate-limit", "traffic-colour", "circuit-breaker", "noop", "sluice"]) files.set(`/etc/sluice/${id}.wasm`, wasmPath(id));
  return startLocalEnvoy({
    rendered: benchBootstrap(config),
    rewrite: { endpoints: new Map([[endpointKey("upstream", 8080), upstreamPort]]), files },
    concurrency: workers,
    cpus: "0",
    logLevel: "warning",
    name: `envoy ${config.name}`,
  });
}

interface Sample {
  cpuUsPerRequest: number;
  requestsPerSecond: number;
  p50Ms: number;
  p99Ms: number;
}

async function measureRound(config: BenchConfig, upstreamPort: number, seconds: number): Promise<Sample> {
  const envoy = await startConfig(config, upstreamPort, 1);
  try {
    const url = `${envoy.url}${config.path}`;
    await wrk(url, config.headers, 16, 1); // warm-up: JIT, connections, caches
    const cpu0 = cpuMicros(envoy.pid!);
    const load = await wrk(url, config.headers, 16, seconds);
    const cpu1 = cpuMicros(envoy.pid!);
    if (load.non2xx > 0) throw new Error(`${config.name}: ${load.non2xx} responses were not 2xx`);
    const one = await wrk(url, config.headers, 1, Math.max(2, Math.round(seconds / 2)), true);
    return { cpuUsPerRequest: (cpu1 - cpu0) / load.requests, requestsPerSecond: load.perSecond, p50Ms: one.p50Ms ?? NaN, p99Ms: one.p99Ms ?? NaN };
  } finally {
    await envoy.stop();
  }
}

async function measureMemory(config: BenchConfig, upstreamPort: number, workers: number): Promise<{ rssMiB: number; wasmVms: number }> {
  const envoy = await startConfig(config, upstreamPort, workers);
  try {
    await wrk(`${envoy.url}${config.path}`, config.headers, 16, 1);
    return { rssMiB: rssMiB(envoy.pid!), wasmVms: await wasmVmCount(envoy.adminUrl) };
  } finally {
    await envoy.stop();
  }
}

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 === 1 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

export interface EnvoyResult {
  config: string;
  what: string;
  cpuUsPerRequest: number;
  cpuVsNone: number;
  requestsPerSecond: number;
  p50Ms: number;
  p99Ms: number;
  rss1MiB: number;
  rss4MiB: number;
  wasmVms1: number;
  wasmVms4: number;
  samples: Sample[];
}

export async function runEnvoyBench(options: EnvoyBenchOptions): Promise<EnvoyResult[]> {
  const version = await envoyVersion();
  const configs = CONFIGS.filter((c) => options.only === undefined || c.name === "none" || options.only.includes(c.name));
  process.stdout.write(`envoy bench: Envoy ${version}, ${configs.length} configs, ${options.rounds} rounds of ${options.seconds} s\n`);
  const upstream = await startLocalEnvoy({
    rendered: upstreamBootstrap(),
    rewrite: { endpoints: new Map(), files: new Map() },
    concurrency: 1,
    cpus: "1",
    logLevel: "warning",
    name: "upstream",
  });
  try {
    const upstreamPort = upstream.listenerPort(8080);
    const samples = new Map<string, Sample[]>(configs.map((c) => [c.name, []]));
    for (let round = 1; round <= options.rounds; round++) {
      for (const config of configs) {
        const s = await measureRound(config, upstreamPort, options.seconds);
        samples.get(config.name)!.push(s);
        process.stdout.write(`  round ${round}/${options.rounds} ${config.name.padEnd(16)} ${s.cpuUsPerRequest.toFixed(1).padStart(7)} us/req ${s.requestsPerSecond.toFixed(0).padStart(7)} req/s\n`);
      }
    }
    const results: EnvoyResult[] = [];
    for (const config of configs) {
      const one = await measureMemory(config, upstreamPort, 1);
      const four = await measureMemory(config, upstreamPort, 4);
      const s = samples.get(config.name)!;
      results.push({
        config: config.name,
        what: config.what,
        cpuUsPerRequest: median(s.map((x) => x.cpuUsPerRequest)),
        cpuVsNone: 0,
        requestsPerSecond: median(s.map((x) => x.requestsPerSecond)),
        p50Ms: median(s.map((x) => x.p50Ms)),
        p99Ms: median(s.map((x) => x.p99Ms)),
        rss1MiB: one.rssMiB,
        rss4MiB: four.rssMiB,
        wasmVms1: one.wasmVms,
        wasmVms4: four.wasmVms,
        samples: s,
      });
    }
    const none = results.find((r) => r.config === "none")!;
    for (const r of results) r.cpuVsNone = r.cpuUsPerRequest / none.cpuUsPerRequest - 1;
    printTable(results);
    mkdirSync(join(ROOT, "bench", "results"), { recursive: true });
    writeFileSync(join(ROOT, "bench", "results", "envoy.json"), `${JSON.stringify({ envoy: version, ...options, results }, null, 2)}\n`);
    return results;
  } finally {
    await upstream.stop();
  }
}

function printTable(results: EnvoyResult[]): void {
  const pct = (x: number): string => `${x >= 0 ? "+" : ""}${(x * 100).toFixed(0)} %`;
  const rows = [
    ["config", "CPU us/req", "vs none", "req/s", "p50 ms", "p99 ms", "RSS 1w MiB", "RSS 4w MiB", "VMs 1w/4w"],
    ...results.map((r) => [
      r.config,
      r.cpuUsPerRequest.toFixed(1),
      r.config === "none" ? "-" : pct(r.cpuVsNone),
      r.requestsPerSecond.toFixed(0),
      r.p50Ms.toFixed(2),
      r.p99Ms.toFixed(2),
      r.rss1MiB.toFixed(1),
      r.rss4MiB.toFixed(1),
      `${r.wasmVms1}/${r.wasmVms4}`,
    ]),
  ];
  const widths = rows[0].map((_, i) => Math.max(...rows.map((row) => row[i].length)));
  for (const row of rows) process.stdout.write(`${row.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join("  ")}\n`);
}
