// A trusted front proxy for the XFCC test: a second Envoy that terminates the caller's mTLS,
// writes the caller's SPIFFE ID into x-forwarded-client-cert (SANITIZE_SET, URI) and calls the
// Sluice Envoy over mTLS with its own SVID, the identity spiffe-rbac's xfcc.trusted_proxies trusts.
import { stringify } from "yaml";

export const FRONT_ALIAS = "front-proxy";
export const FRONT_CERT_DIR = "/etc/front/certs";

export interface FrontProxyOptions {
  /** Network alias and port of the Sluice Envoy's listener. */
  target: { address: string; port: number };
  /** SNI for the upstream TLS connection (a DNS name in the Sluice Envoy's server certificate). */
  sni: string;
  /** `set_current_client_cert_details` (default `{uri: true}`) and its `format` (default TEXT). */
  xfcc?: XfccDetails;
}

export interface XfccDetails {
  details?: Record<string, boolean>;
  format?: "TEXT" | "JSON";
}

/** Files the bootstrap reads: ca.pem, proxy.pem (the proxy's SVID), proxy-key.pem. */
export const FRONT_FILES = {
  ca: `${FRONT_CERT_DIR}/ca.pem`,
  cert: `${FRONT_CERT_DIR}/proxy.pem`,
  key: `${FRONT_CERT_DIR}/proxy-key.pem`,
} as const;

export function frontProxyBootstrap(opts: FrontProxyOptions): string {
  const tlsCertificates = [{ certificate_chain: { filename: FRONT_FILES.cert }, private_key: { filename: FRONT_FILES.key } }];
  const validation = { trusted_ca: { filename: FRONT_FILES.ca } };
  const bootstrap = {
    admin: { address: { socket_address: { address: "0.0.0.0", port_value: 9901 } } },
    static_resources: {
      listeners: [
        {
          name: "front",
          address: { socket_address: { address: "0.0.0.0", port_value: 10000 } },
          filter_chains: [
            {
              transport_socket: {
                name: "envoy.transport_sockets.tls",
                typed_config: {
                  "@type": "type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.DownstreamTlsContext",
                  require_client_certificate: true,
                  common_tls_context: { tls_certificates: tlsCertificates, validation_context: validation },
                },
              },
              filters: [
                {
                  name: "envoy.filters.network.http_connection_manager",
                  typed_config: {
                    "@type": "type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager",
                    stat_prefix: "front",
                    forward_client_cert_details: "SANITIZE_SET",
                    set_current_client_cert_details: { ...(opts.xfcc?.details ?? { uri: true }), ...(opts.xfcc?.format ? { format: opts.xfcc.format } : {}) },
                    route_config: {
                      virtual_hosts: [{ name: "all", domains: ["*"], routes: [{ match: { prefix: "/" }, route: { cluster: "sluice" } }] }],
                    },
                    http_filters: [
                      {
                        name: "envoy.filters.http.router",
                        typed_config: { "@type": "type.googleapis.com/envoy.extensions.filters.http.router.v3.Router" },
                      },
                    ],
                  },
                },
              ],
            },
          ],
        },
      ],
      clusters: [
        {
          name: "sluice",
          type: "STRICT_DNS",
          connect_timeout: "2s",
          load_assignment: {
            cluster_name: "sluice",
            endpoints: [{ lb_endpoints: [{ endpoint: { address: { socket_address: { address: opts.target.address, port_value: opts.target.port } } } }] }],
          },
          transport_socket: {
            name: "envoy.transport_sockets.tls",
            typed_config: {
              "@type": "type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.UpstreamTlsContext",
              sni: opts.sni,
              common_tls_context: { tls_certificates: tlsCertificates, validation_context: validation },
            },
          },
        },
      ],
    },
  };
  return stringify(bootstrap);
}
