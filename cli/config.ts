// sluice.yaml: one declarative file for every target (validate, replay --chain, dev, render).
//
//   namespace: shop                        # Istio namespace of the WasmPlugins
//   selector: { app: api }                 # matchLabels of the workloads
//   registry: ghcr.io/example/sluice       # image = oci://<registry>/<id>:<package.json version>
//   upstreams: { stable: { address: app, port: 8080 }, canary: { address: app-canary, port: 8080 } }
//   default_upstream: stable               # the route without a colour match
//   service: api                           # Istio routing host (default: selector.app)
//   tls: { cert, key, ca, require_client_certificate, forward_client_cert_details, plaintext_port }  # Envoy listener TLS
//   filters:                               # chain order
//     - id: rate-limit
//       config: { ... }                    # exactly the Istio pluginConfig
//       vm_id, phase, priority, fail_strategy, image, wasm (a local .wasm path)   # optional
//       namespace, selector | target_refs, match, image_pull_policy, image_pull_secret, sha256, env
//                                          # optional, Istio only: cli/deployment.ts
import { existsSync, readFileSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { parseDocument } from "yaml";
import { deploymentOf, DEPLOYMENT_KEYS, type Deployment } from "./deployment.js";
import { CliError } from "./errors.js";
import { FILTER_IDS, filterWasm, isFilterId, type FilterId } from "./paths.js";
import { sluiceVersion } from "./version.js";

export const PHASES = ["UNSPECIFIED_PHASE", "AUTHN", "AUTHZ", "STATS"] as const;
export const FAIL_STRATEGIES = ["FAIL_CLOSE", "FAIL_OPEN", "FAIL_RELOAD"] as const;

export interface Upstream {
  address: string;
  port: number;
  /** The cluster speaks HTTP/2 (gRPC services such as a rate limit service). */
  http2?: boolean;
}

export const FORWARD_CLIENT_CERT = ["SANITIZE", "FORWARD_ONLY", "APPEND_FORWARD", "SANITIZE_SET", "ALWAYS_FORWARD_ONLY"] as const;

/** TLS of the rendered Envoy listener (files inside the Envoy container). */
export interface Tls {
  cert: string;
  key: string;
  ca?: string;
  require_client_certificate: boolean;
  forward_client_cert_details: (typeof FORWARD_CLIENT_CERT)[number];
  /** Also a plaintext listener with the same filters on this port. */
  plaintext_port?: number;
}

export interface FilterEntry {
  id: FilterId;
  config: Record<string, unknown>;
  vm_id: string;
  phase?: (typeof PHASES)[number];
  priority?: number;
  fail_strategy: (typeof FAIL_STRATEGIES)[number];
  image?: string;
  /** Absolute path of the module host-sim runs. */
  wasm: string;
  /** Istio attachment and image settings (cli/deployment.ts). */
  deploy: Deployment;
}

export interface SluiceConfig {
  file: string;
  namespace: string;
  selector: Record<string, string>;
  registry: string;
  upstreams: Record<string, Upstream>;
  default_upstream: string;
  /** Istio routing host: `service`, else selector.app. */
  service?: string;
  tls?: Tls;
  filters: FilterEntry[];
}

const TOP_KEYS = ["namespace", "selector", "registry", "upstreams", "default_upstream", "service", "tls", "filters"];
const TLS_KEYS = ["cert", "key", "ca", "require_client_certificate", "forward_client_cert_details", "plaintext_port"];
const FILTER_KEYS = ["id", "config", "vm_id", "phase", "priority", "fail_strategy", "image", "wasm", ...DEPLOYMENT_KEYS];

/** Reads a YAML or JSON file into plain data; a missing file or bad syntax is one clear line. */
export function readDocument(file: string): unknown {
  if (!existsSync(file)) throw new CliError(`${file}: no such file`);
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (e) {
    throw new CliError(`${file}: cannot read: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
  return parseText(file, text);
}

export function parseText(file: string, text: string): unknown {
  const doc = parseDocument(text, { uniqueKeys: true, prettyErrors: false });
  if (doc.errors.length > 0) {
    const e = doc.errors[0]!;
    const offset = Math.min(e.pos[0], text.length);
    const before = text.slice(0, offset).split("\n");
    const where = ` at line ${before.length}, column ${before[before.length - 1]!.length + 1}`;
    throw new CliError(`${file}: not valid YAML or JSON${where}: ${e.message.split("\n")[0]}`);
  }
  return doc.toJS({ maxAliasCount: 100 });
}

const isObject = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === "object" && !Array.isArray(v);

export function isSluiceConfig(doc: unknown): boolean {
  return isObject(doc) && Array.isArray(doc.filters);
}

/** Loads and checks sluice.yaml (not the filter configs themselves: that is `validate`). */
export function loadConfig(file: string): SluiceConfig {
  return toConfig(file, readDocument(file));
}

export function toConfig(file: string, doc: unknown): SluiceConfig {
  const bad = (path: string, what: string): never => {
    throw new CliError(`${file}: ${path}: ${what}`);
  };
  if (!isObject(doc)) bad("$", "must be a mapping with a \"filters\" list");
  const d = doc as Record<string, unknown>;
  for (const key of Object.keys(d)) if (!TOP_KEYS.includes(key)) bad(key, `unknown key (known: ${TOP_KEYS.join(", ")})`);
  const str = (v: unknown, path: string, fallback: string): string => {
    if (v === undefined) return fallback;
    if (typeof v !== "string" || v === "") bad(path, "must be a non-empty string");
    return v as string;
  };
  const selector: Record<string, string> = {};
  if (d.selector !== undefined) {
    if (!isObject(d.selector)) bad("selector", "must be a mapping of label: value");
    for (const [k, v] of Object.entries(d.selector as object)) {
      if (typeof v !== "string" && typeof v !== "number") bad(`selector.${k}`, "must be a string");
      selector[k] = String(v);
    }
  }
  const upstreams: Record<string, Upstream> = {};
  if (d.upstreams !== undefined) {
    if (!isObject(d.upstreams)) bad("upstreams", "must be a mapping of name: {address, port}");
    for (const [name, u] of Object.entries(d.upstreams as object)) {
      if (!/^[A-Za-z0-9][A-Za-z0-9._-]*$/.test(name)) bad(`upstreams.${name}`, "name must be letters, digits, \".\", \"_\" and \"-\"");
      if (!isObject(u)) bad(`upstreams.${name}`, "must be a mapping with address and port");
      const { address, port, http2, ...rest } = u as Record<string, unknown>;
      for (const k of Object.keys(rest)) bad(`upstreams.${name}.${k}`, "unknown key (known: address, port, http2)");
      if (typeof address !== "string" || address === "") bad(`upstreams.${name}.address`, "must be a non-empty string");
      if (!isPort(port)) bad(`upstreams.${name}.port`, "must be an integer from 1 to 65535");
      if (http2 !== undefined && typeof http2 !== "boolean") bad(`upstreams.${name}.http2`, "must be true or false");
      upstreams[name] = { address: address as string, port: port as number, ...(http2 === true ? { http2: true } : {}) };
    }
  }
  if (Object.keys(upstreams).length === 0) upstreams.app = { address: "127.0.0.1", port: 8080 };
  const defaultUpstream = str(d.default_upstream, "default_upstream", Object.keys(upstreams)[0]!);
  if (!upstreams[defaultUpstream]) bad("default_upstream", `must name one of upstreams (${Object.keys(upstreams).join(", ")})`);
  if (!Array.isArray(d.filters)) bad("filters", "is required: a list of {id, config}");
  const base = dirname(resolve(file));
  const seen = new Set<string>();
  const filters = (d.filters as unknown[]).map((f, i): FilterEntry => {
    const at = `filters[${i}]`;
    if (!isObject(f)) bad(at, "must be a mapping with id and config");
    const e = f as Record<string, unknown>;
    for (const key of Object.keys(e)) if (!FILTER_KEYS.includes(key)) bad(`${at}.${key}`, `unknown key (known: ${FILTER_KEYS.join(", ")})`);
    if (typeof e.id !== "string") bad(`${at}.id`, `is required: one of ${FILTER_IDS.join(", ")}`);
    const id = e.id as string;
    if (!isFilterId(id)) bad(`${at}.id`, `unknown filter "${id}" (known: ${FILTER_IDS.join(", ")})`);
    if (seen.has(id)) bad(`${at}.id`, `filter "${id}" is listed twice`);
    seen.add(id);
    if (!isObject(e.config)) bad(`${at}.config`, "is required: the filter's plugin config (a mapping)");
    if (e.phase !== undefined && !(PHASES as readonly unknown[]).includes(e.phase)) bad(`${at}.phase`, `must be one of ${PHASES.join(", ")}`);
    if (e.priority !== undefined && !Number.isInteger(e.priority)) bad(`${at}.priority`, "must be an integer");
    if (e.fail_strategy !== undefined && !(FAIL_STRATEGIES as readonly unknown[]).includes(e.fail_strategy)) {
      bad(`${at}.fail_strategy`, `must be one of ${FAIL_STRATEGIES.join(", ")}`);
    }
    const entry: FilterEntry = {
      id: id as FilterId,
      config: e.config as Record<string, unknown>,
      vm_id: str(e.vm_id, `${at}.vm_id`, id),
      fail_strategy: (e.fail_strategy as FilterEntry["fail_strategy"]) ?? "FAIL_CLOSE",
      wasm: e.wasm === undefined ? filterWasm(id) : resolve(base, str(e.wasm, `${at}.wasm`, "")),
      deploy: deploymentOf(e, at, bad),
    };
    if (e.phase !== undefined) entry.phase = e.phase as FilterEntry["phase"];
    if (e.priority !== undefined) entry.priority = e.priority as number;
    if (e.image !== undefined) entry.image = str(e.image, `${at}.image`, "");
    return entry;
  });
  if (filters.length === 0) bad("filters", "must list at least one filter");
  let tls: Tls | undefined;
  if (d.tls !== undefined) {
    if (!isObject(d.tls)) bad("tls", `must be a mapping (known keys: ${TLS_KEYS.join(", ")})`);
    const t = d.tls as Record<string, unknown>;
    for (const key of Object.keys(t)) if (!TLS_KEYS.includes(key)) bad(`tls.${key}`, `unknown key (known: ${TLS_KEYS.join(", ")})`);
    if (t.cert === undefined) bad("tls.cert", "is required: the server certificate chain file (PEM)");
    if (t.key === undefined) bad("tls.key", "is required: the server private key file (PEM)");
    if (t.require_client_certificate !== undefined && typeof t.require_client_certificate !== "boolean") {
      bad("tls.require_client_certificate", "must be true or false");
    }
    const fcc = t.forward_client_cert_details ?? "SANITIZE";
    if (!(FORWARD_CLIENT_CERT as readonly unknown[]).includes(fcc)) bad("tls.forward_client_cert_details", `must be one of ${FORWARD_CLIENT_CERT.join(", ")}`);
    if (t.plaintext_port !== undefined && !isPort(t.plaintext_port)) bad("tls.plaintext_port", "must be an integer from 1 to 65535");
    if (t.plaintext_port === 10000) bad("tls.plaintext_port", "must not be 10000 (the TLS listener's port)");
    tls = {
      cert: str(t.cert, "tls.cert", ""),
      key: str(t.key, "tls.key", ""),
      require_client_certificate: t.require_client_certificate === true,
      forward_client_cert_details: fcc as Tls["forward_client_cert_details"],
    };
    if (t.ca !== undefined) tls.ca = str(t.ca, "tls.ca", "");
    if (tls.require_client_certificate && tls.ca === undefined) bad("tls.ca", "is required with require_client_certificate: the CA bundle that verifies client certificates");
    if (t.plaintext_port !== undefined) tls.plaintext_port = t.plaintext_port as number;
  }
  const config: SluiceConfig = {
    file,
    namespace: str(d.namespace, "namespace", "default"),
    selector,
    registry: str(d.registry, "registry", "ghcr.io/sluice"),
    upstreams,
    default_upstream: defaultUpstream,
    filters,
  };
  if (d.service !== undefined) config.service = str(d.service, "service", "");
  if (tls !== undefined) config.tls = tls;
  return config;
}

const isPort = (v: unknown): boolean => Number.isInteger(v) && (v as number) >= 1 && (v as number) <= 65535;

/** The OCI image of a filter: its `image`, else `oci://<registry>/<id>:<the Sluice version>`. */
export function imageOf(c: SluiceConfig, f: FilterEntry): string {
  const image = f.image ?? `${c.registry}/${f.id}:${sluiceVersion()}`;
  return image.includes("://") ? image : `oci://${image}`;
}
