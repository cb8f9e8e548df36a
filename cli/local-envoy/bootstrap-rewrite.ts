// A bootstrap from envoy/ (rendered for containers: listeners and admin on 0.0.0.0, upstreams by
// host name, files under /etc/) rewritten for an Envoy process on this machine: admin on
// 127.0.0.1 port 0 (Envoy picks; --admin-address-path tells), every listener on 127.0.0.1 at a
// port picked at run time (a fixed port, so that Envoy's per-listener stats have distinct names
// and a listener update keeps its socket), every cluster endpoint at the 127.0.0.1 port of the server that plays it, every file at its
// local path. Optionally the listeners move into a file-based LDS resource that the suite can
// rewrite to update the filter configuration while Envoy runs.
import { isIP } from "node:net";
import { stringify } from "yaml";
import type { Json } from "./admin.js";

type Obj = { [key: string]: Json };

function isObj(v: Json | undefined): v is Obj {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/** Where a cluster endpoint goes: a port on 127.0.0.1, or another address (an IP or a DNS name). */
export type EndpointTarget = number | { address: string; port: number };

export interface LocalRewrite {
  /** "address:port" of a cluster endpoint in the bootstrap -> the server that plays it. */
  endpoints: ReadonlyMap<string, EndpointTarget>;
  /** A file path the bootstrap names -> the local path that holds it. */
  files: ReadonlyMap<string, string>;
  /** The rendered listener port (10000, ...) -> the local port to bind. */
  listeners: ReadonlyMap<number, number>;
}

export interface LocalBootstrap {
  bootstrap: Obj;
  /** The rendered listener ports (10000, 10001, ...) in order. */
  renderedPorts: number[];
}

/** The ports of the bootstrap's static listeners, in order. */
export function listenerPorts(rendered: Obj): number[] {
  const resources = isObj(rendered.static_resources) ? rendered.static_resources : {};
  const out: number[] = [];
  for (const l of Array.isArray(resources.listeners) ? resources.listeners : []) {
    if (isObj(l) && isObj(l.address) && isObj(l.address.socket_address) && typeof l.address.socket_address.port_value === "number") {
      out.push(l.address.socket_address.port_value);
    }
  }
  return out;
}

/** Endpoint key for LocalRewrite.endpoints. */
export function endpointKey(address: string, port: number): string {
  return `${address}:${port}`;
}

function loopback(socketAddress: Obj, port: number): void {
  socketAddress.address = "127.0.0.1";
  socketAddress.port_value = port;
}

/** Deep copy with every `filename` mapped; throws on a file the rewrite does not provide. */
export function mapFiles(value: Json, files: ReadonlyMap<string, string>): Json {
  if (Array.isArray(value)) return value.map((v) => mapFiles(v, files));
  if (!isObj(value)) return value;
  const out: Obj = {};
  for (const [k, v] of Object.entries(value)) {
    if (k === "filename" && typeof v === "string" && !v.startsWith("/dev/")) {
      const local = files.get(v);
      if (local === undefined) throw new Error(`the bootstrap reads ${v}, which the test does not provide`);
      out[k] = local;
    } else {
      out[k] = mapFiles(v, files);
    }
  }
  return out;
}

export function localBootstrap(rendered: Obj, rewrite: LocalRewrite): LocalBootstrap {
  const bootstrap = mapFiles(rendered, rewrite.files) as Obj;
  const renderedPorts: number[] = [];
  const admin = bootstrap.admin;
  if (isObj(admin) && isObj(admin.address) && isObj(admin.address.socket_address)) loopback(admin.address.socket_address, 0);
  const resources = isObj(bootstrap.static_resources) ? bootstrap.static_resources : {};
  for (const listener of Array.isArray(resources.listeners) ? resources.listeners : []) {
    if (!isObj(listener) || !isObj(listener.address) || !isObj(listener.address.socket_address)) continue;
    const sa = listener.address.socket_address;
    const rendered = Number(sa.port_value);
    const port = rewrite.listeners.get(rendered);
    if (port === undefined) throw new Error(`listener ${String(listener.name)} on ${rendered} has no local port`);
    renderedPorts.push(rendered);
    loopback(sa, port);
  }
  for (const cluster of Array.isArray(resources.clusters) ? resources.clusters : []) {
    if (!isObj(cluster) || !isObj(cluster.load_assignment)) continue;
    let byName = false;
    for (const e of Array.isArray(cluster.load_assignment.endpoints) ? cluster.load_assignment.endpoints : []) {
      for (const lb of isObj(e) && Array.isArray(e.lb_endpoints) ? e.lb_endpoints : []) {
        const endpoint = isObj(lb) && isObj(lb.endpoint) ? lb.endpoint : {};
        const sa = isObj(endpoint.address) && isObj(endpoint.address.socket_address) ? endpoint.address.socket_address : undefined;
        if (sa === undefined) continue;
        const key = endpointKey(String(sa.address), Number(sa.port_value));
        const target = rewrite.endpoints.get(key);
        if (target === undefined) throw new Error(`cluster ${String(cluster.name)} calls ${key}, which the test does not serve`);
        sa.address = typeof target === "number" ? "127.0.0.1" : target.address;
        sa.port_value = typeof target === "number" ? target : target.port;
        if (isIP(String(sa.address)) === 0) byName = true;
      }
    }
    // an IP address needs no DNS: STATIC skips the resolver (and its timers) altogether
    if (!byName && (cluster.type === "STRICT_DNS" || cluster.type === "LOGICAL_DNS")) cluster.type = "STATIC";
  }
  return { bootstrap, renderedPorts };
}

/**
 * Moves the static listeners into a file-based LDS resource watched in `directory`: returns the
 * bootstrap that points at `<directory>/lds.yaml` and the listeners, for ldsDocument().
 */
export function withFileLds(bootstrap: Obj, directory: string): { bootstrap: Obj; listeners: Json[] } {
  const resources = isObj(bootstrap.static_resources) ? bootstrap.static_resources : {};
  const listeners = Array.isArray(resources.listeners) ? resources.listeners : [];
  const staticResources: Obj = { ...resources };
  delete staticResources.listeners;
  return {
    bootstrap: {
      ...bootstrap,
      // xDS (file-based included) needs a node identity
      node: { id: "sluice-test", cluster: "sluice-test" },
      static_resources: staticResources,
      dynamic_resources: {
        lds_config: {
          resource_api_version: "V3",
          path_config_source: { path: `${directory}/lds.yaml`, watched_directory: { path: directory } },
        },
      },
    },
    listeners,
  };
}

/** The LDS file's content: a DiscoveryResponse-shaped YAML with the listeners as resources. */
export function ldsDocument(listeners: readonly Json[]): string {
  return stringify({
    resources: listeners.map((l) => ({ "@type": "type.googleapis.com/envoy.config.listener.v3.Listener", ...(isObj(l) ? l : {}) })),
  });
}
