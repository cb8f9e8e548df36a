// `sluice dev --envoy`: the dev proxy served by a local Envoy running the chain (as `sluice render
// envoy` renders it) instead of host-sim. Envoy listens on the --listen port itself; the access
// log it writes becomes dev's access-log lines. With --identity, Envoy also listens with mTLS and
// the caller presents a client certificate for that SPIFFE ID, made with a throwaway CA (a header
// cannot carry an identity into Envoy, so --trust-identity-header has no Envoy form).
import { closeSync, mkdtempSync, openSync, readSync, rmSync, statSync } from "node:fs";
import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { SluiceConfig } from "../config.js";
import { startEcho } from "../dev-echo.js";
import { CliError } from "../errors.js";
import type { EndpointTarget } from "../local-envoy/bootstrap-rewrite.js";
import { TestCa } from "../local-envoy/certs.js";
import { parseAccessLog, startEnvoyChain, type AccessLogLine, type EnvoyChain } from "../local-envoy/chain.js";

export interface DevEnvoyOptions {
  config: SluiceConfig;
  host: string;
  port: number;
  upstream?: URL;
  identity?: string;
  workers: number;
  log: (line: string) => void;
}

export interface DevEnvoy {
  url: string;
  close(): Promise<void>;
}

/** dev's access-log line for one of Envoy's. */
export function devLogLine(a: AccessLogLine): string {
  const decision = a.details === "via_upstream" ? "continue" : `local_response:${a.details || "-"}`;
  return `${a.method} ${a.path} ${a.status} ${decision} colour=${a.colour || "-"} ${a.duration_ms}ms`;
}

/** Follows a file as it grows, calling `line` for each complete line (polls every 100 ms). */
function follow(path: string, line: (text: string) => void): () => void {
  let offset = 0;
  let rest = "";
  const timer = setInterval(() => {
    let size = 0;
    try {
      size = statSync(path).size;
    } catch {
      return;
    }
    if (size <= offset) return;
    const fd = openSync(path, "r");
    try {
      const buf = Buffer.alloc(size - offset);
      readSync(fd, buf, 0, buf.length, offset);
      offset = size;
      const lines = (rest + buf.toString("utf8")).split("\n");
      rest = lines.pop() ?? "";
      for (const l of lines) if (l.trim() !== "") line(l);
    } finally {
      closeSync(fd);
    }
  }, 100);
  return () => clearInterval(timer);
}

export async function startDevEnvoy(o: DevEnvoyOptions): Promise<DevEnvoy> {
  if (o.host !== "127.0.0.1" && o.host !== "localhost") throw new CliError(`dev --envoy: listens on 127.0.0.1 only, got --listen ${o.host}:${o.port}`);
  const dir = mkdtempSync(join(tmpdir(), "sluice-dev-"));
  let echo: Server | undefined;
  let chain: EnvoyChain | undefined;
  let ca: TestCa | undefined;
  let unfollow = (): void => {};
  const close = async (): Promise<void> => {
    unfollow();
    await chain?.envoy.stop();
    if (echo !== undefined) {
      echo.closeAllConnections();
      await new Promise<void>((done) => echo!.close(() => done()));
    }
    ca?.dispose();
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    let target: EndpointTarget;
    if (o.upstream !== undefined) {
      if (o.upstream.pathname !== "/" && o.upstream.pathname !== "") throw new CliError(`dev --envoy: --upstream must be http://host:port without a path, got ${o.upstream.href}`);
      target = { address: o.upstream.hostname === "localhost" ? "127.0.0.1" : o.upstream.hostname, port: Number(o.upstream.port || 80) };
    } else {
      echo = await startEcho();
      target = (echo.address() as AddressInfo).port;
    }
    const upstreamPorts = new Map<string, EndpointTarget>(Object.keys(o.config.upstreams).map((name) => [name, target]));
    let mtls;
    let caller;
    if (o.identity !== undefined) {
      ca = TestCa.create();
      const server = ca.issue({ name: "server", dnsNames: ["localhost"], ips: ["127.0.0.1"], usages: ["serverAuth"] });
      caller = ca.issue({ name: "caller", uris: [o.identity], usages: ["clientAuth"] });
      mtls = { ca: ca.certPath, cert: server.certPath, key: server.keyPath };
    }
    const accessLogPath = join(dir, "access.log");
    try {
      chain = await startEnvoyChain({
        config: o.config,
        upstreamPorts,
        accessLogPath,
        workers: o.workers,
        ...(o.port !== 0 ? { port: o.port } : {}),
        ...(mtls !== undefined ? { mtls } : {}),
      });
    } catch (e) {
      if (/[Aa]ddress already in use/.test(String(e))) throw new CliError(`dev: cannot listen on ${o.host}:${o.port}: EADDRINUSE`);
      throw e;
    }
    if (chain.mtlsUrl !== undefined && ca !== undefined && caller !== undefined) {
      o.log(`sluice dev: as ${o.identity}: curl --cacert ${ca.certPath} --cert ${caller.certPath} --key ${caller.keyPath} ${chain.mtlsUrl}/`);
    }
    unfollow = follow(accessLogPath, (text) => o.log(devLogLine(parseAccessLog(text))));
    return { url: chain.url, close };
  } catch (e) {
    await close();
    throw e;
  }
}
