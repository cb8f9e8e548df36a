// This filter's compiled test entries (build/test/circuit-breaker/<name>.wasm) and its release
// build, failing with a build hint when they are missing.
import { existsSync, readFileSync } from "node:fs";
import { resolve } from "node:path";
import { loadEntryFrom } from "../../shared/test/load.js";

export function loadEntry<T>(name: string): Promise<T> {
  return loadEntryFrom<T>("test/circuit-breaker", name);
}

/** The release build of the filter. */
export function filterWasm(): Uint8Array {
  const path = resolve(import.meta.dirname, "../../../build/circuit-breaker.wasm");
  if (!existsSync(path)) throw new Error(`${path} is missing: run \`npm run build\` first`);
  return readFileSync(path);
}
