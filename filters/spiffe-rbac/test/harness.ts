// Runs build/spiffe-rbac.wasm in host-sim: one plugin per test, requests described briefly.
import { resolve } from "node:path";
import { Proxy, type Plugin, type RequestResult } from "../../../host-sim/src/index.js";

export const WASM = resolve(import.meta.dirname, "../../../build/spiffe-rbac.wasm");

export interface Loaded {
  proxy: Proxy;
  plugin: Plugin;
}

/** A proxy with the filter loaded with `config` (check `plugin.ok`). */
export async function load(config: unknown, opts: { workers?: number; logLevel?: "trace" | "debug" | "info" | "warn" } = {}): Promise<Loaded> {
  const proxy = new Proxy({ workers: opts.workers ?? 1, logLevel: opts.logLevel ?? "info" });
  const plugin = await proxy.addPlugin({ name: "spiffe-rbac", wasm: WASM, rootId: "spiffe-rbac", config });
  return { proxy, plugin };
}

/** A proxy with the filter loaded; throws when the configuration is rejected. */
export async function start(config: unknown, opts: { workers?: number; logLevel?: "trace" | "debug" | "info" | "warn" } = {}): Promise<Proxy> {
  const { proxy, plugin } = await load(config, opts);
  if (!plugin.ok) throw new Error(`${plugin.error}: ${plugin.logs("critical").join("; ")}`);
  return proxy;
}

export interface Call {
  /** The peer's URI SAN (connection.uri_san_peer_certificate); absent = plaintext. */
  peer?: string;
  method?: string;
  path?: string;
  host?: string;
  port?: number;
  headers?: Record<string, string>;
}

export function send(proxy: Proxy, call: Call): RequestResult {
  const properties: Record<string, unknown> = {};
  if (call.peer !== undefined) {
    properties["connection.uri_san_peer_certificate"] = call.peer;
    properties["connection.mtls"] = true;
  }
  if (call.port !== undefined) properties["destination.port"] = call.port;
  return proxy.request({
    headers: {
      ":method": call.method ?? "GET",
      ":path": call.path ?? "/",
      ":authority": call.host ?? "svc.example",
      ":scheme": "https",
      ...call.headers,
    },
    properties: properties as never,
    response: { headers: { ":status": "200" } },
  });
}

/** 200 when the request reached the upstream, else the local reply's status. */
export function status(result: RequestResult): number {
  return result.decision === "continue" ? 200 : result.localResponse?.status ?? 0;
}

/** The x-sluice-rbac header of the local reply (undefined when none). */
export function decisionHeader(result: RequestResult): string | undefined {
  const headers = result.localResponse?.headers ?? [];
  const found = (headers as [string, string][]).find(([name]) => name === "x-sluice-rbac");
  return found?.[1];
}
