// This filter's compiled modules for vitest: pure-logic test entries
// (build/test/traffic-colour/<name>.wasm) and the filter through host-sim.
import { existsSync } from "node:fs";
import { resolve } from "node:path";
import { Proxy, type ProxyOptions } from "../../../host-sim/src/index.js";
import { loadEntryFrom } from "../../shared/test/load.js";

export const FILTER_WASM = resolve(import.meta.dirname, "../../../build/traffic-colour.wasm");

/** A test entry's exports (strings lifted and lowered by the raw bindings). */
export function loadEntry<T>(name: string): Promise<T> {
  return loadEntryFrom<T>("test/traffic-colour", name);
}

/** A proxy running build/traffic-colour.wasm with `config`; throws when the plugin is refused. */
export async function colourProxy(config: unknown, options: ProxyOptions = {}): Promise<Proxy> {
  if (!existsSync(FILTER_WASM)) throw new Error(`${FILTER_WASM} is missing: run \`npm run build\` first`);
  const proxy = new Proxy(options);
  const plugin = await proxy.addPlugin({ name: "traffic-colour", wasm: FILTER_WASM, rootId: "traffic-colour", config });
  if (!plugin.ok) throw new Error(`${plugin.error}\n${plugin.logs().join("\n")}`);
  return proxy;
}
