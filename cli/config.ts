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
//
// Every problem of the file is reported, each as `<file>:<line>:<column>: <path>: <what>`. The
// filter configs are kept as the JSON text the filters receive (`configText`), with the place in
// the file of each value, so that `sluice validate` can point at the line of any filter error.
import { existsSync, readFileSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { isAlias, isMap, isScalar, isSeq, LineCounter, parseDocument, type Document, type Node } from "yaml";
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
  /** The config as the filter receives it: JSON, numbers as written. */
  configText: Uint8Array;
  /** `<file>:<line>:<column>` of the value at byte `offset` of configText. */
  where(offset: number): string;
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

/** A YAML (or JSON) file as parsed, with the line of every node. */
export interface SourceDocument {
  file: string;
  doc: Document;
  lines: LineCounter;
}

/** `<file>:<line>:<column>` of byte... of character `offset` of the source text. */
export function whereIn(src: SourceDocument, offset: number): string {
  const { line, col } = src.lines.linePos(offset);
  return `${src.file}:${line}:${col}`;
}

/** Reads a YAML or JSON file; a missing file, invalid UTF-8 or bad syntax is a CliError naming
 *  every problem with its line and column. */
export function readSource(file: string): SourceDocument {
  return parseText(file, readText(file));
}

/** The text of a file; a missing or unreadable file, or invalid UTF-8, is a one-line CliError. */
export function readText(file: string): string {
  if (!existsSync(file)) throw new CliError(`${file}: no such file`);
  let bytes: Buffer;
  try {
    bytes = readFileSync(file);
  } catch (e) {
    throw new CliError(`${file}: cannot read: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
  return decodeUtf8(file, bytes);
}

/** The text of a file's bytes; invalid UTF-8 is a CliError at its line and column. */
export function decodeUtf8(file: string, bytes: Uint8Array): string {
  try {
    return new TextDecoder("utf-8", { fatal: true }).decode(bytes);
  } catch {
    const bad = firstBadUtf8(bytes);
    let line = 1;
    let column = 1;
    for (let i = 0; i < bad; i++) {
      if (bytes[i] === 0x0a) { line++; column = 1; } else if ((bytes[i]! & 0xc0) !== 0x80) column++;
    }
    throw new CliError(`${file}:${line}:${column}: not UTF-8: byte 0x${bytes[bad]!.toString(16).padStart(2, "0")}`);
  }
}

function firstBadUtf8(bytes: Uint8Array): number {
  const decoder = new TextDecoder("utf-8", { fatal: true });
  let low = 0;
  let high = bytes.length;
  // the longest valid prefix, then the first byte after it
  while (low < high) {
    const mid = (low + high + 1) >> 1;
    try {
      decoder.decode(bytes.subarray(0, mid), { stream: true });
      low = mid;
    } catch {
      high = mid - 1;
    }
  }
  return Math.min(low, bytes.length - 1);
}

export function parseText(file: string, text: string): SourceDocument {
  const lines = new LineCounter();
  const doc = parseDocument(text, { uniqueKeys: true, prettyErrors: false, lineCounter: lines, keepSourceTokens: true });
  const src = { file, doc, lines };
  if (doc.errors.length > 0) {
    throw new CliError(doc.errors.map((e) => {
      const message = /Maximum call stack/.test(e.message) ? "nesting too deep" : e.message.split("\n")[0];
      return `${whereIn(src, Math.min(e.pos[0], text.length))}: not valid YAML or JSON: ${message}`;
    }).join("\n"));
  }
  return src;
}

/** Reads a YAML or JSON file into plain data (a filter config for replay). */
export function readDocument(file: string): unknown {
  return readSource(file).doc.toJS({ maxAliasCount: 100 });
}

const isObject = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === "object" && !Array.isArray(v);

export function isSluiceConfig(doc: unknown): boolean {
  return isObject(doc) && Array.isArray(doc.filters);
}

/** Loads and checks sluice.yaml itself; commands that run or render it check the filter configs
 *  too (commands/validate.ts, loadCheckedConfig). */
export function loadConfig(file: string): SluiceConfig {
  return toConfig(file, readSource(file));
}

/** A node's value: aliases resolved. */
function deref(node: unknown, doc: Document): unknown {
  return isAlias(node) ? node.resolve(doc) : node;
}

/** The YAML node at `path` (keys and indexes) under `node`, or undefined. */
function nodeAt(doc: Document, path: (string | number)[]): Node | undefined {
  let node: unknown = doc.contents;
  for (const step of path) {
    node = deref(node, doc);
    if (isMap(node)) node = node.items.find((p) => isScalar(p.key) && String(p.key.value) === String(step))?.value;
    else if (isSeq(node)) node = node.items[step as number];
    else return undefined;
  }
  return deref(node, doc) as Node | undefined;
}

/** The key node of the last step of `path`, or undefined. */
function keyAt(doc: Document, path: (string | number)[]): Node | undefined {
  const parent = nodeAt(doc, path.slice(0, -1));
  if (!isMap(parent)) return undefined;
  return parent.items.find((p) => isScalar(p.key) && String(p.key.value) === String(path[path.length - 1]))?.key as Node | undefined;
}

/** Builds the SluiceConfig of `source` (a SourceDocument, or plain data without positions);
 *  every problem is reported at once. */
export function toConfig(file: string, source: SourceDocument | unknown): SluiceConfig {
  const src: SourceDocument | undefined = isSourceDocument(source) ? source : undefined;
  const doc = src ? src.doc.toJS({ maxAliasCount: 100 }) : source;
  const problems: string[] = [];
  /** `<where>: <path>: <what>`; `key`: point at the key rather than the value. */
  const bad = (path: (string | number)[], what: string, key = false): void => {
    const text = path.length === 0 ? "$" : path.reduce<string>((s, p) => (typeof p === "number" ? `${s}[${p}]` : s === "" ? p : `${s}.${p}`), "");
    let where = file;
    if (src) {
      let node = key ? keyAt(src.doc, path) : nodeAt(src.doc, path);
      for (let up = path.length - 1; node?.range == null && up >= 0; up--) node = nodeAt(src.doc, path.slice(0, up));
      where = whereIn(src, node?.range?.[0] ?? 0);
    }
    problems.push(`${where}: ${text}: ${what}`);
  };
  if (!isObject(doc)) {
    bad([], "must be a mapping with a \"filters\" list");
    throw new CliError(problems.join("\n"));
  }
  const d = doc;
  for (const key of Object.keys(d)) if (!TOP_KEYS.includes(key)) bad([key], `unknown key (known: ${TOP_KEYS.join(", ")})`, true);
  const str = (v: unknown, path: (string | number)[], fallback: string): string => {
    if (v === undefined) return fallback;
    if (typeof v !== "string" || v === "") {
      bad(path, "must be a non-empty string");
      return fallback;
    }
    return v;
  };
  const selector: Record<string, string> = {};
  if (d.selector !== undefined) {
    if (!isObject(d.selector)) bad(["selector"], "must be a mapping of label: value");
    else {
      for (const [k, v] of Object.entries(d.selector)) {
        if (typeof v !== "string" && typeof v !== "number") bad(["selector", k], "must be a string");
        selector[k] = String(v);
      }
    }
  }
  const upstreams: Record<string, Upstream> = {};
  if (d.upstreams !== undefined) {
    if (!isObject(d.upstreams)) bad(["upstreams"], "must be a mapping of name: {address, port}");
    else {
      for (const [name, u] of Object.entries(d.upstreams)) {
        const at = ["upstreams", name];
        if (!/^[A-Za-z0-9][A-Za-z0-9._-]*$/.test(name)) bad(at, "name must be letters, digits, \".\", \"_\" and \"-\"", true);
        if (!isObject(u)) {
          bad(at, "must be a mapping with address and port");
          continue;
        }
        const { address, port, http2, ...rest } = u;
        for (const k of Object.keys(rest)) bad([...at, k], "unknown key (known: address, port, http2)", true);
        if (typeof address !== "string" || address === "") bad([...at, "address"], "must be a non-empty string");
        if (!isPort(port)) bad([...at, "port"], "must be an integer from 1 to 65535");
        if (http2 !== undefined && typeof http2 !== "boolean") bad([...at, "http2"], "must be true or false");
        upstreams[name] = { address: address as string, port: port as number, ...(http2 === true ? { http2: true } : {}) };
      }
    }
  }
  if (Object.keys(upstreams).length === 0) upstreams.app = { address: "127.0.0.1", port: 8080 };
  const defaultUpstream = str(d.default_upstream, ["default_upstream"], Object.keys(upstreams)[0]!);
  if (!upstreams[defaultUpstream]) bad(["default_upstream"], `must name one of upstreams (${Object.keys(upstreams).join(", ")})`);
  /** The Istio settings of a filter entry; the first problem found is reported (the checks of
   *  cli/deployment.ts stop at it). */
  const deployment = (f: Record<string, unknown>, at: string): Deployment => {
    const stop = new Error("deployment");
    try {
      return deploymentOf(f, at, (path, what) => {
        bad(pathSteps(path), what);
        throw stop;
      });
    } catch (e) {
      if (e !== stop) throw e;
      return {};
    }
  };
  const base = dirname(resolve(file));
  const seen = new Set<string>();
  const filters: FilterEntry[] = [];
  if (!Array.isArray(d.filters)) bad(["filters"], "is required: a list of {id, config}");
  else {
    (d.filters as unknown[]).forEach((f, i) => {
      const at = ["filters", i];
      if (!isObject(f)) {
        bad(at, "must be a mapping with id and config");
        return;
      }
      for (const key of Object.keys(f)) if (!FILTER_KEYS.includes(key)) bad([...at, key], `unknown key (known: ${FILTER_KEYS.join(", ")})`, true);
      if (typeof f.id !== "string") {
        bad([...at, "id"], `is required: one of ${FILTER_IDS.join(", ")}`);
        return;
      }
      const id = f.id;
      if (!isFilterId(id)) {
        bad([...at, "id"], `unknown filter "${id}" (known: ${FILTER_IDS.join(", ")})`);
        return;
      }
      if (seen.has(id)) bad([...at, "id"], `filter "${id}" is listed twice`);
      seen.add(id);
      if (!isObject(f.config)) {
        bad([...at, "config"], "is required: the filter's plugin config (a mapping)");
        return;
      }
      if (f.phase !== undefined && !(PHASES as readonly unknown[]).includes(f.phase)) bad([...at, "phase"], `must be one of ${PHASES.join(", ")}`);
      if (f.priority !== undefined && !Number.isInteger(f.priority)) bad([...at, "priority"], "must be an integer");
      if (f.fail_strategy !== undefined && !(FAIL_STRATEGIES as readonly unknown[]).includes(f.fail_strategy)) {
        bad([...at, "fail_strategy"], `must be one of ${FAIL_STRATEGIES.join(", ")}`);
      }
      const text = configJson(src, f.config, [...at, "config"]);
      const entry: FilterEntry = {
        id,
        config: f.config,
        configText: text.bytes,
        where: (offset) => (src ? whereIn(src, text.sourceOffset(offset)) : file),
        vm_id: str(f.vm_id, [...at, "vm_id"], id),
        fail_strategy: (f.fail_strategy as FilterEntry["fail_strategy"]) ?? "FAIL_CLOSE",
        wasm: f.wasm === undefined ? filterWasm(id) : resolve(base, str(f.wasm, [...at, "wasm"], "")),
        deploy: deployment(f, `filters[${i}]`),
      };
      if (f.phase !== undefined) entry.phase = f.phase as FilterEntry["phase"];
      if (f.priority !== undefined) entry.priority = f.priority as number;
      if (f.image !== undefined) entry.image = str(f.image, [...at, "image"], "");
      filters.push(entry);
    });
    if ((d.filters as unknown[]).length === 0) bad(["filters"], "must list at least one filter");
  }
  let tls: Tls | undefined;
  if (d.tls !== undefined) {
    if (!isObject(d.tls)) bad(["tls"], `must be a mapping (known keys: ${TLS_KEYS.join(", ")})`);
    else {
      const t = d.tls;
      for (const key of Object.keys(t)) if (!TLS_KEYS.includes(key)) bad(["tls", key], `unknown key (known: ${TLS_KEYS.join(", ")})`, true);
      if (t.cert === undefined) bad(["tls", "cert"], "is required: the server certificate chain file (PEM)");
      if (t.key === undefined) bad(["tls", "key"], "is required: the server private key file (PEM)");
      if (t.require_client_certificate !== undefined && typeof t.require_client_certificate !== "boolean") {
        bad(["tls", "require_client_certificate"], "must be true or false");
      }
      const fcc = t.forward_client_cert_details ?? "SANITIZE";
      if (!(FORWARD_CLIENT_CERT as readonly unknown[]).includes(fcc)) bad(["tls", "forward_client_cert_details"], `must be one of ${FORWARD_CLIENT_CERT.join(", ")}`);
      if (t.plaintext_port !== undefined && !isPort(t.plaintext_port)) bad(["tls", "plaintext_port"], "must be an integer from 1 to 65535");
      if (t.plaintext_port === 10000) bad(["tls", "plaintext_port"], "must not be 10000 (the TLS listener's port)");
      tls = {
        cert: str(t.cert, ["tls", "cert"], ""),
        key: str(t.key, ["tls", "key"], ""),
        require_client_certificate: t.require_client_certificate === true,
        forward_client_cert_details: fcc as Tls["forward_client_cert_details"],
      };
      if (t.ca !== undefined) tls.ca = str(t.ca, ["tls", "ca"], "");
      if (tls.require_client_certificate && tls.ca === undefined) bad(["tls", "ca"], "is required with require_client_certificate: the CA bundle that verifies client certificates");
      if (t.plaintext_port !== undefined) tls.plaintext_port = t.plaintext_port as number;
    }
  }
  if (problems.length > 0) throw new CliError(problems.join("\n"));
  const config: SluiceConfig = {
    file,
    namespace: str(d.namespace, ["namespace"], "default"),
    selector,
    registry: str(d.registry, ["registry"], "ghcr.io/sluice"),
    upstreams,
    default_upstream: defaultUpstream,
    filters,
  };
  if (d.service !== undefined) config.service = str(d.service, ["service"], "");
  if (tls !== undefined) config.tls = tls;
  return config;
}

function isSourceDocument(v: unknown): v is SourceDocument {
  return isObject(v) && "doc" in v && "lines" in v && "file" in v;
}

/** `filters[0].match[1].ports` as path steps: ["filters", 0, "match", 1, "ports"]. */
function pathSteps(path: string): (string | number)[] {
  return [...path.matchAll(/([^.[\]]+)|\[(\d+)\]/g)].map((m) => (m[2] !== undefined ? Number(m[2]) : m[1]!));
}

const isPort = (v: unknown): boolean => Number.isInteger(v) && (v as number) >= 1 && (v as number) <= 65535;

/** JSON text of a value, with the source offset of each value it holds. */
export interface ConfigJson {
  bytes: Uint8Array;
  /** The source offset of the value whose JSON starts at or before byte `offset`. */
  sourceOffset(offset: number): number;
}

const JSON_NUMBER = /^-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][-+]?[0-9]+)?$/;

/** The filter config at `path` as the JSON text the filter gets: YAML scalars as JSON, numbers
 *  as written (`1e400` stays `1e400`), aliases expanded. Without a source, JSON.stringify. */
export function configJson(src: SourceDocument | undefined, plain: unknown, path: (string | number)[]): ConfigJson {
  if (src === undefined) {
    const bytes = Buffer.from(JSON.stringify(plain), "utf8");
    return { bytes, sourceOffset: () => 0 };
  }
  const pieces: string[] = [];
  const starts: number[] = [];
  const sources: number[] = [];
  let length = 0;
  const put = (s: string) => {
    pieces.push(s);
    length += Buffer.byteLength(s, "utf8");
  };
  const mark = (node: unknown) => {
    const range = (node as Node | undefined)?.range;
    if (range) {
      starts.push(length);
      sources.push(range[0]);
    }
  };
  let aliases = 0;
  const emit = (raw: unknown): void => {
    let node = raw;
    if (isAlias(node)) {
      if (++aliases > 100) throw new CliError(`${whereIn(src, (node as Node).range?.[0] ?? 0)}: too many aliases`);
      node = node.resolve(src.doc);
    }
    mark(node);
    if (isMap(node)) {
      put("{");
      node.items.forEach((pair, i) => {
        if (i > 0) put(",");
        const key = deref(pair.key, src.doc);
        mark(key);
        put(JSON.stringify(isScalar(key) ? String(key.value) : String(key)));
        put(":");
        emit(pair.value);
      });
      put("}");
    } else if (isSeq(node)) {
      put("[");
      node.items.forEach((item, i) => {
        if (i > 0) put(",");
        emit(item);
      });
      put("]");
    } else if (isScalar(node)) {
      const v = node.value;
      if (typeof v === "number") {
        const written = typeof node.source === "string" ? node.source : String(v);
        put(JSON_NUMBER.test(written) ? written : Number.isFinite(v) ? String(v) : JSON.stringify(written));
      } else if (typeof v === "bigint") {
        put(String(v));
      } else {
        put(v === undefined ? "null" : JSON.stringify(v));
      }
    } else {
      put("null");
    }
  };
  emit(nodeAt(src.doc, path));
  const bytes = Buffer.from(pieces.join(""), "utf8");
  return {
    bytes,
    sourceOffset(offset: number): number {
      let best = sources[0] ?? 0;
      for (let i = 0; i < starts.length && starts[i]! <= offset; i++) best = sources[i]!;
      return best;
    },
  };
}

/** The OCI image of a filter: its `image`, else `oci://<registry>/<id>:<the Sluice version>`. */
export function imageOf(c: SluiceConfig, f: FilterEntry): string {
  const image = f.image ?? `${c.registry}/${f.id}:${sluiceVersion()}`;
  return image.includes("://") ? image : `oci://${image}`;
}
