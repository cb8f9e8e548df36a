// Reading the Envoy bootstraps under envoy/ (as `sluice render` writes them): which clusters they
// call (so the suite starts an upstream container per address), which Wasm filters they load and
// with which JSON configuration, which files they read.
import { existsSync, readFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { parse } from "yaml";

export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "../..");

/** envoy/<name>/envoy.yaml (name: a filter id or "chain"). */
export function bootstrapPath(name: string): string {
  return join(REPO_ROOT, "envoy", name, "envoy.yaml");
}

/** build/<id>.wasm */
export function wasmPath(id: string): string {
  return join(REPO_ROOT, "build", `${id}.wasm`);
}

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type Obj = { [key: string]: Json };

function isObj(v: Json | undefined): v is Obj {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}
function arr(v: Json | undefined): Json[] {
  return Array.isArray(v) ? v : [];
}
function obj(v: Json | undefined): Obj {
  return isObj(v) ? v : {};
}

export function parseBootstrap(text: string): Obj {
  const doc = parse(text) as Json;
  if (!isObj(doc)) throw new Error("bootstrap: not a YAML mapping");
  return doc;
}

export function loadBootstrap(path: string): Obj {
  if (!existsSync(path)) throw new Error(`${path} is missing (generate it with \`sluice render envoy --container\`)`);
  return parseBootstrap(readFileSync(path, "utf8"));
}

export interface ClusterEndpoint {
  cluster: string;
  address: string;
  port: number;
  /** The cluster speaks HTTP/2 (e.g. the gRPC rate limit service). */
  http2: boolean;
}

/** Every socket address of every static cluster. */
export function clusterEndpoints(bootstrap: Obj): ClusterEndpoint[] {
  const out: ClusterEndpoint[] = [];
  for (const c of arr(obj(bootstrap.static_resources).clusters)) {
    const cluster = obj(c);
    const name = String(cluster.name ?? "");
    const http2 =
      "http2_protocol_options" in cluster ||
      JSON.stringify(cluster.typed_extension_protocol_options ?? {}).includes("http2_protocol_options");
    for (const e of arr(obj(cluster.load_assignment).endpoints)) {
      for (const lb of arr(obj(e).lb_endpoints)) {
        const sa = obj(obj(obj(obj(lb).endpoint).address).socket_address);
        if (typeof sa.address === "string" && typeof sa.port_value === "number") {
          out.push({ cluster: name, address: sa.address, port: sa.port_value, http2 });
        }
      }
    }
  }
  return out;
}

export interface WasmFilter {
  name: string;
  rootId: string;
  vmId: string;
  filename: string;
  /** The plugin configuration (the JSON in the StringValue), parsed. */
  config: Obj;
  /** Raw typed_config.config of the filter. */
  raw: Obj;
}

/** Every HTTP connection manager of every listener (or of the listener on `port`). */
export function httpConnectionManagers(bootstrap: Obj, port?: number): Obj[] {
  const out: Obj[] = [];
  for (const l of arr(obj(bootstrap.static_resources).listeners)) {
    if (port !== undefined && obj(obj(obj(l).address).socket_address).port_value !== port) continue;
    for (const chain of arr(obj(l).filter_chains)) {
      for (const f of arr(obj(chain).filters)) {
        const tc = obj(obj(f).typed_config);
        if (String(tc["@type"] ?? "").endsWith("HttpConnectionManager")) out.push(tc);
      }
    }
  }
  return out;
}

/** The envoy.filters.http.wasm filters in chain order (of every listener, or of the one on `port`). */
export function wasmFilters(bootstrap: Obj, port?: number): WasmFilter[] {
  const out: WasmFilter[] = [];
  for (const hcm of httpConnectionManagers(bootstrap, port)) {
    for (const f of arr(hcm.http_filters)) {
      const tc = obj(obj(f).typed_config);
      if (!String(tc["@type"] ?? "").endsWith("envoy.extensions.filters.http.wasm.v3.Wasm")) continue;
      const cfg = obj(tc.config);
      const vm = obj(cfg.vm_config);
      const configuration = obj(cfg.configuration);
      let config: Obj = {};
      if (typeof configuration.value === "string" && configuration.value.trim() !== "") {
        const parsed = JSON.parse(configuration.value) as Json;
        config = obj(parsed);
      }
      out.push({
        name: String(cfg.name ?? ""),
        rootId: String(cfg.root_id ?? ""),
        vmId: String(vm.vm_id ?? ""),
        filename: String(obj(obj(vm.code).local).filename ?? ""),
        config,
        raw: cfg,
      });
    }
  }
  return out;
}

/** The configuration of the Wasm filter with this root_id; throws when there is none. */
export function filterConfig(bootstrap: Obj, rootId: string): Obj {
  const f = wasmFilters(bootstrap).find((w) => w.rootId === rootId);
  if (f === undefined) throw new Error(`the bootstrap has no Wasm filter with root_id ${rootId}`);
  return f.config;
}

/** Every `filename` the bootstrap names (Wasm modules, certificates, keys), sorted, unique. */
export function referencedFiles(bootstrap: Json): string[] {
  const found = new Set<string>();
  const walk = (v: Json): void => {
    if (Array.isArray(v)) v.forEach(walk);
    else if (isObj(v)) {
      for (const [k, x] of Object.entries(v)) {
        if (k === "filename" && typeof x === "string") found.add(x);
        else walk(x);
      }
    }
  };
  walk(bootstrap);
  return [...found].sort();
}

/** Ports of every listener (in order) and of the admin interface. */
export function ports(bootstrap: Obj): { listeners: number[]; admin: number } {
  const listeners: number[] = [];
  for (const l of arr(obj(bootstrap.static_resources).listeners)) {
    const p = obj(obj(obj(l).address).socket_address).port_value;
    if (typeof p === "number") listeners.push(p);
  }
  const admin = obj(obj(obj(bootstrap.admin).address).socket_address).port_value;
  return { listeners, admin: typeof admin === "number" ? admin : 9901 };
}

/** Admin and listener must listen on 0.0.0.0 to be reachable through the container's ports. */
export function containerReady(bootstrap: Obj): string[] {
  const problems: string[] = [];
  const admin = obj(obj(obj(bootstrap.admin).address).socket_address).address;
  if (admin !== "0.0.0.0") problems.push(`admin listens on ${String(admin)}, not 0.0.0.0 (render with --container)`);
  for (const l of arr(obj(bootstrap.static_resources).listeners)) {
    const a = obj(obj(obj(l).address).socket_address).address;
    if (a !== "0.0.0.0") problems.push(`listener ${String(obj(l).name)} listens on ${String(a)}, not 0.0.0.0`);
  }
  return problems;
}

/**
 * A copy of `listeners` where the Wasm filter with this root_id has `config` as its plugin
 * configuration (for a live configuration update through LDS).
 */
export function withFilterConfig(listeners: readonly Json[], rootId: string, config: Json): Json[] {
  let found = 0;
  const copy = JSON.parse(JSON.stringify(listeners)) as Json[];
  for (const l of copy) {
    for (const chain of arr(obj(l).filter_chains)) {
      for (const f of arr(obj(chain).filters)) {
        for (const hf of arr(obj(obj(f).typed_config).http_filters)) {
          const cfg = obj(obj(obj(hf).typed_config).config);
          if (cfg.root_id !== rootId) continue;
          cfg.configuration = { "@type": "type.googleapis.com/google.protobuf.StringValue", value: JSON.stringify(config) };
          found++;
        }
      }
    }
  }
  if (found === 0) throw new Error(`no Wasm filter with root_id ${rootId} in the listeners`);
  return copy;
}
