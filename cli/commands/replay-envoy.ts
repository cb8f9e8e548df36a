// `sluice replay --envoy`: the same JSON Lines requests, the same output format, served by a local
// Envoy running the chain (cli/local-envoy/chain.ts) instead of host-sim. Real time replaces
// virtual time, so some fields mean something slightly different (cli/README.md, "replay --envoy"):
// at_ms waits in real time, worker is Envoy's choice, the only property that can be given is the
// caller's SPIFFE ID (served over mTLS with a throwaway CA), and logs are the guest lines Envoy
// printed while the request was in flight.
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { SluiceConfig } from "../config.js";
import { adminGet } from "../local-envoy/admin.js";
import { TestCa, type KeyPair } from "../local-envoy/certs.js";
import { parseAccessLog, startEnvoyChain, type AccessLogLine, type EnvoyChain } from "../local-envoy/chain.js";
import { request } from "../local-envoy/client.js";
import { freePort } from "../local-envoy/processes.js";
import { REPLAY_HEADER, startScriptedUpstream, type ScriptedUpstream } from "../local-envoy/scripted-upstream.js";
import { logFilterOf } from "../sluice-bundle.js";
import type { InputLine } from "./replay-input.js";

const IDENTITY = "connection.uri_san_peer_certificate";
const LEVELS: Record<string, string> = { trace: "trace", debug: "debug", info: "info", warning: "warn", error: "error", critical: "critical" };
const ORDER = ["trace", "debug", "info", "warn", "error", "critical"];
/** `[...][<level>][wasm] [...] wasm log <plugin> <root_id> <vm_id>: <message>` */
const WASM_LOG = /\]\[(trace|debug|info|warning|error|critical)\]\[wasm\] \[[^\]]*\] wasm log (\S+) \S+ \S+: (.*)$/;

const pairsOf = (h: Array<[string, string]> | Record<string, string> | undefined): Array<[string, string]> =>
  h === undefined ? [] : Array.isArray(h) ? h.map(([k, v]) => [k.toLowerCase(), v]) : Object.entries(h).map(([k, v]) => [k.toLowerCase(), v]);

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** The guest log lines in Envoy's output from `from` on, at `level` or above. */
export function guestLogs(text: string, level: string): Array<{ level: string; filter: string; message: string }> {
  const min = ORDER.indexOf(level);
  const out: Array<{ level: string; filter: string; message: string }> = [];
  for (const line of text.split("\n")) {
    const m = WASM_LOG.exec(line);
    if (m === null) continue;
    const lvl = LEVELS[m[1]];
    if (ORDER.indexOf(lvl) >= min) out.push({ level: lvl, filter: logFilterOf(m[2], m[3]), message: m[3] });
  }
  return out;
}

/** An input line Envoy cannot serve (reported with its place in the input). */
export class InputError extends Error {}

/** SPIFFE IDs become certificate SANs through an openssl config line: keep them to URI characters. */
function checkIdentity(v: unknown): string {
  if (typeof v !== "string" || !/^[A-Za-z][A-Za-z0-9+.-]*:[A-Za-z0-9/._~%!$&'()*+;=:@-]+$/.test(v) || v.includes(",")) {
    throw new InputError(`properties["${IDENTITY}"] must be a URI (no commas or spaces) to become a client certificate, got ${JSON.stringify(v)}`);
  }
  return v;
}

export interface EnvoyReplayOptions {
  config: SluiceConfig;
  workers: number;
  level: string;
  /** Run the chain as one module (build/sluice.wasm). */
  bundle?: boolean;
  /** Writes one output line (with its newline). */
  emit(line: string): Promise<void>;
  /** Warnings (once each) on stderr. */
  warn(line: string): void;
}

export class EnvoyReplay {
  private readonly dir = mkdtempSync(join(tmpdir(), "sluice-replay-"));
  private ca: TestCa | undefined;
  private readonly identities = new Map<string, KeyPair>();
  private readonly warned = new Set<string>();
  private chain: EnvoyChain | undefined;
  private upstream: ScriptedUpstream | undefined;
  private start = 0;
  private logOffset = 0;
  private accessLines = 0;
  private readonly accessLogPath = join(this.dir, "access.log");

  constructor(private readonly o: EnvoyReplayOptions) {}

  async open(): Promise<void> {
    if (this.o.config.tls !== undefined) {
      this.o.warn("replay --envoy: the tls section is not used: the local Envoy listens in plaintext, and with mTLS (a throwaway CA) for lines that give an identity");
    }
    this.upstream = await startScriptedUpstream();
    // the rate limit service is not served here (as in host-sim replay): its cluster points at a closed port
    const rls = (this.o.config.filters.find((f) => f.id === "rate-limit")?.config as { rls?: { cluster?: unknown } } | undefined)?.rls?.cluster;
    const ports = new Map<string, number>();
    for (const name of Object.keys(this.o.config.upstreams)) ports.set(name, name === rls ? await freePort() : this.upstream.port);
    try {
      this.ca = TestCa.create();
    } catch {
      this.ca = undefined; // no openssl: lines with an identity are refused when they come
    }
    const server = this.ca?.issue({ name: "server", dnsNames: ["localhost"], ips: ["127.0.0.1"], usages: ["serverAuth"] });
    this.chain = await startEnvoyChain({
      config: this.o.config,
      upstreamPorts: ports,
      accessLogPath: this.accessLogPath,
      workers: this.o.workers,
      bundle: this.o.bundle ?? false,
      ...(this.ca !== undefined && server !== undefined ? { mtls: { ca: this.ca.certPath, cert: server.certPath, key: server.keyPath } } : {}),
    });
    this.start = Date.now();
  }

  private warnOnce(key: string, line: string): void {
    if (this.warned.has(key)) return;
    this.warned.add(key);
    this.o.warn(line);
  }

  private identity(uri: string): KeyPair {
    if (this.ca === undefined) throw new InputError(`properties["${IDENTITY}"] needs openssl (a client certificate is made for it)`);
    let pair = this.identities.get(uri);
    if (pair === undefined) {
      pair = this.ca.issue({ name: `caller-${this.identities.size}`, uris: [uri], usages: ["clientAuth"] });
      this.identities.set(uri, pair);
    }
    return pair;
  }

  /** Waits (bounded) for the access log line of request `index`. */
  private async accessLine(index: number): Promise<AccessLogLine | undefined> {
    const deadline = Date.now() + 5_000;
    for (;;) {
      let text = "";
      try {
        text = readFileSync(this.accessLogPath, "utf8");
      } catch {
        text = "";
      }
      const lines = text.split("\n").filter((l) => l.trim() !== "");
      for (let i = this.accessLines; i < lines.length; i++) {
        const parsed = parseAccessLog(lines[i]);
        if (parsed.index === String(index)) {
          this.accessLines = i + 1;
          return parsed;
        }
      }
      if (Date.now() > deadline) return undefined;
      await sleep(20);
    }
  }

  async replay(index: number, line: InputLine): Promise<void> {
    const chain = this.chain!;
    const upstream = this.upstream!;
    if (line.worker !== undefined) this.warnOnce("worker", "replay --envoy: \"worker\" is ignored: Envoy gives each connection to a worker itself");
    if (line.request?.trailers !== undefined) this.warnOnce("trailers", "replay --envoy: request trailers are not sent (HTTP/1.1 to Envoy)");
    if (line.response?.trailers !== undefined) this.warnOnce("rtrailers", "replay --envoy: response trailers are not sent (HTTP/1.1 from the upstream)");
    let uri: string | undefined;
    for (const [k, v] of Object.entries(line.properties ?? {})) {
      if (k === IDENTITY) uri = checkIdentity(v);
      else this.warnOnce(`p:${k}`, `replay --envoy: properties["${k}"] is ignored: Envoy takes it from the real connection`);
    }
    if (line.at_ms !== undefined) {
      const wait = this.start + line.at_ms - Date.now();
      if (wait > 0) await sleep(wait);
    }
    const headers = pairsOf(line.request?.headers);
    const pseudo = (name: string): string | undefined => headers.find(([k]) => k === name)?.[1];
    const method = pseudo(":method") ?? "GET";
    const path = pseudo(":path") ?? "/";
    const authority = pseudo(":authority");
    const plain = headers.filter(([k]) => !k.startsWith(":"));
    if (authority !== undefined && !plain.some(([k]) => k === "host")) plain.unshift(["host", authority]);
    plain.push([REPLAY_HEADER, String(index)]);
    const response = line.response ?? {};
    const responseHeaders = pairsOf(response.headers);
    const status = Number(responseHeaders.find(([k]) => k === ":status")?.[1] ?? "200");
    upstream.script(index, { status: Number.isInteger(status) ? status : 200, headers: responseHeaders, body: response.body ?? "", latencyMs: response.latency_ms ?? 0 });
    const tls = uri === undefined ? undefined : this.identity(uri);
    const base = tls === undefined ? chain.url : chain.mtlsUrl!;
    const res = await request(`${base}${path}`, {
      method,
      headers: plain,
      ...(line.request?.body !== undefined ? { body: line.request.body } : {}),
      ...(tls !== undefined ? { tls: { ca: this.ca!.cert, cert: tls.cert, key: tls.key, servername: "localhost" } } : {}),
      timeoutMs: 60_000 + (response.latency_ms ?? 0),
    });
    const access = await this.accessLine(index);
    await sleep(20); // guest lines of on_log/on_done reach Envoy's output just after the response
    const text = chain.envoy.logs.text();
    const logs = guestLogs(text.slice(this.logOffset), this.o.level);
    this.logOffset = text.length;
    const seen = upstream.seen(index);
    const details = access?.details ?? "";
    const reached = details === "via_upstream";
    await this.o.emit(
      `${JSON.stringify({
        index,
        decision: reached ? "continue" : "local_response",
        status: res.status,
        details: reached ? null : details === "" ? null : details,
        request_headers:
          reached && seen !== undefined
            ? [[":method", seen.method], [":path", seen.url], [":authority", seen.headers.find(([k]) => k === "host")?.[1] ?? ""], ...seen.headers.filter(([k]) => k !== "host")]
            : null,
        response_headers: [[":status", String(res.status)], ...res.rawHeaders],
        body: res.body,
        logs,
      })}\n`,
    );
  }

  /** The metrics line: every sluice metric after the filters' 1 s tick has flushed them. */
  async metrics(): Promise<void> {
    await sleep(1_500);
    const res = await adminGet(`${this.chain!.envoy.adminUrl}/stats?filter=${encodeURIComponent("^(wasmcustom\\.)?sluice\\.")}`);
    const all: Record<string, number> = {};
    for (const m of res.body.matchAll(/^(?:wasmcustom\.)?(sluice\.\S+): (-?\d+)$/gm)) all[m[1]] = Number(m[2]);
    await this.o.emit(`${JSON.stringify({ metrics: Object.fromEntries(Object.keys(all).sort().map((k) => [k, all[k]])) })}\n`);
  }

  async close(): Promise<void> {
    await this.chain?.envoy.stop();
    await this.upstream?.stop();
    this.ca?.dispose();
    rmSync(this.dir, { recursive: true, force: true });
  }
}
