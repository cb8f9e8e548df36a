// Check (b) of `sluice validate`: load the real module in host-sim and run proxy_on_configure;
// a rejected config is the filter's one critical log line.
import { existsSync, readFileSync } from "node:fs";
import { Proxy, checkModule } from "../host-sim/src/index.js";
import { CliError } from "./errors.js";

const modules = new Map<string, Uint8Array>();

/** The bytes of a filter module, after host-sim's import check (one clear line when it fails). */
export function loadModule(path: string): Uint8Array {
  let bytes = modules.get(path);
  if (bytes) return bytes;
  if (!existsSync(path)) throw new CliError(`${path}: no such file (run \`sluice build\` first)`);
  bytes = new Uint8Array(readFileSync(path));
  let problem: string | undefined;
  try {
    problem = checkModule(bytes);
  } catch (e) {
    problem = (e as Error).message;
  }
  if (problem) throw new CliError(`${path}: not a loadable Proxy-Wasm module: ${problem}`);
  modules.set(path, bytes);
  return bytes;
}

/** The filter's configure errors for `config` (the bytes it receives, JSON text, or an object),
 *  [] when accepted. */
export async function wasmErrors(id: string, wasm: string, config: unknown): Promise<string[]> {
  const bytes = loadModule(wasm);
  const proxy = new Proxy({ workers: 1, logLevel: "critical" });
  const text = config instanceof Uint8Array || typeof config === "string" ? config : JSON.stringify(config);
  const plugin = await proxy.addPlugin({ name: id, rootId: id, vmId: id, wasm: bytes, config: text });
  if (plugin.ok) {
    plugin.shutdown();
    return [];
  }
  const lines = [...new Set(plugin.logs("critical"))];
  if (lines.length > 0) return lines;
  throw new CliError(plugin.error ?? `${id}: the module failed to start`);
}
