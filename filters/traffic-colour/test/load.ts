// Loads this filter's compiled modules for vitest: pure-logic test entries
// (build/test/traffic-colour/<name>.wasm with raw bindings) and the filter through host-sim.
import { existsSync, readFileSync } from "node:fs";
import { resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { Proxy, type ProxyOptions } from "../../../host-sim/src/index.js";

const ROOT = resolve(import.meta.dirname, "../../..");
export const FILTER_WASM = resolve(ROOT, "build/traffic-colour.wasm");

const wasi = {
  fd_write: () => 0,
  proc_exit: (code: number) => {
    throw new Error(`wasm module aborted (proc_exit ${code})`);
  },
};

function requireBuilt(path: string): void {
  if (!existsSync(path)) {
    throw new Error(`${path} is missing: run \`npm run build -- --only filters/traffic-colour\` first`);
  }
}

/** A test entry's exports (strings lifted and lowered by the raw bindings). */
export async function loadEntry<T>(name: string): Promise<T> {
  const wasmPath = resolve(ROOT, "build/test/traffic-colour", `${name}.wasm`);
  const jsPath = resolve(ROOT, "build/test/traffic-colour", `${name}.js`);
  requireBuilt(wasmPath);
  requireBuilt(jsPath);
  const { instantiate } = await import(pathToFileURL(jsPath).href);
  const module = await WebAssembly.compile(readFileSync(wasmPath));
  return (await instantiate(module, { wasi_snapshot_preview1: wasi })) as T;
}

/** A proxy running build/traffic-colour.wasm with `config`; throws when the plugin is refused. */
export async function colourProxy(config: unknown, options: ProxyOptions = {}): Promise<Proxy> {
  requireBuilt(FILTER_WASM);
  const proxy = new Proxy(options);
  const plugin = await proxy.addPlugin({ name: "traffic-colour", wasm: FILTER_WASM, rootId: "traffic-colour", config });
  if (!plugin.ok) throw new Error(`${plugin.error}\n${plugin.logs().join("\n")}`);
  return proxy;
}
