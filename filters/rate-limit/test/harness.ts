// Starts the built rate-limit filter in host-sim and sends requests to it.
import { resolve } from "node:path";
import { Proxy, type Plugin, type RequestResult, type StreamResult } from "../../../host-sim/src/index.js";

export const WASM = resolve(import.meta.dirname, "../../../build/rate-limit.wasm");

export interface Started {
  proxy: Proxy;
  plugin: Plugin;
  send(headers?: Record<string, string>, properties?: Record<string, string | boolean>): RequestResult;
}

/** A proxy with `workers` worker VMs running the filter with `config` (which must be accepted). */
export async function start(config: unknown, workers = 1, logLevel: "info" | "debug" | "warn" = "info"): Promise<Started> {
  const proxy = new Proxy({ workers, logLevel, clusters: ["ratelimit"] });
  const plugin = await proxy.addPlugin({ name: "rate-limit", wasm: WASM, rootId: "rate-limit", config });
  if (!plugin.ok) throw new Error(plugin.error);
  return {
    proxy,
    plugin,
    send: (headers = {}, properties = {}) => proxy.request({
      headers: { ":method": "GET", ":path": "/api/items", ":authority": "shop.example", ...headers },
      properties: { "source.address": "10.0.0.1:40000", ...properties },
    }),
  };
}

/** "allow" when the request reached the upstream, else the local reply's status. */
export function outcome(r: RequestResult): string {
  return r.decision === "continue" ? "allow" : String(r.localResponse?.status ?? r.decision);
}

/** Response headers the client saw whose names start with one of `prefixes`. */
export function headersNamed(r: StreamResult, ...prefixes: string[]): [string, string][] {
  const headers = r.localResponse ? r.localResponse.headers : (r.responseHeaders ?? []);
  return headers.filter(([name]) => prefixes.some((p) => name.startsWith(p)));
}
