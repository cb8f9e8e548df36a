// A sluice.yaml chain in a local Envoy, for `sluice dev --envoy` and `sluice replay --envoy`: the
// bootstrap `sluice render envoy` makes, with each filter's module from its `wasm` path, every
// cluster at a local port, a JSON access log line per request, and optionally a second listener
// that terminates mTLS with a throwaway CA, so that a caller can bring a SPIFFE identity.
// The sluice.yaml's own `tls` section is not used: its files are deployment paths; the local
// listeners are plaintext, plus that mTLS listener (which keeps the section's XFCC mode).
import { envoyBootstrap } from "../render/envoy.js";
import { BUNDLE_ID, bundleWasm } from "../sluice-bundle.js";
import type { SluiceConfig } from "../config.js";
import type { Json } from "./admin.js";
import { endpointKey, listenerPorts, type EndpointTarget } from "./bootstrap-rewrite.js";
import { startLocalEnvoy, type LocalEnvoy } from "./envoy-process.js";

type Obj = { [key: string]: Json };

const FILE_ACCESS_LOG = "type.googleapis.com/envoy.extensions.access_loggers.file.v3.FileAccessLog";
const DOWNSTREAM_TLS = "type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.DownstreamTlsContext";
const MTLS_PORT = 10443;

/** The request header the access log reports as the colour (traffic-colour's `header`, default x-sluice-colour). */
export function colourHeaderOf(config: SluiceConfig): string {
  const c = config.filters.find((f) => f.id === "traffic-colour")?.config as { header?: unknown; response_header?: unknown } | undefined;
  return String(c?.header ?? "x-sluice-colour").toLowerCase();
}

/** One access log line (JSON), as the chain's listeners write it. */
export interface AccessLogLine {
  /** The `x-sluice-replay` request header (replay's request index), or "" */
  index: string;
  method: string;
  path: string;
  status: number;
  /** Envoy's response code details: `via_upstream`, or the filter's local reply details (`rate_limited`, ...). */
  details: string;
  colour: string;
  duration_ms: number;
}

function accessLog(path: string, colourHeader: string): Obj {
  return {
    name: "envoy.access_loggers.file",
    typed_config: {
      "@type": FILE_ACCESS_LOG,
      path,
      log_format: {
        json_format: {
          index: "%REQ(X-SLUICE-REPLAY)%",
          method: "%REQ(:METHOD)%",
          path: "%REQ(X-ENVOY-ORIGINAL-PATH?:PATH)%",
          status: "%RESPONSE_CODE%",
          details: "%RESPONSE_CODE_DETAILS%",
          colour: `%REQ(${colourHeader.toUpperCase()})%`,
          duration_ms: "%DURATION%",
        },
      },
    },
  };
}

/** Parses one access log line; "-" (Envoy's empty value) becomes "". */
export function parseAccessLog(line: string): AccessLogLine {
  const v = JSON.parse(line) as Record<string, unknown>;
  const s = (k: string): string => (v[k] === undefined || v[k] === null || v[k] === "-" ? "" : String(v[k]));
  return { index: s("index"), method: s("method"), path: s("path"), status: Number(v.status), details: s("details"), colour: s("colour"), duration_ms: Number(v.duration_ms) };
}

export interface MtlsFiles {
  /** PEM paths: the CA that signs callers' certificates, and the listener's own certificate and key. */
  ca: string;
  cert: string;
  key: string;
}

export interface EnvoyChainOptions {
  config: SluiceConfig;
  /** Upstream name (sluice.yaml `upstreams`) -> the server that plays it (a 127.0.0.1 port, or an address). */
  upstreamPorts: ReadonlyMap<string, EndpointTarget>;
  /** Where every request's access log line goes. */
  accessLogPath: string;
  /** The plaintext listener's port (default: one picked at run time). */
  port?: number;
  /** Run the chain as one module (build/sluice.wasm) instead of one module per filter. */
  bundle?: boolean;
  /** Also listen with mTLS (client certificates optional) for callers with an identity. */
  mtls?: MtlsFiles;
  workers?: number;
}

export interface EnvoyChain {
  envoy: LocalEnvoy;
  /** http://127.0.0.1:<port> of the plaintext listener. */
  url: string;
  /** https://127.0.0.1:<port> of the mTLS listener (with `mtls`). */
  mtlsUrl?: string;
}

/** The local bootstrap (before the address rewrite): render's, plus access logs and the mTLS listener. */
export function chainBootstrap(config: SluiceConfig, accessLogPath: string, mtls?: MtlsFiles, bundle = false): Obj {
  const mode = config.tls?.forward_client_cert_details ?? "SANITIZE";
  const bootstrap = envoyBootstrap({ ...config, tls: undefined }, false, bundle) as Obj;
  const listeners = (bootstrap.static_resources as Obj).listeners as Obj[];
  const log = accessLog(accessLogPath, colourHeaderOf(config));
  const hcmOf = (l: Obj): Obj => (((l.filter_chains as Obj[])[0].filters as Obj[])[0].typed_config as Obj);
  hcmOf(listeners[0]).access_log = [log];
  if (mtls !== undefined) {
    const secure = JSON.parse(JSON.stringify(listeners[0])) as Obj;
    secure.name = "sluice-mtls";
    (secure.address as Obj).socket_address = { address: "127.0.0.1", port_value: MTLS_PORT };
    const hcm = hcmOf(secure);
    if (mode !== "SANITIZE") {
      hcm.forward_client_cert_details = mode;
      hcm.set_current_client_cert_details = { uri: true };
    }
    (secure.filter_chains as Obj[])[0].transport_socket = {
      name: "envoy.transport_sockets.tls",
      typed_config: {
        "@type": DOWNSTREAM_TLS,
        common_tls_context: {
          tls_certificates: [{ certificate_chain: { filename: mtls.cert }, private_key: { filename: mtls.key } }],
          validation_context: { trusted_ca: { filename: mtls.ca } },
        },
      },
    };
    listeners.push(secure);
  }
  return bootstrap;
}

export async function startEnvoyChain(o: EnvoyChainOptions): Promise<EnvoyChain> {
  const rendered = chainBootstrap(o.config, o.accessLogPath, o.mtls, o.bundle);
  const files = new Map<string, string>();
  if (o.bundle) files.set(`/etc/sluice/${BUNDLE_ID}.wasm`, bundleWasm());
  else for (const f of o.config.filters) files.set(`/etc/sluice/${f.id}.wasm`, f.wasm);
  if (o.mtls !== undefined) for (const p of [o.mtls.ca, o.mtls.cert, o.mtls.key]) files.set(p, p);
  const endpoints = new Map<string, EndpointTarget>();
  for (const [name, u] of Object.entries(o.config.upstreams)) {
    const port = o.upstreamPorts.get(name);
    if (port === undefined) throw new Error(`no local server plays upstream ${name}`);
    endpoints.set(endpointKey(u.address, u.port), port);
  }
  const envoy = await startLocalEnvoy({
    rendered,
    rewrite: { endpoints, files },
    concurrency: o.workers ?? 1,
    name: "envoy",
    // access log lines reach the file within 50 ms (replay waits for each request's line)
    extraArgs: ["--file-flush-interval-msec", "50"],
    ...(o.port !== undefined ? { listenerPorts: new Map([[listenerPorts(rendered)[0], o.port]]) } : {}),
  });
  return {
    envoy,
    url: envoy.url,
    ...(o.mtls !== undefined ? { mtlsUrl: envoy.urlFor(MTLS_PORT, true) } : {}),
  };
}
