// Test helpers: Debian's docker-registry (CNCF distribution) on a free 127.0.0.1 port with a
// temporary storage folder, skopeo, and small in-test HTTP servers. Every wait is bounded.

import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { request as httpsRequest } from "node:https";
import { createServer as createNetServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";

export const REGISTRY_BIN = "/usr/bin/docker-registry";

/** Throws a clear error when a tool CI installs (Debian packages) is missing. */
export function requireTool(bin: string, debianPackage: string): string {
  const found = existsSync(bin) ? bin : spawnSync("sh", ["-c", `command -v ${debianPackage}`], { encoding: "utf8" }).stdout.trim();
  if (!found) {
    throw new Error(`${bin} not found: install the Debian package "${debianPackage}" (.ci/run installs it); the OCI image tests need it`);
  }
  return found;
}

export async function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const server = createNetServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      const port = typeof address === "object" && address ? address.port : 0;
      server.close(() => resolvePort(port));
    });
  });
}

async function waitFor(check: () => Promise<boolean>, what: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
}

export interface RunningRegistry {
  /** `127.0.0.1:<port>` */
  host: string;
  port: number;
  logs: () => string;
  stop: () => Promise<void>;
}

/** An HTTPS registry answers the probe (any status) with a certificate nobody needs to trust. */
function httpsAnswers(port: number): Promise<boolean> {
  return new Promise((done) => {
    const req = httpsRequest({ host: "127.0.0.1", port, path: "/v2/", rejectUnauthorized: false, timeout: 1_000 }, (res) => {
      res.resume();
      done(true);
    });
    req.on("error", () => done(false));
    req.on("timeout", () => req.destroy());
    req.end();
  });
}

/**
 * Starts `docker-registry serve <config>`; `authYaml` is the `auth:` section body (already
 * indented by two spaces) or empty for an open registry; `tls` makes it serve HTTPS only.
 */
export async function startRegistry(authYaml = "", tls?: { certificate: string; key: string }): Promise<RunningRegistry> {
  requireTool(REGISTRY_BIN, "docker-registry");
  const dir = mkdtempSync(join(tmpdir(), "sluice-registry-"));
  const port = await freePort();
  const config = [
    "version: 0.1",
    "log:",
    "  level: warn",
    "  accesslog:",
    "    disabled: true",
    "storage:",
    "  filesystem:",
    `    rootdirectory: ${join(dir, "storage")}`,
    "http:",
    `  addr: 127.0.0.1:${port}`,
    "  secret: sluice-test-only",
    ...(tls ? ["  tls:", `    certificate: ${tls.certificate}`, `    key: ${tls.key}`] : []),
    authYaml ? `auth:\n${authYaml}` : "",
  ].join("\n");
  writeFileSync(join(dir, "config.yml"), config + "\n");
  let output = "";
  const child: ChildProcess = spawn(REGISTRY_BIN, ["serve", join(dir, "config.yml")], { stdio: ["ignore", "pipe", "pipe"] });
  child.stdout?.on("data", (d) => (output += d));
  child.stderr?.on("data", (d) => (output += d));
  let exited = false;
  child.on("exit", () => (exited = true));
  const stop = async (): Promise<void> => {
    if (!exited) {
      const done = new Promise((r) => child.once("exit", r));
      child.kill("SIGTERM");
      await Promise.race([done, new Promise((r) => setTimeout(r, 5_000))]);
      if (!exited) child.kill("SIGKILL");
    }
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    await waitFor(async () => {
      if (exited) throw new Error(`docker-registry exited: ${output.trim()}`);
      if (tls) return httpsAnswers(port);
      try {
        const res = await fetch(`http://127.0.0.1:${port}/v2/`, { signal: AbortSignal.timeout(1_000) });
        await res.body?.cancel();
        return res.status === 200 || res.status === 401;
      } catch {
        return false;
      }
    }, `docker-registry on 127.0.0.1:${port}`);
  } catch (err) {
    await stop();
    throw err;
  }
  return { host: `127.0.0.1:${port}`, port, logs: () => output, stop };
}

export interface SkopeoResult {
  status: number;
  stdout: Buffer;
  stderr: string;
}

/** Runs skopeo without blocking the event loop (in-test servers, e.g. token services, must answer it). */
export async function skopeo(args: string[]): Promise<SkopeoResult> {
  const bin = requireTool("/usr/bin/skopeo", "skopeo");
  return new Promise((resolveRun) => {
    const child = spawn(bin, args, { stdio: ["ignore", "pipe", "pipe"] });
    const out: Buffer[] = [];
    let err = "";
    child.stdout.on("data", (d: Buffer) => out.push(d));
    child.stderr.on("data", (d) => (err += d));
    const timer = setTimeout(() => {
      err += "\n(skopeo killed after 20 s)";
      child.kill("SIGKILL");
    }, 20_000);
    child.on("error", (e) => (err += String(e)));
    child.on("close", (code) => {
      clearTimeout(timer);
      resolveRun({ status: code ?? -1, stdout: Buffer.concat(out), stderr: err });
    });
  });
}

export interface TestServer {
  origin: string;
  port: number;
  requests: { method: string; url: string; headers: IncomingMessage["headers"] }[];
  close: () => Promise<void>;
}

/** A small HTTP server on 127.0.0.1 for token services, proxies and fake registries. */
export async function startServer(handler: (req: IncomingMessage, res: ServerResponse, body: Buffer) => void | Promise<void>): Promise<TestServer> {
  const requests: TestServer["requests"] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      requests.push({ method: req.method ?? "", url: req.url ?? "", headers: req.headers });
      Promise.resolve(handler(req, res, Buffer.concat(chunks))).catch((err) => {
        res.statusCode = 500;
        res.end(String(err));
      });
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", () => r()));
  const address = server.address();
  const port = typeof address === "object" && address ? address.port : 0;
  return {
    origin: `http://127.0.0.1:${port}`,
    port,
    requests,
    close: () =>
      new Promise((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}
