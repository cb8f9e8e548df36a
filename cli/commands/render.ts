import { mkdirSync, writeFileSync } from "node:fs";
import { resolve } from "node:path";
import { stringify } from "yaml";
import { flag, parseArgs, str } from "../args.js";
import { out, type Command } from "../command.js";
import { imageOf, loadConfig, PHASES, type FilterEntry, type SluiceConfig } from "../config.js";
import { CliError } from "../errors.js";

const HELP = `Usage: sluice render envoy <sluice.yaml> [--out dir] [--container]
       sluice render istio <sluice.yaml> [--out dir]

envoy: an Envoy v3 bootstrap: listener 0.0.0.0:10000, the wasm filters in chain order (code from
  /etc/sluice/<id>.wasm, configuration as JSON text), the router, routes choosing an upstream by the
  colour header (an upstream named like a colour gets that colour's requests; the rest go to
  default_upstream), one cluster per upstream, admin on 127.0.0.1:9901 (0.0.0.0 with --container)
  and stats_tags for the sluice.* metrics. --out writes <dir>/envoy.yaml.
istio: one extensions.istio.io/v1alpha1 WasmPlugin per filter (url, phase, priority, pluginName,
  pluginConfig, failStrategy, selector), with phase/priority keeping the chain order.
  --out writes <dir>/wasmplugins.yaml.

Output goes to stdout without --out. Rendering is deterministic.
`;

const DEFAULT_PHASE: Record<string, FilterEntry["phase"]> = {
  "spiffe-rbac": "AUTHZ", "rate-limit": "AUTHZ", "traffic-colour": "STATS", "circuit-breaker": "STATS",
};
// Istio runs AUTHN, AUTHZ, STATS, then unspecified (just before the router); higher priority first
const PHASE_RANK: Record<string, number> = { AUTHN: 0, AUTHZ: 1, STATS: 2, UNSPECIFIED_PHASE: 3 };

/** Phase and priority of each filter; missing ones are chosen so Istio keeps the chain order. */
export function placement(c: SluiceConfig): { phase: string; priority: number }[] {
  const n = c.filters.length;
  const placed = c.filters.map((f, i) => ({ phase: f.phase ?? DEFAULT_PHASE[f.id] ?? "UNSPECIFIED_PHASE", priority: f.priority ?? 10 * (n - i) }));
  for (let i = 1; i < n; i++) {
    const a = placed[i - 1]!;
    const b = placed[i]!;
    const ordered = PHASE_RANK[a.phase]! < PHASE_RANK[b.phase]! || (a.phase === b.phase && a.priority > b.priority);
    if (!ordered) {
      throw new CliError(`${c.file}: filters[${i}] (${c.filters[i]!.id}, ${b.phase}/${b.priority}) would run before filters[${i - 1}] ` +
        `(${c.filters[i - 1]!.id}, ${a.phase}/${a.priority}) in Istio: phases run ${PHASES.slice(1).join(", ")}, then unspecified; higher priority first`);
    }
  }
  return placed;
}

const STATS_TAGS = [
  { tag_name: "sluice_policy", regex: "^sluice\\.spiffe_rbac\\.policy\\.((.+)\\.)matched$" },
  { tag_name: "sluice_rule", regex: "^sluice\\.rate_limit\\.((.+)\\.)(?:allowed|limited|shadow_limited|store_error|evicted|rls_error)$" },
  { tag_name: "sluice_colour", regex: "^sluice\\.traffic_colour\\.((.+)\\.)requests$" },
  { tag_name: "sluice_circuit", regex: "^sluice\\.circuit_breaker\\.((.+)\\.)(?:calls|failures|slow_calls|rejected|opened|half_opened|closed|store_error|key_overflow|state)$" },
];

export function envoyBootstrap(c: SluiceConfig, container: boolean): object {
  const colourFilter = c.filters.find((f) => f.id === "traffic-colour");
  const colourHeader = String((colourFilter?.config as { header?: unknown } | undefined)?.header ?? "x-sluice-colour").toLowerCase();
  const colours = ((colourFilter?.config as { colours?: unknown } | undefined)?.colours as string[] | undefined) ?? [];
  const upstreamNames = Object.keys(c.upstreams).sort();
  const routes = [
    ...upstreamNames.filter((u) => u !== c.default_upstream && colours.includes(u)).map((u) => ({
      name: `colour-${u}`,
      match: { prefix: "/", headers: [{ name: colourHeader, string_match: { exact: u } }] },
      route: { cluster: u },
    })),
    { name: "default", match: { prefix: "/" }, route: { cluster: c.default_upstream } },
  ];
  const wasmFilters = c.filters.map((f) => ({
    name: "envoy.filters.http.wasm",
    typed_config: {
      "@type": "type.googleapis.com/envoy.extensions.filters.http.wasm.v3.Wasm",
      config: {
        name: f.id,
        root_id: f.id,
        vm_config: { vm_id: f.vm_id, runtime: "envoy.wasm.runtime.v8", code: { local: { filename: `/etc/sluice/${f.id}.wasm` } } },
        configuration: { "@type": "type.googleapis.com/google.protobuf.StringValue", value: JSON.stringify(f.config) },
        ...(f.fail_strategy === "FAIL_OPEN" ? { fail_open: true } : {}),
      },
    },
  }));
  return {
    admin: { address: { socket_address: { address: container ? "0.0.0.0" : "127.0.0.1", port_value: 9901 } } },
    stats_config: { stats_tags: STATS_TAGS },
    static_resources: {
      listeners: [{
        name: "sluice",
        address: { socket_address: { address: "0.0.0.0", port_value: 10000 } },
        filter_chains: [{
          filters: [{
            name: "envoy.filters.network.http_connection_manager",
            typed_config: {
              "@type": "type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager",
              stat_prefix: "sluice",
              route_config: { name: "sluice", virtual_hosts: [{ name: "sluice", domains: ["*"], routes }] },
              http_filters: [
                ...wasmFilters,
                { name: "envoy.filters.http.router", typed_config: { "@type": "type.googleapis.com/envoy.extensions.filters.http.router.v3.Router" } },
              ],
            },
          }],
        }],
      }],
      clusters: upstreamNames.map((name) => ({
        name,
        type: "STRICT_DNS",
        connect_timeout: "1s",
        load_assignment: {
          cluster_name: name,
          endpoints: [{ lb_endpoints: [{ endpoint: { address: { socket_address: { address: c.upstreams[name]!.address, port_value: c.upstreams[name]!.port } } } }] }],
        },
      })),
    },
  };
}

export function wasmPlugins(c: SluiceConfig): object[] {
  const placed = placement(c);
  return c.filters.map((f, i) => ({
    apiVersion: "extensions.istio.io/v1alpha1",
    kind: "WasmPlugin",
    metadata: { name: `sluice-${f.id}`, namespace: c.namespace },
    spec: {
      ...(Object.keys(c.selector).length > 0 ? { selector: { matchLabels: c.selector } } : {}),
      url: imageOf(c, f),
      pluginName: f.id,
      phase: placed[i]!.phase,
      priority: placed[i]!.priority,
      failStrategy: f.fail_strategy,
      type: "HTTP",
      pluginConfig: f.config,
    },
  }));
}

const yaml = (doc: object) => stringify(doc, { lineWidth: 0, aliasDuplicateObjects: false });

export const render: Command = {
  name: "render",
  summary: "write an Envoy bootstrap or Istio WasmPlugins from a sluice.yaml",
  help: HELP,
  async run(args) {
    const p = parseArgs("render", args, { out: { value: true }, container: {} });
    const [target, file, ...extra] = p.positionals;
    if (target !== "envoy" && target !== "istio") throw new CliError("render: expected envoy or istio (see sluice render --help)");
    if (file === undefined || extra.length > 0) throw new CliError(`render ${target}: expected one sluice.yaml`);
    const c = loadConfig(file);
    const text = target === "envoy"
      ? `# Generated by sluice render envoy ${file}: do not edit.\n${yaml(envoyBootstrap(c, flag(p, "container")))}`
      : `# Generated by sluice render istio ${file}: do not edit.\n${wasmPlugins(c).map(yaml).join("---\n")}`;
    const dir = str(p, "out");
    if (dir === undefined) {
      await out(text);
      return 0;
    }
    const path = resolve(dir, target === "envoy" ? "envoy.yaml" : "wasmplugins.yaml");
    try {
      mkdirSync(dir, { recursive: true });
      writeFileSync(path, text);
    } catch (e) {
      throw new CliError(`render: cannot write ${path}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
    }
    await out(`wrote ${path}\n`);
    return 0;
  },
};
