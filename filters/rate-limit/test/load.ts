// Loads a compiled pure-logic test module (build/test/rate-limit/<name>.wasm with raw bindings).
// The modules import only WASI's fd_write and proc_exit; an abort becomes a thrown error.
import { existsSync, readFileSync } from "node:fs";
import { resolve } from "node:path";
import { pathToFileURL } from "node:url";

const BUILD_DIR = resolve(import.meta.dirname, "../../../build/test/rate-limit");

export async function loadEntry<T>(name: string): Promise<T> {
  const wasmPath = resolve(BUILD_DIR, `${name}.wasm`);
  if (!existsSync(wasmPath)) throw new Error(`${wasmPath} is missing: run \`npm run build\` first`);
  const { instantiate } = await import(pathToFileURL(resolve(BUILD_DIR, `${name}.js`)).href);
  const module = await WebAssembly.compile(readFileSync(wasmPath));
  const wasi = {
    fd_write: () => 0,
    proc_exit: (code: number) => { throw new Error(`wasm module aborted (proc_exit ${code})`); },
  };
  return (await instantiate(module, { wasi_snapshot_preview1: wasi })) as T;
}
