// Loads a compiled spiffe-rbac test entry (build/test/spiffe-rbac/<name>.wasm with its raw
// bindings). The entries import only WASI's fd_write and proc_exit (abort); an abort becomes a
// thrown error so a trap fails the test that caused it.
import { existsSync, readFileSync } from "node:fs";
import { resolve } from "node:path";
import { pathToFileURL } from "node:url";

const BUILD_DIR = resolve(import.meta.dirname, "../../../build/test/spiffe-rbac");

const wasi = {
  fd_write: () => 0,
  proc_exit: (code: number) => {
    throw new Error(`wasm module aborted (proc_exit ${code})`);
  },
};

export async function loadEntry<T>(name: string): Promise<T> {
  const wasmPath = resolve(BUILD_DIR, `${name}.wasm`);
  const jsPath = resolve(BUILD_DIR, `${name}.js`);
  if (!existsSync(wasmPath) || !existsSync(jsPath)) {
    throw new Error(`${wasmPath} is missing: run \`npm run build -- --only filters/spiffe-rbac\` first`);
  }
  const { instantiate } = await import(pathToFileURL(jsPath).href);
  const module = await WebAssembly.compile(readFileSync(wasmPath));
  return (await instantiate(module, { wasi_snapshot_preview1: wasi })) as T;
}
