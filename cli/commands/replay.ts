import { createReadStream, existsSync } from "node:fs";
import { basename } from "node:path";
import { createInterface } from "node:readline";
import type { LogLevelName, Proxy, StreamResult } from "../../host-sim/src/index.js";
import { flag, int, parseArgs, str } from "../args.js";
import { out, type Command } from "../command.js";
import { readDocument, toConfig, type SluiceConfig } from "../config.js";
import { CliError } from "../errors.js";
import { FILTER_IDS, filterWasm, isFilterId } from "../paths.js";
import { chainOf, startChain, type ChainFilter } from "../sim.js";
import { bundleChain, logFilterOf } from "../sluice-bundle.js";
import { EnvoyReplay, InputError } from "./replay-envoy.js";
import { parseLine, type InputLine } from "./replay-input.js";
import { loadCheckedConfig } from "./validate.js";

const HELP = `Usage: sluice replay --filter <id | path.wasm> --config <file> [--workers N] [--input requests.jsonl] [--envoy]
       sluice replay --chain <sluice.yaml> [--bundle] [--workers N] [--input requests.jsonl] [--envoy]

Runs requests through one filter (or the whole chain of a sluice.yaml) in host-sim, or with
--envoy in a local Envoy, and writes one JSON line per request to stdout, then one line with the
metrics. Input is JSON Lines (stdin when there is no --input), one request per line:

  {"at_ms": 0, "worker": 0,
   "request": {"headers": [[":method","GET"],[":path","/x"],[":authority","a"]], "body": "..."},
   "properties": {"connection.uri_san_peer_certificate": "spiffe://...", "source.address": "10.0.0.1:5555"},
   "response": {"headers": [[":status","200"]], "body": "...", "latency_ms": 12}}

Output, one line per request, then {"metrics": {...}}:

  {"index": 0, "decision": "continue" | "local_response", "status": 429, "details": "rate_limited",
   "request_headers": [...], "response_headers": [...], "body": "...", "logs": [...]}

Options:
  --filter <id|path.wasm>  a filter id (${FILTER_IDS.join(", ")}) or a .wasm file
  --config <file>          the filter's config (JSON or YAML)
  --chain <sluice.yaml>    every filter of a sluice.yaml, in chain order
  --bundle                 run the chain (or the --filter) in the bundle (build/sluice.wasm: every
                           filter in one module, one VM) instead of one module per filter; the
                           output is the same
  --workers N              worker VMs (default 1); requests go round-robin unless "worker" is given
  --input <file>           JSON Lines input (default stdin)
  --log-level <level>      lowest guest log level reported (default info)
  --debug-logs             same as --log-level debug
  --envoy                  serve the requests with a local Envoy (ENVOY_BIN or envoy on PATH) instead
                           of host-sim: at_ms waits in real time, worker is Envoy's choice, the only
                           property used is ${"connection.uri_san_peer_certificate"} (sent over mTLS with a
                           throwaway CA), the upstream sees an extra x-sluice-replay header

The format is described in cli/README.md.
`;

const LEVELS = ["trace", "debug", "info", "warn", "error", "critical"];

const utf8 = new TextDecoder();

/** One output line: the decisions for one request. */
export function resultLine(index: number, r: StreamResult): Record<string, unknown> {
  const headers = r.responseHeaders ?? r.localResponse?.headers;
  const status = headers?.find(([k]) => k === ":status")?.[1];
  return {
    index,
    decision: r.decision,
    status: status !== undefined ? Number(status) : r.localResponse?.status ?? null,
    details: r.localResponse?.details ?? null,
    request_headers: r.requestHeaders ?? null,
    response_headers: headers ?? null,
    body: r.localResponse && !r.responseHeaders ? r.localResponse.body : utf8.decode(r.responseBody),
    logs: r.logs.map((e) => ({ level: e.level, filter: logFilterOf(e.plugin, e.message), message: e.message })),
  };
}

/** The final line: every metric, after a 1 s tick so filters flush their counters. */
export function metricsLine(proxy: Proxy): Record<string, unknown> {
  proxy.advance(1_000);
  const all = proxy.metrics();
  return { metrics: Object.fromEntries(Object.keys(all).sort().map((k) => [k, all[k]])) };
}

function filterFromOptions(filter: string, configFile: string): ChainFilter {
  const config = readDocument(configFile);
  if (config === null || typeof config !== "object" || Array.isArray(config)) throw new CliError(`${configFile}: the filter config must be a mapping`);
  if (isFilterId(filter)) return { name: filter, rootId: filter, vmId: filter, wasm: filterWasm(filter), config, failurePolicy: "FAIL_CLOSED" };
  if (filter.endsWith(".wasm")) {
    if (!existsSync(filter)) throw new CliError(`${filter}: no such file`);
    const name = basename(filter, ".wasm").replace(/\.debug$/, "");
    // a known filter built elsewhere keeps its root id; any other module's only root is selected by ""
    return { name, rootId: isFilterId(name) ? name : "", vmId: name, wasm: filter, config, failurePolicy: "FAIL_CLOSED" };
  }
  throw new CliError(`replay: unknown filter "${filter}" (known: ${FILTER_IDS.join(", ")}, or a path to a .wasm)`);
}

/** A one-filter sluice.yaml for --envoy --filter (a known filter id, or its module built elsewhere). */
function envoyConfigOf(f: ChainFilter): SluiceConfig {
  if (!isFilterId(f.name)) throw new CliError(`replay --envoy: --filter must be one of ${FILTER_IDS.join(", ")} or a module named after one, got "${f.name}"`);
  return toConfig("--filter", { filters: [{ id: f.name, config: f.config, wasm: f.wasm }] });
}

/** Input lines, blank ones skipped, each checked; `where` is `<input>:<line>` for error messages. */
async function* inputLines(input: string | undefined, workers: number): AsyncGenerator<{ line: InputLine; where: string }> {
  const source = input === undefined ? process.stdin : createReadStream(input);
  const name = input ?? "stdin";
  let lineNo = 0;
  for await (const text of createInterface({ input: source, crlfDelay: Infinity })) {
    lineNo++;
    if (text.trim() === "") continue;
    let line: InputLine;
    try {
      line = parseLine(text, workers);
    } catch (e) {
      throw new CliError(`${name}:${lineNo}: ${(e as Error).message}`);
    }
    yield { line, where: `${name}:${lineNo}` };
  }
}

async function replayWithEnvoy(config: SluiceConfig, workers: number, level: string, input: string | undefined, bundle: boolean): Promise<number> {
  const envoy = new EnvoyReplay({ config, workers, level, bundle, emit: out, warn: (line) => process.stderr.write(`${line}\n`) });
  try {
    await envoy.open();
    let index = 0;
    for await (const { line, where } of inputLines(input, workers)) {
      try {
        await envoy.replay(index++, line);
      } catch (e) {
        throw e instanceof InputError ? new CliError(`${where}: ${e.message}`) : e;
      }
    }
    await envoy.metrics();
  } finally {
    await envoy.close();
  }
  return 0;
}

export const replay: Command = {
  name: "replay",
  summary: "run JSON Lines requests through a filter or chain, one decision line each",
  help: HELP,
  async run(args) {
    const p = parseArgs("replay", args, {
      filter: { value: true }, config: { value: true }, chain: { value: true }, workers: { value: true },
      input: { value: true }, "log-level": { value: true }, "debug-logs": {}, envoy: {}, bundle: {},
    });
    if (p.positionals.length > 0) throw new CliError(`replay: unexpected argument ${p.positionals[0]} (see sluice replay --help)`);
    const workers = int(p, "replay", "workers", 1, 1, 64);
    const level = flag(p, "debug-logs") ? "debug" : str(p, "log-level") ?? "info";
    if (!LEVELS.includes(level)) throw new CliError(`replay: --log-level must be one of ${LEVELS.join(", ")}`);
    const chainFile = str(p, "chain");
    const filter = str(p, "filter");
    const configFile = str(p, "config");
    let chain: ChainFilter[];
    let checked: SluiceConfig | undefined;
    if (chainFile !== undefined) {
      if (filter !== undefined || configFile !== undefined) throw new CliError("replay: use either --chain or --filter with --config");
      checked = await loadCheckedConfig(chainFile);
      chain = flag(p, "bundle") ? bundleChain(checked) : chainOf(checked);
    } else {
      if (filter === undefined || configFile === undefined) throw new CliError("replay: needs --filter <id|path.wasm> and --config <file>, or --chain <sluice.yaml>");
      chain = [filterFromOptions(filter, configFile)];
      if (flag(p, "bundle")) {
        if (!isFilterId(filter)) throw new CliError(`replay: --bundle runs filters by id (${FILTER_IDS.join(", ")}), got "${filter}"`);
        checked = envoyConfigOf(chain[0]!);
        chain = bundleChain(checked);
      }
    }
    const input = str(p, "input");
    if (input !== undefined && !existsSync(input)) throw new CliError(`${input}: no such file`);
    if (flag(p, "envoy")) {
      const config = checked ?? envoyConfigOf(chain[0]!);
      return replayWithEnvoy(config, workers, level, input, flag(p, "bundle"));
    }
    const proxy = await startChain(chain, { workers, logLevel: level as LogLevelName });
    const start = proxy.now();
    let index = 0;
    for await (const { line } of inputLines(input, workers)) {
      if (line.at_ms !== undefined && start + line.at_ms > proxy.now()) proxy.advance(start + line.at_ms - proxy.now());
      const req = line.request ?? {};
      const resp = line.response ?? {};
      const r = proxy.request({
        headers: req.headers ?? {},
        ...(req.body !== undefined ? { body: req.body } : {}),
        ...(req.trailers !== undefined ? { trailers: req.trailers } : {}),
        ...(line.properties !== undefined ? { properties: line.properties } : {}),
        ...(line.worker !== undefined ? { worker: line.worker } : {}),
        response: {
          headers: resp.headers ?? { ":status": "200" },
          ...(resp.body !== undefined ? { body: resp.body } : {}),
          ...(resp.trailers !== undefined ? { trailers: resp.trailers } : {}),
          ...(resp.latency_ms !== undefined ? { latencyMs: resp.latency_ms } : {}),
        },
      });
      // the upstream answers after latency_ms of virtual time
      if (resp.latency_ms !== undefined && resp.latency_ms > 0) proxy.advance(resp.latency_ms);
      await out(`${JSON.stringify(resultLine(index++, r.stream.result))}\n`);
    }
    await out(`${JSON.stringify(metricsLine(proxy))}\n`);
    return 0;
  },
};
