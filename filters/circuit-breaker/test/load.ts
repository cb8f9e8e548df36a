// Loads this filter's compiled test entries (build/test/circuit-breaker/<name>.wasm with raw
// bindings) and the path of the built filter, failing with a build hint when they are missing.
import { existsSync, readFileSync } from "node:fs";
import { resolve } from "node:path";
import { pathToFileURL } from "node:url";

const BUILD = resolve(import.meta.dirname, "../../../build");
const HINT = "run `npm run build -- --only filters/circuit-breaker` first";

const wasi = {
  fd_write: () => 0,
  proc_exit: (code: number) => {
    throw new Error(`wasm module aborted (proc_exit ${code})`);
  },
};

export async function loadEntry<T>(name: string): Promise<T> {
  const wasmPath = resolve(BUILD, "test/circuit-breaker", `${name}.wasm`);
  const jsPath = resolve(BUILD, "test/circuit-breaker", `${name}.js`);
  if (!existsSync(wasmPath) || !existsSync(jsPath)) throw new Error(`${wasmPath} is missing: ${HINT}`);
  const { instantiate } = await import(pathToFileURL(jsPath).href);
  const module = await WebAssembly.compile(readFileSync(wasmPath));
  return (await instantiate(module, { wasi_snapshot_preview1: wasi })) as T;
}

/** The release build of the filter. */
export function filterWasm(): Uint8Array {
  const path = resolve(BUILD, "circuit-breaker.wasm");
  if (!existsSync(path)) throw new Error(`${path} is missing: ${HINT}`);
  return readFileSync(path);
}
