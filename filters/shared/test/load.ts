// Loads compiled test entries (a .wasm with its raw bindings) for vitest: the shared ones
// (build/shared-test/<name>.wasm) and every filter's (build/test/<id>/<name>.wasm, through
// loadEntryFrom). The modules import at most proxy_log, which only the module's abort
// (filters/shared/abort.ts) calls there; an abort becomes a thrown error carrying its
// message, so a trap fails the test that caused it.
import { existsSync, readFileSync } from "node:fs";
import { resolve } from "node:path";
import { pathToFileURL } from "node:url";

const BUILD = resolve(import.meta.dirname, "../../../build");

function hostImports(memory: () => WebAssembly.Memory) {
  return {
    env: {
      proxy_log: (_level: number, ptr: number, len: number) => {
        throw new Error(`wasm module aborted: ${Buffer.from(memory().buffer, ptr, len).toString()}`);
      },
    },
  };
}

/** The exports of build/<dir>/<name>.wasm, failing with a build hint when it is missing. */
export async function loadEntryFrom<T>(dir: string, name: string): Promise<T> {
  const wasmPath = resolve(BUILD, dir, `${name}.wasm`);
  const jsPath = resolve(BUILD, dir, `${name}.js`);
  if (!existsSync(wasmPath) || !existsSync(jsPath)) {
    throw new Error(`${wasmPath} is missing: run \`npm run build\` first`);
  }
  const { instantiate } = await import(pathToFileURL(jsPath).href);
  const module = await WebAssembly.compile(readFileSync(wasmPath));
  let exports: { memory: WebAssembly.Memory } | undefined;
  exports = await instantiate(module, hostImports(() => exports!.memory));
  return exports as T;
}

/** A shared test entry: build/shared-test/<name>.wasm. */
export function loadTestModule<T>(name: string): Promise<T> {
  return loadEntryFrom<T>("shared-test", name);
}

/** Bytes as a byte string (one UTF-16 code unit per byte), the form test entries take. */
export function byteString(bytes: number[] | Uint8Array): string {
  return String.fromCharCode(...bytes);
}

/** A byte string's bytes as spaced hex ("01 00 61"). */
export function hex(s: string): string {
  return Array.from(s, (c) => c.charCodeAt(0).toString(16).padStart(2, "0")).join(" ");
}
