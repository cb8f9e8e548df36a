// The bundle (filters/sluice, build/sluice.wasm): the whole chain of a sluice.yaml as one module
// with one root context (root_id "sluice"), configured with the chain's `filters:` list.
import { resolve } from "node:path";
import type { FilterEntry, SluiceConfig } from "./config.js";
import { envoyFailurePolicy, type EnvoyFailurePolicy } from "./failure-policy.js";
import { repoRoot } from "./paths.js";
import type { ChainFilter } from "./sim.js";

export const BUNDLE_ID = "sluice";

/** The bundle's release module: `build/sluice.wasm`. */
export function bundleWasm(): string {
  return resolve(repoRoot(), "build", `${BUNDLE_ID}.wasm`);
}

/** The bundle's plugin configuration: each filter's id and config, in chain order. */
export function bundlePluginConfig(config: SluiceConfig): { filters: { id: string; config: unknown }[] } {
  return { filters: config.filters.map((f) => ({ id: f.id, config: f.config })) };
}

/** One plugin has one failure policy: the strictest any filter of the chain asks for. A filter
 *  that must not be skipped when the VM fails (FAIL_CLOSE, the default) cannot be skipped in the
 *  bundle either, so any FAIL_CLOSE makes the bundle FAIL_CLOSE; else any FAIL_RELOAD makes it
 *  FAIL_RELOAD; only a chain of FAIL_OPEN filters fails open (Istio's spelling). */
export function bundleFailStrategy(config: SluiceConfig): FilterEntry["fail_strategy"] {
  const strategies = config.filters.map((f) => f.fail_strategy);
  if (strategies.length === 0 || strategies.includes("FAIL_CLOSE")) return "FAIL_CLOSE";
  return strategies.includes("FAIL_RELOAD") ? "FAIL_RELOAD" : "FAIL_OPEN";
}

/** bundleFailStrategy as Envoy's failure_policy. */
export function bundleFailurePolicy(config: SluiceConfig): EnvoyFailurePolicy {
  return envoyFailurePolicy(bundleFailStrategy(config));
}

/** The chain as host-sim runs it with the bundle: one plugin. */
export function bundleChain(config: SluiceConfig, wasm = bundleWasm()): ChainFilter[] {
  return [{ name: BUNDLE_ID, rootId: BUNDLE_ID, vmId: BUNDLE_ID, wasm, config: bundlePluginConfig(config), failurePolicy: bundleFailurePolicy(config) }];
}

/** The filter a log line of the bundle comes from: every filter's lines start with `<id>: `. */
export function logFilterOf(plugin: string, message: string): string {
  if (plugin !== BUNDLE_ID) return plugin;
  const colon = message.indexOf(": ");
  return colon > 0 ? message.slice(0, colon) : plugin;
}
