// Child processes of the suite (Envoy, redis-server, the rate limit service): started with their
// output collected, stopped with SIGTERM then SIGKILL after a bound, and killed when the test
// process exits whatever happened (a failed beforeAll, an uncaught error, vitest tearing down).
import { spawn, type ChildProcess } from "node:child_process";
import { createServer } from "node:net";

const live = new Set<ChildProcess>();
let exitHookInstalled = false;

function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.on("exit", () => {
    for (const child of live) child.kill("SIGKILL");
  });
}

/** Output of a child (stdout and stderr interleaved as they arrive), bounded to the last 4 MiB. */
export class OutputLog {
  private chunks: string[] = [];
  private size = 0;
  private static readonly LIMIT = 4 * 1024 * 1024;

  push(chunk: string): void {
    this.chunks.push(chunk);
    this.size += chunk.length;
    while (this.size > OutputLog.LIMIT && this.chunks.length > 1) this.size -= this.chunks.shift()!.length;
  }

  text(): string {
    return this.chunks.join("");
  }
}

export interface ServiceProcess {
  name: string;
  pid: number;
  logs: OutputLog;
  /** Resolves with the exit code (or the signal name) when the process has ended. */
  exited: Promise<number | string>;
  /** True once the process has ended. */
  hasExited(): boolean;
  /** SIGTERM, then SIGKILL when it has not ended within `graceMs`; resolves when it has ended. */
  stop(graceMs?: number): Promise<void>;
}

export interface SpawnOptions {
  env?: NodeJS.ProcessEnv;
  cwd?: string;
}

/** Starts `command args` with its output collected; throws when it cannot be started at all. */
export async function startProcess(name: string, command: string, args: readonly string[], options: SpawnOptions = {}): Promise<ServiceProcess> {
  installExitHook();
  const child = spawn(command, [...args], { env: options.env ?? process.env, cwd: options.cwd, stdio: ["ignore", "pipe", "pipe"] });
  const logs = new OutputLog();
  child.stdout!.setEncoding("utf8").on("data", (c: string) => logs.push(c));
  child.stderr!.setEncoding("utf8").on("data", (c: string) => logs.push(c));
  let ended = false;
  const exited = new Promise<number | string>((resolve) => {
    child.on("exit", (code, signal) => {
      ended = true;
      live.delete(child);
      resolve(code ?? signal ?? "unknown");
    });
  });
  await new Promise<void>((resolve, reject) => {
    child.once("spawn", () => resolve());
    child.once("error", (err) => reject(new Error(`${name}: cannot start ${command}: ${err.message}`)));
  });
  live.add(child);
  return {
    name,
    pid: child.pid!,
    logs,
    exited,
    hasExited: () => ended,
    stop: async (graceMs = 5_000) => {
      if (ended) return;
      child.kill("SIGTERM");
      const timer = setTimeout(() => child.kill("SIGKILL"), graceMs);
      await exited;
      clearTimeout(timer);
    },
  };
}

/** Stops every given process (in parallel); never throws. */
export async function stopProcesses(processes: ReadonlyArray<ServiceProcess | undefined>): Promise<void> {
  await Promise.all(processes.map((p) => p?.stop().catch(() => undefined)));
}

/**
 * A TCP port on 127.0.0.1 that was free a moment ago, for servers that cannot be told to pick
 * one (redis-server, the rate limit service). Envoy and the Node upstreams bind port 0 instead.
 */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      const port = typeof address === "object" && address !== null ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/**
 * Polls `ready()` every 100 ms until it answers true, the process ends, or `timeoutMs` passes;
 * throws with the process's output in the last two cases.
 */
export async function waitUntilReady(service: ServiceProcess, ready: () => Promise<boolean>, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (service.hasExited()) {
      throw new Error(`${service.name} exited with ${String(await service.exited)} before it was ready\n--- ${service.name} output ---\n${tail(service.logs.text())}`);
    }
    if (await ready().catch(() => false)) return;
    if (Date.now() > deadline) {
      throw new Error(`${service.name} was not ready within ${timeoutMs} ms\n--- ${service.name} output ---\n${tail(service.logs.text())}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** The last 200 lines of a log, for error messages. */
export function tail(text: string, lines = 200): string {
  const all = text.split("\n");
  return all.slice(Math.max(0, all.length - lines)).join("\n");
}
