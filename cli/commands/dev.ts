import { readFileSync } from "node:fs";
import { createServer, request as httpRequest, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo, Socket } from "node:net";
import { resolve } from "node:path";
import type { Proxy, StreamResult } from "../../host-sim/src/index.js";
import { flag, int, parseArgs, str } from "../args.js";
import type { Command } from "../command.js";
import { parseText, toConfig, type SluiceConfig } from "../config.js";
import { CliError } from "../errors.js";
import { repoRoot } from "../paths.js";
import { chainOf, startChain } from "../sim.js";
import { readBody, startEcho } from "../dev-echo.js";
import { startDevEnvoy } from "./dev-envoy.js";
import { loadCheckedConfig } from "./validate.js";

declare const __SLUICE_EXAMPLE__: string | undefined;

const IDENTITY_HEADER = "x-sluice-dev-identity";
const HOP_BY_HOP = new Set(["connection", "keep-alive", "proxy-connection", "transfer-encoding", "upgrade", "te", "trailer", "host", "content-length"]);
const UPSTREAM_TIMEOUT_MS = 30_000;

const HELP = `Usage: sluice dev [--config sluice.yaml] [--listen 127.0.0.1:10000] [--upstream URL]
                  [--identity spiffe://...] [--trust-identity-header] [--workers N] [--envoy]

A local HTTP/1.1 proxy that runs the filter chain of a sluice.yaml in host-sim on real requests
and forwards the allowed ones to the upstream. Without --config it runs examples/sluice.yaml
(embedded). Without --upstream it starts a built-in echo upstream that answers with the request
it saw as JSON ({method, path, headers, body}); a request header "x-echo-status: 503" makes it
answer that status, "x-echo-delay-ms: 300" makes it answer that much later (at most 10000).

Requests get properties from the real connection (source.address, destination.address). The
caller's SPIFFE identity (connection.uri_san_peer_certificate) is --identity, or, only with
--trust-identity-header, the request header ${IDENTITY_HEADER} (always removed before the chain).

SIGINT or SIGTERM stops it: "sluice dev: stopped (SIGTERM)" and exit status 0.

One access-log line per request on stdout:
  <method> <path> <status> <decision> colour=<colour|-> <ms>ms
Malformed HTTP gets 400, an unreachable upstream 502, a filter trap 503 (and a log line).

Options:
  --config <file>            sluice.yaml (default: the embedded example)
  --listen <host:port>       where to listen (default 127.0.0.1:10000; port 0 picks one)
  --upstream <url>           http://host:port[/prefix] to forward to (default: built-in echo)
  --identity <spiffe id>     the caller identity for every request
  --trust-identity-header    take the identity from the ${IDENTITY_HEADER} request header
  --workers N                worker VMs (default 1)
  --envoy                    serve with a local Envoy (ENVOY_BIN or envoy on PATH) running the chain
                             instead of host-sim, on 127.0.0.1; with --identity Envoy also listens
                             with mTLS and a client certificate for that identity is made (the line
                             printed at start gives the curl command); --trust-identity-header has
                             no Envoy form
`;

function exampleConfig(): SluiceConfig {
  if (typeof __SLUICE_EXAMPLE__ === "string") return toConfig("examples/sluice.yaml (embedded)", parseText("examples/sluice.yaml (embedded)", __SLUICE_EXAMPLE__));
  const file = resolve(repoRoot(), "examples/sluice.yaml");
  return toConfig(file, parseText(file, readFileSync(file, "utf8")));
}

function parseListen(v: string): { host: string; port: number } {
  const m = /^(?:\[([^\]]+)\]|([^:]*)):(\d+)$/.exec(v) ?? /^()()(\d+)$/.exec(v);
  if (!m || Number(m[3]) > 65535) throw new CliError(`dev: --listen must be host:port, got ${JSON.stringify(v)}`);
  return { host: m[1] || m[2] || "127.0.0.1", port: Number(m[3]) };
}

function parseUpstream(v: string): URL {
  let url: URL;
  try {
    url = new URL(v);
  } catch {
    throw new CliError(`dev: --upstream must be an http:// URL, got ${JSON.stringify(v)}`);
  }
  if (url.protocol !== "http:") throw new CliError(`dev: --upstream must be an http:// URL, got ${JSON.stringify(v)}`);
  return url;
}

const plainAddress = (a: string | undefined) => (a ?? "").replace(/^::ffff:/, "");
const hostPort = (a: string | undefined, p: number | undefined) => {
  const addr = plainAddress(a);
  return addr.includes(":") ? `[${addr}]:${p}` : `${addr}:${p}`;
};

interface UpstreamAnswer {
  status: number;
  headers: [string, string][];
  body: Buffer;
}

function forward(upstream: URL, method: string, headers: [string, string][], body: Uint8Array): Promise<UpstreamAnswer> {
  const get = (name: string) => headers.find(([k]) => k === name)?.[1];
  const outHeaders: [string, string][] = headers.filter(([k]) => !k.startsWith(":") && !HOP_BY_HOP.has(k));
  outHeaders.push(["host", get(":authority") ?? upstream.host]);
  if (body.length > 0) outHeaders.push(["content-length", String(body.length)]);
  const base = upstream.pathname.replace(/\/$/, "");
  return new Promise((done, fail) => {
    const req = httpRequest({
      host: upstream.hostname, port: upstream.port || 80, method, path: base + (get(":path") ?? "/"),
      headers: outHeaders.flat(), timeout: UPSTREAM_TIMEOUT_MS,
    }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (c: Buffer) => chunks.push(c));
      res.on("end", () => {
        const h: [string, string][] = [];
        for (let i = 0; i < res.rawHeaders.length; i += 2) {
          const k = res.rawHeaders[i]!.toLowerCase();
          if (!HOP_BY_HOP.has(k)) h.push([k, res.rawHeaders[i + 1]!]);
        }
        done({ status: res.statusCode ?? 502, headers: h, body: Buffer.concat(chunks) });
      });
      res.on("error", fail);
    });
    req.on("timeout", () => req.destroy(new Error("upstream timeout")));
    req.on("error", fail);
    req.end(Buffer.from(body));
  });
}

export interface DevServer {
  url: string;
  close(): Promise<void>;
}

export interface DevOptions {
  config: SluiceConfig;
  host: string;
  port: number;
  upstream?: URL;
  identity?: string;
  trustIdentityHeader: boolean;
  workers: number;
  log: (line: string) => void;
}

export async function startDev(o: DevOptions): Promise<DevServer> {
  const proxy: Proxy = await startChain(chainOf(o.config), { workers: o.workers, logLevel: "info", startTimeMs: Date.now() });
  const colourHeader = String((o.config.filters.find((f) => f.id === "traffic-colour")?.config as { header?: unknown } | undefined)?.header ?? "x-sluice-colour").toLowerCase();
  let last = Date.now();
  const sync = () => {
    const now = Date.now();
    if (now > last) {
      proxy.advance(now - last);
      last = now;
    }
  };
  const ticker = setInterval(sync, 250);
  const echo = o.upstream ? undefined : await startEcho();
  const upstream = o.upstream ?? new URL(`http://127.0.0.1:${(echo!.address() as AddressInfo).port}`);
  const failuresSeen = new Map<string, number>();

  const trapLines = () => {
    const lines: string[] = [];
    for (const p of proxy.plugins) {
      const seen = failuresSeen.get(p.name) ?? 0;
      for (const f of p.failures.slice(seen)) lines.push(`${p.name}: trap: ${f.message}`);
      failuresSeen.set(p.name, p.failures.length);
    }
    return lines;
  };

  const reply = (res: ServerResponse, status: number, headers: [string, string][], body: Uint8Array) => {
    const out: [string, string][] = headers.filter(([k]) => !k.startsWith(":") && !HOP_BY_HOP.has(k));
    out.push(["content-length", String(body.length)]);
    res.writeHead(status, out.flat());
    res.end(Buffer.from(body));
  };

  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const started = Date.now();
    const method = req.method ?? "GET";
    const path = req.url ?? "/";
    let status = 0;
    let decision = "error";
    let colour = "-";
    try {
      const body = await readBody(req);
      if (body === null) {
        status = 413;
        decision = "too_large";
        reply(res, 413, [["content-type", "text/plain"]], Buffer.from("request body over 1 MiB\n"));
        return;
      }
      let identity = o.identity;
      const headers: [string, string][] = [[":method", method], [":path", path], [":authority", req.headers.host ?? upstream.host], [":scheme", "http"]];
      for (let i = 0; i < req.rawHeaders.length; i += 2) {
        const k = req.rawHeaders[i]!.toLowerCase();
        if (k === IDENTITY_HEADER) {
          if (o.trustIdentityHeader) identity = req.rawHeaders[i + 1]!;
          continue;
        }
        if (!HOP_BY_HOP.has(k)) headers.push([k, req.rawHeaders[i + 1]!]);
      }
      if (body.length > 0) headers.push(["content-length", String(body.length)]);
      const properties: Record<string, string> = {
        "source.address": hostPort(req.socket.remoteAddress, req.socket.remotePort),
        "destination.address": hostPort(req.socket.localAddress, req.socket.localPort),
      };
      if (identity) properties["connection.uri_san_peer_certificate"] = identity;
      sync();
      const s = proxy.newStream({ properties });
      s.sendRequestHeaders(headers, { endOfStream: body.length === 0 });
      if (body.length > 0 && s.result.decision === "continue") s.sendRequestBody(body, { endOfStream: true });
      let r: StreamResult = s.result;
      colour = r.requestHeaders?.find(([k]) => k === colourHeader)?.[1] ?? "-";
      if (r.decision === "continue" && r.requestHeaders) {
        let answer: UpstreamAnswer;
        try {
          answer = await forward(upstream, method, r.requestHeaders, r.requestBody);
        } catch (e) {
          answer = { status: 502, headers: [["content-type", "text/plain"]], body: Buffer.from(`upstream unavailable: ${(e as Error).message}\n`) };
        }
        sync();
        s.sendResponseHeaders([[":status", String(answer.status)], ...answer.headers], { endOfStream: answer.body.length === 0 });
        if (answer.body.length > 0) s.sendResponseBody(answer.body, { endOfStream: true });
        r = s.result;
      }
      sync();
      s.complete();
      r = s.result;
      decision = r.decision;
      for (const line of trapLines()) o.log(line);
      if (r.decision === "closed") {
        status = 0;
        req.socket.destroy();
        return;
      }
      const respHeaders = r.responseHeaders ?? r.localResponse?.headers ?? [];
      status = Number(respHeaders.find(([k]) => k === ":status")?.[1] ?? r.localResponse?.status ?? 503);
      if (r.decision === "paused") {
        status = 503;
        reply(res, 503, [["content-type", "text/plain"]], Buffer.from("request held by a filter\n"));
        return;
      }
      const respBody = r.localResponse && !r.responseHeaders ? Buffer.from(r.localResponse.body) : r.responseBody;
      reply(res, status, respHeaders, respBody);
      if (r.localResponse) decision = `${r.decision}:${r.localResponse.details || "-"}`;
    } catch (e) {
      for (const line of trapLines()) o.log(line);
      o.log(`error: ${method} ${path}: ${(e as Error).message}`);
      status = 503;
      decision = "error";
      if (!res.headersSent) reply(res, 503, [["content-type", "text/plain"]], Buffer.from("filter chain failed\n"));
      else res.destroy();
    } finally {
      o.log(`${method} ${path} ${status} ${decision} colour=${colour} ${Date.now() - started}ms`);
    }
  };

  const server = createServer((req, res) => void handle(req, res));
  server.on("clientError", (err: NodeJS.ErrnoException, socket: Socket) => {
    if (socket.writable) socket.end("HTTP/1.1 400 Bad Request\r\ncontent-type: text/plain\r\ncontent-length: 12\r\nconnection: close\r\n\r\nbad request\n");
    else socket.destroy();
    o.log(`- - 400 bad_request colour=- 0ms (${err.code ?? err.message})`);
  });
  await new Promise<void>((done, fail) => {
    server.once("error", (e: NodeJS.ErrnoException) => fail(new CliError(`dev: cannot listen on ${o.host}:${o.port}: ${e.code ?? e.message}`)));
    server.listen(o.port, o.host, () => done());
  });
  const addr = server.address() as AddressInfo;
  return {
    url: `http://${addr.family === "IPv6" ? `[${addr.address}]` : addr.address}:${addr.port}`,
    async close() {
      clearInterval(ticker);
      server.closeAllConnections();
      await new Promise<void>((done) => server.close(() => done()));
      if (echo) {
        echo.closeAllConnections();
        await new Promise<void>((done) => echo.close(() => done()));
      }
      for (const p of proxy.plugins) p.shutdown();
    },
  };
}

export const dev: Command = {
  name: "dev",
  summary: "local HTTP proxy running the chain on real requests (echo upstream built in)",
  help: HELP,
  async run(args) {
    const p = parseArgs("dev", args, {
      config: { value: true }, listen: { value: true }, upstream: { value: true }, identity: { value: true },
      "trust-identity-header": {}, workers: { value: true }, envoy: {},
    });
    if (p.positionals.length > 0) throw new CliError(`dev: unexpected argument ${p.positionals[0]} (see sluice dev --help)`);
    const configFile = str(p, "config");
    const config = configFile === undefined ? exampleConfig() : await loadCheckedConfig(configFile);
    const { host, port } = parseListen(str(p, "listen") ?? "127.0.0.1:10000");
    const up = str(p, "upstream");
    const identity = str(p, "identity");
    if (identity !== undefined && !identity.startsWith("spiffe://")) throw new CliError(`dev: --identity must be a spiffe:// ID, got ${JSON.stringify(identity)}`);
    const log = (line: string) => process.stdout.write(`${line}\n`);
    const workers = int(p, "dev", "workers", 1, 1, 64);
    if (flag(p, "envoy") && flag(p, "trust-identity-header")) {
      throw new CliError("dev: --trust-identity-header has no --envoy form (a header cannot carry an identity into Envoy); use --identity");
    }
    const server = flag(p, "envoy")
      ? await startDevEnvoy({ config, host, port, ...(up ? { upstream: parseUpstream(up) } : {}), ...(identity ? { identity } : {}), workers, log })
      : await startDev({
          config, host, port, ...(up ? { upstream: parseUpstream(up) } : {}), ...(identity ? { identity } : {}),
          trustIdentityHeader: flag(p, "trust-identity-header"), workers, log,
        });
    log(`sluice dev: listening on ${server.url} (${config.filters.map((f) => f.id).join(" -> ")}${flag(p, "envoy") ? " in Envoy" : ""}; upstream ${up ?? "built-in echo"})`);
    // The first SIGINT/SIGTERM stops the proxy; more while it stops (Ctrl-C reaches both npm and
    // this process, and npm forwards it again) change nothing.
    const signal = await new Promise<NodeJS.Signals>((done) => {
      for (const s of ["SIGINT", "SIGTERM"] as const) process.on(s, done);
    });
    await server.close();
    log(`sluice dev: stopped (${signal})`);
    return 0;
  },
};
