// Module sizes: every release module against the project's 32 KB limit and against its size when
// this record was last set, so no change makes a module larger unnoticed.
import { statSync } from "node:fs";
import { MAX_BUNDLE_BYTES, MAX_WASM_BYTES } from "./scenario.js";
import { wasmPath } from "./setup.js";

/** The smallest size each release module has had (issue 14); a module may not grow past it. Lower
 *  a figure when a module shrinks. */
export const RECORDED_BYTES: Record<string, number> = {
  "circuit-breaker": 31_206,
  "rate-limit": 39_637,
  "spiffe-rbac": 36_556,
  "traffic-colour": 30_240,
  noop: 3_752,
  sluice: 88_856,
};

/** A module's limit: the bundle holds the four filters (issue 20: 96 KB); the no-op has none. */
export function limitOf(module: string): number | undefined {
  if (module === "noop") return undefined;
  return module === "sluice" ? MAX_BUNDLE_BYTES : MAX_WASM_BYTES;
}

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
    const limit = limitOf(module);
    if (limit !== undefined && bytes > limit) failures.push(`${module}: ${bytes} B > ${limit} B`);
    return { module, bytes, recorded, failures };
  });
}
