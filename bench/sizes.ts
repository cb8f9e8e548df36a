// Module sizes: every release module against the project's 32 KB limit and against its size when
// this record was last set, so no change makes a module larger unnoticed.
import { statSync } from "node:fs";
import { MAX_WASM_BYTES } from "./scenario.js";
import { wasmPath } from "./setup.js";

/** Release module sizes recorded at commit e7cbca1 (before issue 14's work); a module may not
 *  grow past them. Lower a figure when a module shrinks. */
export const RECORDED_BYTES: Record<string, number> = {
  "circuit-breaker": 32_531,
  "rate-limit": 43_031,
  "spiffe-rbac": 37_479,
  "traffic-colour": 34_059,
  noop: 6_539,
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
