// Shared by the benchmark programs: finding scenarios, starting a proxy for one, driving requests.
import { existsSync } from "node:fs";
import { dirname, join } from "node:path";
import { Proxy, type RequestResult } from "../host-sim/src/index.js";
import type { ChainPlugin, Scenario } from "./scenario.js";
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

/** The plugins a scenario runs, in chain order. */
export function pluginsOf(scenario: Scenario): ChainPlugin[] {
  return scenario.plugins ?? [{ filter: scenario.filter, config: scenario.config }];
}

/** A proxy running the scenario's plugins with their configs, set up and failing loudly if one
 *  does not start. `moduleOf` picks the module of a filter (default: its release build); `trace`
 *  records every callback and host call (host-sim's trace). */
export async function startProxy(scenario: Scenario, moduleOf: (filter: string) => string = wasmPath,
  trace = false): Promise<Proxy> {
  const proxy = new Proxy({ workers: scenario.workers ?? 1, logLevel: "info", trace });
  for (const { filter, config } of pluginsOf(scenario)) {
    const wasm = moduleOf(filter);
    if (!existsSync(wasm)) throw new Error(`${wasm} is missing: run npm run build first`);
    const plugin = await proxy.addPlugin({
      name: filter, wasm, rootId: filter, config, clusters: scenario.clusters,
    });
    if (!plugin.ok) throw new Error(`${scenario.name}: ${filter} did not start: ${plugin.error}: ${plugin.logs("critical").join("; ")}`);
  }
  scenario.setup?.(proxy);
  return proxy;
}

/** Sends the scenario's i-th request, then lets its `advanceMs` pass. */
export function drive(proxy: Proxy, scenario: Scenario, i: number): RequestResult {
  const result = proxy.request(scenario.request(i));
  if (scenario.advanceMs) proxy.advance(scenario.advanceMs);
  return result;
}
