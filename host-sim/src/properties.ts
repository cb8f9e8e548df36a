// Envoy's attribute catalogue (fact sheet §5.2–§5.4): path navigation and value encodings.

import { f64Bytes, fromText, serializePairs, stringBytes, u64Bytes } from "./codec.js";
import { pluginOf, type Context } from "./context.js";
import type { HeaderMap } from "./headers.js";
import { Result } from "./abi/spec.js";
import { asciiLower } from "./abi/util.js";

/** A property supplied by a test: strings raw (UTF-8), numbers int64 (or double if fractional), bigint uint64, booleans 1 byte, bytes raw. */
export type PropertyValue = string | number | bigint | boolean | Uint8Array;
/** Keyed by dotted path, e.g. `"source.address"`, `"connection.mtls"`, `"xds.cluster_name"`. */
export type PropertyInput = Record<string, PropertyValue>;

export type Lookup = { code: number } | { bytes: Uint8Array };

const NOT_FOUND: Lookup = { code: Result.NotFound };
const NOT_SERIALIZABLE: Lookup = { code: Result.SerializationFailure };
/** CEL activation names whose whole value cannot be serialized (no key listing). */
const WRAPPERS = new Set(["request", "response", "connection", "upstream", "source", "destination", "xds", "filter_state", "upstream_filter_state"]);

export function encodeProperty(v: PropertyValue): Uint8Array {
  if (typeof v === "string") return stringBytes(fromText(v));
  if (typeof v === "boolean") return new Uint8Array([v ? 1 : 0]);
  if (typeof v === "bigint") return u64Bytes(v);
  if (typeof v === "number") return Number.isInteger(v) ? u64Bytes(BigInt(v)) : f64Bytes(v);
  return v;
}

const str = (s: string | undefined): Lookup => (s === undefined ? NOT_FOUND : { bytes: stringBytes(s) });
const int = (n: number | bigint | undefined): Lookup => (n === undefined ? NOT_FOUND : { bytes: u64Bytes(BigInt(n)) });

/** CEL header map: lowercase keys, first-appearance order, duplicate values comma-joined. */
function headerMapValue(m: HeaderMap | null, name: string | undefined): Lookup {
  if (!m) return NOT_FOUND;
  if (name !== undefined) return str(m.joined(asciiLower(name)));
  const keys = [...new Set(m.entries.map(([k]) => k))];
  return { bytes: keys.length ? serializePairs(keys.map((k) => [k, m.joined(k)!])) : new Uint8Array(0) };
}

function portOf(address: string): number | undefined {
  const m = /:(\d+)$/.exec(address);
  return m ? Number(m[1]) : undefined;
}

/** Resolves a NUL-separated property path for the acting context. */
export function getProperty(ctx: Context, path: string): Lookup {
  const segs = path.split("\0");
  if (segs.length > 1 && segs[segs.length - 1] === "") segs.pop();
  const top = segs[0];
  const plugin = pluginOf(ctx);
  const proxy = ctx.kind === "vm" ? undefined : ctx.vm.proxy;
  const stream = ctx.kind === "http" ? ctx.fs.stream : undefined;
  const dotted = segs.join(".");
  const supplied = stream?.props[dotted] ?? proxy?.defaultProperties[dotted];
  if (supplied !== undefined) return { bytes: encodeProperty(supplied) };

  if (plugin && segs.length === 1) {
    if (top === "plugin_name") return str(fromText(plugin.name));
    if (top === "plugin_root_id") return str(fromText(plugin.rootId));
    if (top === "plugin_vm_id") return str(fromText(plugin.vmId));
  }
  if (ctx.kind !== "http" || !stream) return NOT_FOUND;
  const fs = ctx.fs;
  if (segs.length === 1) {
    if (WRAPPERS.has(top)) return NOT_SERIALIZABLE;
    if (top === "metadata") return { bytes: new Uint8Array(0) };
    if (top === "connection_id") return int(stream.connectionId);
    const state = stream.filterState.get(`wasm.${top}`);
    return state ? { bytes: state } : NOT_FOUND;
  }
  const [, field, sub] = segs;
  if (segs.length > 3 || (segs.length === 3 && field !== "headers" && field !== "trailers")) return NOT_FOUND;
  switch (top) {
    case "request": {
      const h = fs.propertyHeaders(0);
      const path = h?.get(":path");
      switch (field) {
        case "path":
          return str(path);
        case "url_path":
          return path === undefined ? NOT_FOUND : str(path.split("?")[0]);
        case "query": {
          if (path === undefined) return NOT_FOUND;
          const q = path.indexOf("?");
          return str(q < 0 ? "" : path.slice(q + 1).split("#")[0]);
        }
        case "method":
          return str(h?.get(":method"));
        case "host":
          return str(h?.get(":authority"));
        case "scheme":
          return str(h?.get(":scheme"));
        case "id":
          return str(h?.get("x-request-id"));
        case "referer":
          return str(h?.get("referer"));
        case "useragent":
          return str(h?.get("user-agent"));
        case "headers":
          return headerMapValue(h, sub);
        case "protocol":
          return str("HTTP/1.1");
        case "time":
          return int(BigInt(stream.startMs) * 1_000_000n);
        case "duration":
          return stream.endMs === undefined ? NOT_FOUND : int(BigInt(stream.endMs - stream.startMs) * 1_000_000n);
        case "size":
        case "total_size":
          return int(stream.requestBytes);
      }
      return NOT_FOUND;
    }
    case "response": {
      switch (field) {
        case "code":
          return int(stream.responseCode);
        case "code_details":
          return str(stream.codeDetails);
        case "flags":
          return int(0);
        case "grpc_status": {
          const g = stream.resp.trailers?.get("grpc-status") ?? stream.resp.headers?.get("grpc-status");
          return g === undefined ? NOT_FOUND : int(Number(g));
        }
        case "headers":
          return headerMapValue(fs.propertyHeaders(2), sub);
        case "trailers":
          return headerMapValue(fs.inLog ? stream.resp.trailers : null, sub);
        case "size":
        case "total_size":
          return int(stream.responseBytes);
      }
      return NOT_FOUND;
    }
    case "source":
    case "destination": {
      const address = (stream.props[`${top}.address`] as string | undefined) ?? (top === "source" ? "127.0.0.1:40000" : "127.0.0.1:8080");
      if (field === "address") return str(fromText(address));
      if (field === "port") return int(portOf(address));
      return NOT_FOUND;
    }
    case "connection":
      if (field === "id") return int(stream.connectionId);
      if (field === "mtls") return { bytes: new Uint8Array([0]) };
      return NOT_FOUND;
    case "filter_state": {
      const state = stream.filterState.get(field);
      return state ? { bytes: state } : NOT_FOUND;
    }
  }
  return NOT_FOUND;
}
