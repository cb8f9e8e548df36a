// Module sizes: every release module against the project's 32 KB limit and against its size when
// this record was last set, so no change makes a module larger unnoticed.
import { statSync } from "node:fs";
import { MAX_WASM_BYTES } from "./scenario.js";
import { wasmPath } from "./setup.js";

/** The smallest size each release module has had (issue 14; rate-limit's is from before it, which
 *  it has grown past); a module may not grow past it. Lower a figure when a module shrinks. */
export const RECORDED_BYTES: Record<string, number> = {
  "circuit-breaker": 32_426,
  "rate-limit": 43_031,
  "spiffe-rbac": 37_459,
  "traffic-colour": 33_487,
  noop: 5_361,
};

export interface SizeResult {
  module: string;
  bytes: number;
  recorded: number;
  failures: string[];
}

export function measureSizes(): SizeResult[] {
  return Object.entries(RECORDED_BYTES).map(([module, recorded]) => {
    const bytes = statSync(wasmPath(module)).size;
    const failures: string[] = [];
    if (bytes > recorded) failures.push(`${module}: ${bytes} B, grew from ${recorded} B`);
    if (module !== "noop" && bytes > MAX_WASM_BYTES) failures.push(`${module}: ${bytes} B > ${MAX_WASM_BYTES} B`);
    return { module, bytes, recorded, failures };
  });
}
