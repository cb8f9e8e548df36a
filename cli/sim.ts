// A filter chain in host-sim, shared by replay and dev.
import { Proxy, type FailurePolicy, type LogLevelName } from "../host-sim/src/index.js";
import type { SluiceConfig } from "./config.js";
import { CliError } from "./errors.js";
import { envoyFailurePolicy } from "./failure-policy.js";
import { loadModule } from "./wasm-check.js";

export interface ChainFilter {
  name: string;
  rootId: string;
  vmId: string;
  wasm: string;
  config: unknown;
  failurePolicy: FailurePolicy;
}

export interface ChainOptions {
  workers?: number;
  logLevel?: LogLevelName;
  startTimeMs?: number;
}

export function chainOf(config: SluiceConfig): ChainFilter[] {
  return config.filters.map((f) => ({
    name: f.id, rootId: f.id, vmId: f.vm_id, wasm: f.wasm, config: f.config, failurePolicy: envoyFailurePolicy(f.fail_strategy),
  }));
}

/** Clusters a filter config calls out to (rate-limit's rate limit service); for the bundle's
 *  config, those of every filter it lists. */
function clustersOf(config: unknown): string[] {
  const filters = (config as { filters?: unknown } | null)?.filters;
  if (Array.isArray(filters)) return filters.flatMap((f) => clustersOf((f as { config?: unknown } | null)?.config));
  const rls = (config as { rls?: { cluster?: unknown } } | null)?.rls;
  return typeof rls?.cluster === "string" ? [rls.cluster] : [];
}

/** Starts every filter; a filter that does not start is one clear error line. */
export async function startChain(filters: ChainFilter[], opts: ChainOptions = {}): Promise<Proxy> {
  const proxy = new Proxy({ workers: opts.workers ?? 1, logLevel: opts.logLevel ?? "info", startTimeMs: opts.startTimeMs ?? 1_700_000_000_000 });
  // no rate limit service or HTTP callout target runs here: callouts fail as a reset would
  proxy.onGrpcCall((call) => call.fail(14, "no upstream for callouts in sluice"));
  proxy.onHttpCall((call) => call.fail());
  for (const f of filters) {
    const plugin = await proxy.addPlugin({
      name: f.name, rootId: f.rootId, vmId: f.vmId, wasm: loadModule(f.wasm),
      config: typeof f.config === "string" ? f.config : JSON.stringify(f.config),
      failurePolicy: f.failurePolicy, clusters: clustersOf(f.config),
    });
    if (!plugin.ok) {
      const critical = [...new Set(plugin.logs("critical"))];
      throw new CliError(critical.length > 0 ? critical.join("\n") : plugin.error ?? `${f.name}: failed to start`, 1);
    }
  }
  return proxy;
}
