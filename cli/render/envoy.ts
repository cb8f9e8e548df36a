// `sluice render envoy`: an Envoy v3 bootstrap running the chain of a sluice.yaml (cli/README.md,
// "render"). Checked by `envoy --mode validate` in cli/test/envoy-validate.test.ts.
import type { SluiceConfig } from "../config.js";
import { CliError } from "../errors.js";
import { envoyFailurePolicy } from "../failure-policy.js";
import { BUNDLE_ID, bundleFailurePolicy, bundlePluginConfig } from "../sluice-bundle.js";
import { STATS_TAGS } from "./stats-tags.js";

export const TYPE = {
  hcm: "type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager",
  wasm: "type.googleapis.com/envoy.extensions.filters.http.wasm.v3.Wasm",
  router: "type.googleapis.com/envoy.extensions.filters.http.router.v3.Router",
  stringValue: "type.googleapis.com/google.protobuf.StringValue",
  downstreamTls: "type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.DownstreamTlsContext",
  httpProtocolOptions: "type.googleapis.com/envoy.extensions.upstreams.http.v3.HttpProtocolOptions",
} as const;

export interface Colouring {
  header: string;
  /** Upstreams named like a colour, other than default_upstream, sorted. */
  routed: string[];
}

/** The colour header and the upstreams it routes to (none without traffic-colour). */
export function colouring(c: SluiceConfig): Colouring {
  const colourFilter = c.filters.find((f) => f.id === "traffic-colour");
  const header = String((colourFilter?.config as { header?: unknown } | undefined)?.header ?? "x-sluice-colour").toLowerCase();
  const colours = ((colourFilter?.config as { colours?: unknown } | undefined)?.colours as string[] | undefined) ?? [];
  const routed = Object.keys(c.upstreams).sort().filter((u) => u !== c.default_upstream && colours.includes(u));
  return { header, routed };
}

/** rate-limit's `rls.cluster`, which must be one of the upstreams (rendered as an HTTP/2 cluster). */
export function rlsCluster(c: SluiceConfig): string | undefined {
  const i = c.filters.findIndex((f) => f.id === "rate-limit");
  if (i < 0) return undefined;
  const rls = c.filters[i]!.config.rls as { cluster?: unknown } | undefined;
  if (rls === null || typeof rls !== "object" || typeof rls.cluster !== "string") return undefined;
  if (!c.upstreams[rls.cluster]) {
    throw new CliError(`${c.file}: filters[${i}].config.rls.cluster: "${rls.cluster}" is not one of upstreams (${Object.keys(c.upstreams).join(", ")}): ` +
      "add the rate limit service there (address, port)", 1);
  }
  return rls.cluster;
}

/** The Wasm filter of a module: its root and VM, its code under /etc/sluice, its configuration. */
function wasmFilter(name: string, vmId: string, config: unknown, failurePolicy: string): object {
  return {
    name: "envoy.filters.http.wasm",
    typed_config: {
      "@type": TYPE.wasm,
      config: {
        name,
        root_id: name,
        vm_config: { vm_id: vmId, runtime: "envoy.wasm.runtime.v8", code: { local: { filename: `/etc/sluice/${name}.wasm` } } },
        configuration: { "@type": TYPE.stringValue, value: JSON.stringify(config) },
        failure_policy: failurePolicy,
      },
    },
  };
}

/** The bootstrap; `bundle`: the chain as one Wasm filter running build/sluice.wasm (root_id and
 *  vm_id sluice, the filters list as its configuration) instead of one filter per module. */
export function envoyBootstrap(c: SluiceConfig, container: boolean, bundle = false): object {
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
  const wasmFilters = bundle
    ? [wasmFilter(BUNDLE_ID, BUNDLE_ID, bundlePluginConfig(c), bundleFailurePolicy(c))]
    : c.filters.map((f) => wasmFilter(f.id, f.vm_id, f.config, envoyFailurePolicy(f.fail_strategy)));
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
