// The host-sim / Envoy agreement check: one scenario (a request, and how the upstream answers it)
// runs through a real Envoy stack and through host-sim loaded with the same filters and configs
// (read from the same bootstrap), and both are reduced to the same Outcome: the status, the local
// reply's body, the response headers the filters write, and the request headers the filters
// decide on as the upstream received them (every value, in order). Scenarios are
// time-independent (fresh keys, nothing that waits for a refill or a timeout), so real time and
// host-sim's virtual time give the same answers.
import { Proxy, type FailurePolicy } from "../../host-sim/src/index.js";
import { wasmFilters, wasmPath, type Json, type WasmFilter } from "./bootstrap.js";
import { request } from "./http.js";
import type { Stack } from "./stack.js";
import { ECHO_HEADER } from "./echo-server.js";
import { FAIL_HEADER, parseEcho } from "./upstream.js";

type Obj = { [key: string]: Json };

export interface Scenario {
  name: string;
  method?: string;
  path: string;
  /** Request headers as pairs (a name may repeat). */
  headers?: Array<[string, string]>;
  /** How the upstream answers (default 200). */
  upstreamStatus?: number;
  /** The bootstrap's listener port the request goes to (default: the first listener). */
  listener?: number;
}

export interface Outcome {
  status: number;
  /** The filter answered itself (no upstream). */
  localReply: boolean;
  /** The local reply's body (undefined when the upstream answered). */
  body?: string;
  /** Response headers a filter writes, in order. */
  responseHeaders: Array<[string, string]>;
  /** Request headers the upstream received whose names a filter decides on, in order. */
  upstreamHeaders: Array<[string, string]>;
}

/** Response headers the filters write. */
export const FILTER_RESPONSE_HEADER = /^(x-sluice-|x-ratelimit-|ratelimit|retry-after$)/;
/** Request headers the filters read, write or strip. */
export const FILTER_REQUEST_HEADER = /^(x-sluice-|x-user-id$|x-env$|baggage$|x-forwarded-client-cert$)/;

function watched(pairs: ReadonlyArray<[string, string]>, names: RegExp): Array<[string, string]> {
  return pairs.filter(([k]) => names.test(k)).map(([k, v]) => [k, v]);
}

function failurePolicy(raw: Obj): FailurePolicy {
  const policy = raw.failure_policy;
  if (policy === "FAIL_OPEN" || raw.fail_open === true) return "FAIL_OPEN";
  if (policy === "FAIL_RELOAD") return "FAIL_RELOAD";
  return "FAIL_CLOSED";
}

function clustersOf(config: Obj): string[] {
  const rls = config.rls;
  return typeof rls === "object" && rls !== null && !Array.isArray(rls) && typeof rls.cluster === "string" ? [rls.cluster] : [];
}

/**
 * host-sim with the Wasm filters of the bootstrap's listener on `port`, in its order, with its
 * configs (4 workers, as the stacks run).
 */
export async function simulatorFor(bootstrap: Obj, port: number): Promise<Proxy> {
  const proxy = new Proxy({ workers: 4, logLevel: "info", startTimeMs: Date.now() });
  proxy.onGrpcCall((call) => call.fail(14, "no rate limit service in the agreement scenarios"));
  for (const f of wasmFilters(bootstrap, port)) {
    const id = idOf(f);
    const plugin = await proxy.addPlugin({
      name: f.name,
      rootId: f.rootId,
      vmId: f.vmId,
      wasm: wasmPath(id),
      config: JSON.stringify(f.config),
      failurePolicy: failurePolicy(f.raw),
      clusters: clustersOf(f.config),
    });
    if (!plugin.ok) throw new Error(`host-sim: ${f.name} did not start: ${plugin.error ?? ""}`);
  }
  return proxy;
}

function idOf(f: WasmFilter): string {
  const m = /\/([a-z0-9-]+)\.wasm$/.exec(f.filename);
  if (m === null) throw new Error(`${f.filename}: not a <id>.wasm`);
  return m[1];
}

/** The scenario's headers with the upstream's failure instruction (the echo reads it). */
function headersOf(s: Scenario): Array<[string, string]> {
  const headers = [...(s.headers ?? [])];
  if (s.upstreamStatus !== undefined) headers.push([FAIL_HEADER, String(s.upstreamStatus)]);
  return headers;
}

export async function runInEnvoy(stack: Stack, s: Scenario): Promise<Outcome> {
  const base = s.listener === undefined ? stack.envoy.url : stack.envoy.urlFor(s.listener);
  const res = await request(`${base}${s.path}`, { method: s.method ?? "GET", headers: headersOf(s) });
  if (stack.kind !== "process") throw new Error("the agreement check needs the Node echo upstreams of SLUICE_ENVOY=process");
  const fromUpstream = res.headers[ECHO_HEADER] !== undefined;
  const echo = parseEcho(res);
  return {
    status: res.status,
    localReply: !fromUpstream,
    body: fromUpstream ? undefined : res.body,
    responseHeaders: watched(res.rawHeaders, FILTER_RESPONSE_HEADER),
    // a HEAD answer has no body: then the upstream's view is not known, and nothing is compared
    upstreamHeaders: fromUpstream && echo !== undefined ? watched(echo.headerValues ?? [], FILTER_REQUEST_HEADER) : [],
  };
}

export function runInSimulator(proxy: Proxy, authority: string, s: Scenario): Outcome {
  const headers: Array<[string, string]> = [[":method", s.method ?? "GET"], [":path", s.path], [":authority", authority], [":scheme", "http"], ...headersOf(s)];
  const status = s.upstreamStatus ?? 200;
  const r = proxy.request({ headers, response: { headers: { ":status": String(status), "content-type": "application/json" }, body: "{}" } });
  if (r.decision === "local_response" && r.localResponse !== undefined) {
    return {
      status: r.localResponse.status,
      localReply: true,
      body: r.localResponse.body,
      responseHeaders: watched(r.localResponse.headers, FILTER_RESPONSE_HEADER),
      upstreamHeaders: [],
    };
  }
  if (r.decision !== "continue") throw new Error(`host-sim: ${s.name}: the stream ended as ${r.decision}`);
  return {
    status,
    localReply: false,
    responseHeaders: watched(r.responseHeaders ?? [], FILTER_RESPONSE_HEADER),
    upstreamHeaders: s.method === "HEAD" ? [] : watched(r.requestHeaders ?? [], FILTER_REQUEST_HEADER),
  };
}

/** The sluice metrics of host-sim after the worker ticks have flushed them (2 s of virtual time). */
export function simulatorMetrics(proxy: Proxy): Map<string, number> {
  proxy.advance(2_000);
  const out = new Map<string, number>();
  for (const [name, v] of Object.entries(proxy.metrics())) if (name.startsWith("sluice.") && typeof v === "number") out.set(name, v);
  return out;
}
