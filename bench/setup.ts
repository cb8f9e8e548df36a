// Shared by the benchmark programs: finding scenarios and starting a proxy for one.
import { existsSync } from "node:fs";
import { dirname, join } from "node:path";
import { Proxy } from "../host-sim/src/index.js";
import type { Scenario } from "./scenario.js";
import { NOOP, SCENARIOS } from "./scenarios/index.js";

/** The repository root: the nearest directory up from here with a package.json (this file also
 *  runs bundled from build/bench/). */
export const ROOT = (() => {
  let dir = import.meta.dirname;
  while (!existsSync(join(dir, "package.json")) && dirname(dir) !== dir) dir = dirname(dir);
  return dir;
})();

/** The module of a filter: build/<filter>.wasm, or from $SLUICE_WASM_DIR to compare other builds. */
export function wasmPath(filter: string): string {
  return join(process.env.SLUICE_WASM_DIR ?? join(ROOT, "build"), `${filter}.wasm`);
}

export function findScenario(name: string): Scenario {
  const found = [NOOP, ...SCENARIOS].find((s) => s.name === name);
  if (!found) throw new Error(`no benchmark scenario named ${name}`);
  return found;
}

/** A proxy running the scenario's filter with its config, failing loudly if it does not start. */
export async function startProxy(scenario: Scenario): Promise<Proxy> {
  const wasm = wasmPath(scenario.filter);
  if (!existsSync(wasm)) throw new Error(`${wasm} is missing: run npm run build first`);
  const proxy = new Proxy({ workers: scenario.workers ?? 1, logLevel: "info" });
  const plugin = await proxy.addPlugin({ name: scenario.filter, wasm, rootId: scenario.filter, config: scenario.config as object });
  if (!plugin.ok) throw new Error(`${scenario.name}: plugin did not start: ${plugin.error}`);
  return proxy;
}
