// A benchmark scenario: one filter, one configuration, and the request stream to drive through it.
import type { RequestSpec } from "../host-sim/src/index.js";

export interface Budget {
  /** Most host calls one request may make (deterministic; checked on every measured request). */
  hostCallsPerRequest?: number;
  /** Most guest instructions per request relative to the no-op filter (deterministic mode). */
  instructionRatio?: number;
}

export interface Scenario {
  /** "<filter>/<case>", e.g. "rate-limit/allowed". */
  name: string;
  /** Filter id: the module is build/<filter>.wasm and the root id is the filter id. */
  filter: string;
  config: unknown;
  workers?: number;
  /** The i-th request of the run (vary keys with i to exercise per-key state). */
  request(i: number): RequestSpec;
  budget: Budget;
}

/** Limits from DEVELOPERS.md that hold for every filter. */
export const MAX_WASM_BYTES = 32 * 1024;
export const DEFAULT_INSTRUCTION_RATIO = 2;

/** The request the no-op baseline and most scenarios start from. */
export function plainRequest(path = "/api/x"): RequestSpec {
  return {
    headers: [[":method", "GET"], [":path", path], [":authority", "api.example"], ["user-agent", "bench"], ["x-user-id", "42"]],
    properties: { "source.address": "10.0.0.1:40000" },
    response: { headers: [[":status", "200"], ["content-type", "text/plain"]] },
  };
}
