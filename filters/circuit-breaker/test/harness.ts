// Drives the built filter through host-sim: a proxy with the filter loaded, and requests whose
// upstream answers with a given status (or not at all).
import { Proxy, type RequestResult } from "../../../host-sim/src/index.js";
import { filterWasm } from "./load.js";

export const PREFIX = "sluice.circuit_breaker.";

export interface Harness {
  proxy: Proxy;
  /** One request on `worker` (round-robin when absent) answered with `status`. */
  call(status?: number, opts?: CallOptions): RequestResult;
  /** The counter or gauge `sluice.circuit_breaker.<circuit>.<name>` (after a tick flushed it). */
  metric(circuit: string, name: string): number;
  /** Info log lines of the plugin. */
  infoLogs(): string[];
  criticalLogs(): string[];
}

export interface CallOptions {
  worker?: number;
  headers?: Record<string, string>;
  responseHeaders?: Record<string, string>;
  responseTrailers?: Record<string, string>;
  properties?: Record<string, string | number | boolean>;
  /** Virtual ms the upstream takes to answer. */
  latencyMs?: number;
}

export async function harness(config: unknown, workers = 1): Promise<Harness> {
  const proxy = new Proxy({ workers, logLevel: "info" });
  const plugin = await proxy.addPlugin({ name: "circuit-breaker", rootId: "circuit-breaker", wasm: filterWasm(), config });
  const call = (status = 200, opts: CallOptions = {}): RequestResult =>
    proxy.request({
      worker: opts.worker,
      headers: { ":method": "GET", ":path": "/api/items", ":authority": "api.example", ...opts.headers },
      properties: opts.properties,
      response: {
        headers: { ":status": String(status), ...opts.responseHeaders },
        trailers: opts.responseTrailers,
        latencyMs: opts.latencyMs,
      },
    });
  return {
    proxy,
    call,
    metric: (circuit, name) => Number(proxy.metric(`${PREFIX}${circuit}.${name}`) ?? 0),
    infoLogs: () => plugin.logs("info"),
    criticalLogs: () => plugin.logs("critical"),
  };
}

/** The filter's plugin must load; otherwise the test shows why. */
export async function loaded(config: unknown, workers = 1): Promise<Harness> {
  const h = await harness(config, workers);
  const plugin = h.proxy.plugin("circuit-breaker")!;
  if (!plugin.ok) throw new Error(`plugin failed: ${plugin.error}\n${plugin.logs().join("\n")}`);
  return h;
}
