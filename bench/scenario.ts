// A benchmark scenario: one filter (or a chain of them), its configuration, and the request stream
// to drive through it, with its budgets.
import type { Proxy, RequestSpec } from "../host-sim/src/index.js";

export interface Budget {
  /** Most host calls one request may make (deterministic; checked on every measured request). */
  hostCallsPerRequest: number;
  /** Most guest instructions per request (V8 Liftoff under callgrind); DEFAULT_INSTRUCTIONS when absent. */
  instructions?: number;
}

/** One plugin of a chain scenario, in chain order. */
export interface ChainPlugin {
  filter: string;
  config: unknown;
}

export interface Scenario {
  /** "<filter>/<case>", e.g. "rate-limit/keyed-allowed". */
  name: string;
  /** Filter id: the module is build/<filter>.wasm and the root id is the filter id ("chain":
   *  `plugins` says which). */
  filter: string;
  config: unknown;
  /** A chain of filters instead of one (`filter` and `config` then name the chain). */
  plugins?: ChainPlugin[];
  workers?: number;
  /** Upstream clusters the filters may call (rate-limit's rate limit service). */
  clusters?: string[];
  /** Runs once after the plugins start: scripted callout answers, driving a circuit open, ... */
  setup?(proxy: Proxy): void;
  /** Virtual milliseconds to let pass after each request (the clock moves only when told). */
  advanceMs?: number;
  /** The i-th request of the run (vary keys with i to exercise per-key state). */
  request(i: number): RequestSpec;
  budget: Budget;
  /** Drive this many requests and check linear memory stays flat: for scenarios whose state grows
   *  with the traffic (many keys, many callers); the others are covered by the allocation count. */
  soak?: number;
}

/** The project's per-module limit (GUIDE.md): every release .wasm at most 32 KB. */
export const MAX_WASM_BYTES = 32 * 1024;
/** The bundle's limit (filters/sluice: the four filters in one module, the shared code once). */
export const MAX_BUNDLE_BYTES = 96 * 1024;
/** Guest instructions a scenario may spend per request unless its budget says otherwise. */
export const DEFAULT_INSTRUCTIONS = 7_500;
/** The soak length of scenarios where memory is the question. */
export const SOAK_REQUESTS = 1_000_000;

/** The request the no-op baseline and most scenarios start from. */
export function plainRequest(path = "/api/x"): RequestSpec {
  return {
    headers: [[":method", "GET"], [":path", path], [":authority", "api.example"], ["user-agent", "bench"], ["x-user-id", "42"]],
    properties: { "source.address": "10.0.0.1:40000" },
    response: { headers: [[":status", "200"], ["content-type", "text/plain"]] },
  };
}

/** `plainRequest(path)` with `extra` request headers appended. */
export function withHeaders(extra: [string, string][], path?: string): RequestSpec {
  const spec = plainRequest(path);
  return { ...spec, headers: [...(spec.headers as [string, string][]), ...extra] };
}

/** `spec` with the upstream answering `status` instead of 200. */
export function answered(spec: RequestSpec, status: string): RequestSpec {
  return { ...spec, response: { headers: [[":status", status], ["content-type", "text/plain"]] } };
}
