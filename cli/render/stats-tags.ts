// How the filters' metric names become Prometheus metrics with labels, for every target:
// the Envoy bootstrap's stats_config (cli/render/envoy.ts), the Istio bootstrap patch
// (cli/render/istio-metrics.ts), and the names the dashboard and alert rules query
// (cli/render/observability.ts).
//
// The filters name metrics `sluice.<filter>.<label>.<stat>` (filters/<id>/README.md, "Metrics").
// Envoy keeps Wasm metrics as `wasmcustom.<name>` (the prefix is dropped only when /stats and
// Prometheus print them) and runs tag regexes over that internal name, so the prefix is optional.
// Every regex runs over the whole name; each first capture group is removed from the name and the
// second becomes the tag's value (Envoy's TagProducer).

export interface StatsTag {
  tag_name: string;
  regex: string;
}

const PREFIX = "^(?:wasmcustom\\.)?sluice\\.";
const CIRCUIT_STATS = "(?:calls|failures|slow_calls|rejected|opened|half_opened|closed|store_error|key_overflow|state)";

export const STATS_TAGS: StatsTag[] = [
  { tag_name: "sluice_policy", regex: `${PREFIX}spiffe_rbac\\.policy\\.((.+)\\.)matched$` },
  { tag_name: "sluice_rule", regex: `${PREFIX}rate_limit\\.((.+)\\.)(?:allowed|limited|shadow_limited|store_error|evicted|rls_error|overflow)$` },
  { tag_name: "sluice_colour", regex: `${PREFIX}traffic_colour\\.((.+)\\.)requests$` },
  // circuit names have no dots; a split circuit's per-key metrics are
  // sluice.circuit_breaker.<circuit>.key.<key>.<stat> (key made of A-Za-z0-9_- by the filter)
  { tag_name: "sluice_circuit", regex: `${PREFIX}circuit_breaker\\.(([^.]+)\\.)(?:key\\.[^.]+\\.)?${CIRCUIT_STATS}$` },
  { tag_name: "sluice_key", regex: `${PREFIX}circuit_breaker\\.[^.]+\\.(key\\.([^.]+)\\.)${CIRCUIT_STATS}$` },
  // Envoy's own counters of each Wasm plugin (named by PluginConfig.name; Istio: <namespace>.<name>):
  // wasm.<plugin>.vm_reload{,_success,_failure,_backoff}, a VM that failed and was reloaded (FAIL_RELOAD)
  { tag_name: "sluice_plugin", regex: "^wasm\\.((.+)\\.)vm_reload(?:_success|_failure|_backoff)?$" },
];

/** What Istio must keep of the proxy's stats (its default inclusion list drops unknown names). */
export const STATS_INCLUSION_REGEX = "(wasmcustom\\.)?sluice\\..*";

/** The tags Envoy extracts from `name` ([tag, value] in STATS_TAGS order) and the name without them. */
export function extractTags(name: string): { name: string; tags: [string, string][] } {
  const tags: [string, string][] = [];
  const removed: string[] = [];
  for (const t of STATS_TAGS) {
    const m = new RegExp(t.regex).exec(name);
    if (m) {
      tags.push([t.tag_name, m[2]!]);
      removed.push(m[1]!);
    }
  }
  return { name: removed.reduce((rest, part) => rest.replace(part, ""), name), tags };
}

/** The Prometheus name Envoy prints for a tag-extracted metric name: the filters' metrics lose the
 *  custom `wasmcustom.` namespace, Envoy's own get `envoy_`. */
export function prometheusName(extracted: string): string {
  const name = extracted.startsWith("wasmcustom.") ? extracted.slice("wasmcustom.".length) : `envoy_${extracted}`;
  return name.replace(/[^a-zA-Z0-9_]/g, "_");
}
