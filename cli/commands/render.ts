import { mkdirSync, writeFileSync } from "node:fs";
import { resolve } from "node:path";
import { stringify } from "yaml";
import { flag, parseArgs, str } from "../args.js";
import { out, type Command } from "../command.js";
import { imageOf, PHASES, type FilterEntry, type SluiceConfig } from "../config.js";
import { CliError } from "../errors.js";
import { loadCheckedConfig } from "./validate.js";

const HELP = `Usage: sluice render envoy <sluice.yaml> [--out dir] [--container]
       sluice render istio <sluice.yaml> [--out dir]

envoy: an Envoy v3 bootstrap: listener 0.0.0.0:10000, the wasm filters in chain order (code from
  /etc/sluice/<id>.wasm, configuration as JSON text), the router, routes choosing an upstream by the
  colour header (an upstream named like a colour gets that colour's requests; the rest go to
  default_upstream), one cluster per upstream (HTTP/2 for upstreams with http2: true and for
  rate-limit's rls.cluster, which must name an upstream), admin on 127.0.0.1:9901 (0.0.0.0 with
  --container) and stats_tags for the sluice.* metrics. With a tls section the listener on 10000
  terminates TLS (cert, key, ca, require_client_certificate, forward_client_cert_details) and
  tls.plaintext_port adds a plaintext listener with the same filters.
  --out writes <dir>/envoy.yaml.
istio: one extensions.istio.io/v1alpha1 WasmPlugin per filter (url, phase, priority, pluginName,
  pluginConfig, failStrategy, selector), with phase/priority keeping the chain order, checked
  against the CRD's CEL rules (url scheme, selector or targetRefs). When the chain has
  traffic-colour and upstreams named like its colours, also a networking.istio.io/v1
  VirtualService routing the colour header to subsets and a DestinationRule with one subset per
  such upstream (label version: <upstream>), for the host named by service (default: selector.app).
  --out writes <dir>/<id>.yaml per filter and <dir>/routing.yaml.

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

// Envoy keeps Wasm metrics as `wasmcustom.<name>` (the prefix is dropped only when /stats and
// Prometheus print them), and tag regexes run over that internal name, so the prefix is optional.
const STATS_TAGS = [
  { tag_name: "sluice_policy", regex: "^(?:wasmcustom\\.)?sluice\\.spiffe_rbac\\.policy\\.((.+)\\.)matched$" },
  { tag_name: "sluice_rule", regex: "^(?:wasmcustom\\.)?sluice\\.rate_limit\\.((.+)\\.)(?:allowed|limited|shadow_limited|store_error|evicted|rls_error)$" },
  { tag_name: "sluice_colour", regex: "^(?:wasmcustom\\.)?sluice\\.traffic_colour\\.((.+)\\.)requests$" },
  { tag_name: "sluice_circuit", regex: "^(?:wasmcustom\\.)?sluice\\.circuit_breaker\\.((.+)\\.)(?:calls|failures|slow_calls|rejected|opened|half_opened|closed|store_error|key_overflow|state)$" },
];

export const TYPE = {
  hcm: "type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager",
  wasm: "type.googleapis.com/envoy.extensions.filters.http.wasm.v3.Wasm",
  router: "type.googleapis.com/envoy.extensions.filters.http.router.v3.Router",
  stringValue: "type.googleapis.com/google.protobuf.StringValue",
  downstreamTls: "type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.DownstreamTlsContext",
  httpProtocolOptions: "type.googleapis.com/envoy.extensions.upstreams.http.v3.HttpProtocolOptions",
} as const;

interface Colouring {
  header: string;
  /** Upstreams named like a colour, other than default_upstream, sorted. */
  routed: string[];
}

/** The colour header and the upstreams it routes to (none without traffic-colour). */
function colouring(c: SluiceConfig): Colouring {
  const colourFilter = c.filters.find((f) => f.id === "traffic-colour");
  const header = String((colourFilter?.config as { header?: unknown } | undefined)?.header ?? "x-sluice-colour").toLowerCase();
  const colours = ((colourFilter?.config as { colours?: unknown } | undefined)?.colours as string[] | undefined) ?? [];
  const routed = Object.keys(c.upstreams).sort().filter((u) => u !== c.default_upstream && colours.includes(u));
  return { header, routed };
}

/** rate-limit's `rls.cluster`, which must be one of the upstreams (rendered as an HTTP/2 cluster). */
function rlsCluster(c: SluiceConfig): string | undefined {
  const i = c.filters.findIndex((f) => f.id === "rate-limit");
  if (i < 0) return undefined;
  const rls = c.filters[i]!.config.rls as { cluster?: unknown } | undefined;
  if (rls === null || typeof rls !== "object" || typeof rls.cluster !== "string") return undefined;
  if (!c.upstreams[rls.cluster]) {
    throw new CliError(`${c.file}: filters[${i}].config.rls.cluster: "${rls.cluster}" is not one of upstreams (${Object.keys(c.upstreams).join(", ")}): ` +
      "add the rate limit service there (address, port)");
  }
  return rls.cluster;
}

export function envoyBootstrap(c: SluiceConfig, container: boolean): object {
  const { header: colourHeader, routed } = colouring(c);
  const rls = rlsCluster(c);
  const upstreamNames = Object.keys(c.upstreams).sort();
  const routes = [
    ...routed.map((u) => ({
      name: `colour-${u}`,
      match: { prefix: "/", headers: [{ name: colourHeader, string_match: { exact: u } }] },
      route: { cluster: u },
    })),
    { name: "default", match: { prefix: "/" }, route: { cluster: c.default_upstream } },
  ];
  const wasmFilters = c.filters.map((f) => ({
    name: "envoy.filters.http.wasm",
    typed_config: {
      "@type": TYPE.wasm,
      config: {
        name: f.id,
        root_id: f.id,
        vm_config: { vm_id: f.vm_id, runtime: "envoy.wasm.runtime.v8", code: { local: { filename: `/etc/sluice/${f.id}.wasm` } } },
        configuration: { "@type": TYPE.stringValue, value: JSON.stringify(f.config) },
        ...(f.fail_strategy === "FAIL_OPEN" ? { fail_open: true } : {}),
      },
    },
  }));
  const tls = c.tls;
  const hcm = (secure: boolean) => ({
    name: "envoy.filters.network.http_connection_manager",
    typed_config: {
      "@type": TYPE.hcm,
      stat_prefix: "sluice",
      ...(secure && tls && tls.forward_client_cert_details !== "SANITIZE"
        ? { forward_client_cert_details: tls.forward_client_cert_details, set_current_client_cert_details: { uri: true } }
        : {}),
      route_config: { name: "sluice", virtual_hosts: [{ name: "sluice", domains: ["*"], routes }] },
      http_filters: [
        ...wasmFilters,
        { name: "envoy.filters.http.router", typed_config: { "@type": TYPE.router } },
      ],
    },
  });
  const listener = (name: string, port: number, secure: boolean) => ({
    name,
    address: { socket_address: { address: "0.0.0.0", port_value: port } },
    filter_chains: [{
      filters: [hcm(secure)],
      ...(secure && tls ? {
        transport_socket: {
          name: "envoy.transport_sockets.tls",
          typed_config: {
            "@type": TYPE.downstreamTls,
            ...(tls.require_client_certificate ? { require_client_certificate: true } : {}),
            common_tls_context: {
              tls_certificates: [{ certificate_chain: { filename: tls.cert }, private_key: { filename: tls.key } }],
              ...(tls.ca !== undefined ? { validation_context: { trusted_ca: { filename: tls.ca } } } : {}),
            },
          },
        },
      } : {}),
    }],
  });
  const listeners = [listener("sluice", 10000, tls !== undefined)];
  if (tls?.plaintext_port !== undefined) listeners.push(listener("sluice-plaintext", tls.plaintext_port, false));
  return {
    admin: { address: { socket_address: { address: container ? "0.0.0.0" : "127.0.0.1", port_value: 9901 } } },
    stats_config: { stats_tags: STATS_TAGS },
    static_resources: {
      listeners,
      clusters: upstreamNames.map((name) => ({
        name,
        type: "STRICT_DNS",
        connect_timeout: "1s",
        ...(c.upstreams[name]!.http2 || name === rls ? {
          typed_extension_protocol_options: {
            "envoy.extensions.upstreams.http.v3.HttpProtocolOptions": {
              "@type": TYPE.httpProtocolOptions,
              explicit_http_config: { http2_protocol_options: {} },
            },
          },
        } : {}),
        load_assignment: {
          cluster_name: name,
          endpoints: [{ lb_endpoints: [{ endpoint: { address: { socket_address: { address: c.upstreams[name]!.address, port_value: c.upstreams[name]!.port } } } }] }],
        },
      })),
    },
  };
}

const URL_SCHEMES = ["oci", "http", "https", "file"];

/**
 * What the WasmPlugin CRD's CEL rules (x-kubernetes-validations) reject and
 * @kubernetes-models/istio's validate() does not: a url scheme other than oci, http, https, file
 * (no scheme means oci), selector together with targetRefs/targetRef, and a HOST env entry with a
 * value.
 */
export function wasmPluginProblems(plugin: unknown): string[] {
  const problems: string[] = [];
  const spec = (plugin as { spec?: Record<string, unknown> } | null)?.spec;
  if (spec === null || typeof spec !== "object") return ["spec: is required"];
  if (typeof spec.url === "string") {
    const m = /^([^:/?#]*):\/\//.exec(spec.url);
    if (m && !URL_SCHEMES.includes(m[1]!)) problems.push(`spec.url: scheme "${m[1]}" is not one of ${URL_SCHEMES.join(", ")}`);
  }
  const targets = ["selector", "targetRefs", "targetRef"].filter((k) => spec[k] !== undefined);
  if (targets.length > 1) problems.push(`spec: only one of selector, targetRefs, targetRef may be set, got ${targets.join(" and ")}`);
  const env = (spec.vmConfig as { env?: unknown } | undefined)?.env;
  if (Array.isArray(env)) {
    env.forEach((e: { valueFrom?: unknown; value?: unknown }, i) => {
      if (e?.valueFrom === "HOST" && e.value !== undefined) problems.push(`spec.vmConfig.env[${i}].value: must not be set when valueFrom is HOST`);
    });
  }
  return problems;
}

export function wasmPlugins(c: SluiceConfig): object[] {
  const placed = placement(c);
  return c.filters.map((f, i) => {
    const plugin = {
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
    };
    const problems = wasmPluginProblems(plugin);
    if (problems.length > 0) throw new CliError(`${c.file}: filters[${i}] (${f.id}): the WasmPlugin would be rejected: ${problems.join("; ")}`);
    return plugin;
  });
}

/**
 * Istio routing for the colour header: a VirtualService sending each colour to the subset of the
 * upstream named like it (the rest to default_upstream's subset) and a DestinationRule with one
 * subset per such upstream, selected by the pod label `version: <upstream>`. Empty when the chain
 * has no traffic-colour or no upstream is named like a colour.
 */
export function istioRouting(c: SluiceConfig): object[] {
  const { header, routed } = colouring(c);
  if (!c.filters.some((f) => f.id === "traffic-colour") || routed.length === 0) return [];
  const host = c.service ?? c.selector.app;
  if (host === undefined) throw new CliError(`${c.file}: service: is required for the colour routing (the Kubernetes Service to route), or set selector.app`);
  const name = `sluice-${host.split(".")[0]}`;
  const metadata = { name, namespace: c.namespace };
  const subsets = [...routed, c.default_upstream].sort();
  return [
    {
      apiVersion: "networking.istio.io/v1",
      kind: "VirtualService",
      metadata,
      spec: {
        hosts: [host],
        http: [
          ...routed.map((u) => ({
            name: `colour-${u}`,
            match: [{ headers: { [header]: { exact: u } } }],
            route: [{ destination: { host, subset: u } }],
          })),
          { name: "default", route: [{ destination: { host, subset: c.default_upstream } }] },
        ],
      },
    },
    {
      apiVersion: "networking.istio.io/v1",
      kind: "DestinationRule",
      metadata,
      spec: { host, subsets: subsets.map((u) => ({ name: u, labels: { version: u } })) },
    },
  ];
}

const yaml = (doc: object) => stringify(doc, { lineWidth: 0, aliasDuplicateObjects: false });

export const render: Command = {
  name: "render",
  summary: "write an Envoy bootstrap or Istio WasmPlugins and routing from a sluice.yaml",
  help: HELP,
  async run(args) {
    const p = parseArgs("render", args, { out: { value: true }, container: {} });
    const [target, file, ...extra] = p.positionals;
    if (target !== "envoy" && target !== "istio") throw new CliError("render: expected envoy or istio (see sluice render --help)");
    if (file === undefined || extra.length > 0) throw new CliError(`render ${target}: expected one sluice.yaml`);
    const c = await loadCheckedConfig(file);
    const header = `# Generated by sluice render ${target} ${file}: do not edit.\n`;
    // [file name under --out, text]
    const files: [string, string][] = [];
    if (target === "envoy") {
      files.push(["envoy.yaml", header + yaml(envoyBootstrap(c, flag(p, "container")))]);
    } else {
      const plugins = wasmPlugins(c);
      c.filters.forEach((f, i) => files.push([`${f.id}.yaml`, header + yaml(plugins[i]!)]));
      const routing = istioRouting(c);
      if (routing.length > 0) files.push(["routing.yaml", header + routing.map(yaml).join("---\n")]);
    }
    const dir = str(p, "out");
    if (dir === undefined) {
      await out(files.map(([, text]) => text).join("---\n"));
      return 0;
    }
    const written: string[] = [];
    for (const [name, text] of files) {
      const path = resolve(dir, name);
      try {
        mkdirSync(dir, { recursive: true });
        writeFileSync(path, text);
      } catch (e) {
        throw new CliError(`render: cannot write ${path}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
      }
      written.push(`wrote ${path}\n`);
    }
    await out(written.join(""));
    return 0;
  },
};
