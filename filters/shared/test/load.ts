// Loads a compiled shared-test module (build/shared-test/<name>.wasm with its raw bindings) for
// vitest. The modules import only WASI's fd_write and proc_exit (abort); an abort becomes a thrown
// error so a trap fails the test that caused it.
import { existsSync, readFileSync } from "node:fs";
import { resolve } from "node:path";
import { pathToFileURL } from "node:url";

const BUILD_DIR = resolve(import.meta.dirname, "../../../build/shared-test");

const wasi = {
  fd_write: () => 0,
  proc_exit: (code: number) => {
    throw new Error(`wasm module aborted (proc_exit ${code})`);
  },
};

export async function loadTestModule<T>(name: string): Promise<T> {
  const wasmPath = resolve(BUILD_DIR, `${name}.wasm`);
  const jsPath = resolve(BUILD_DIR, `${name}.js`);
  if (!existsSync(wasmPath) || !existsSync(jsPath)) {
    throw new Error(`${wasmPath} is missing: run \`npm run build\` first`);
  }
  const { instantiate } = await import(pathToFileURL(jsPath).href);
  const module = await WebAssembly.compile(readFileSync(wasmPath));
  return (await instantiate(module, { wasi_snapshot_preview1: wasi })) as T;
}

/** Bytes as a byte string (one UTF-16 code unit per byte), the form test entries take. */
export function byteString(bytes: number[] | Uint8Array): string {
  return String.fromCharCode(...bytes);
}

/** A byte string's bytes as spaced hex ("01 00 61"). */
export function hex(s: string): string {
  return Array.from(s, (c) => c.charCodeAt(0).toString(16).padStart(2, "0")).join(" ");
}
