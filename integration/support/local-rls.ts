// The global rate limit service as local processes (SLUICE_ENVOY=process): envoyproxy/ratelimit
// built with `go install` (RATELIMIT_BIN, else `service_cmd` from PATH or Go's bin directory) and
// Debian's redis-server, both on 127.0.0.1 only, with the domain configuration in a temporary
// runtime directory.
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { homedir, tmpdir } from "node:os";
import { delimiter, join } from "node:path";
import { request } from "./http.js";
import { freePort, startProcess, stopProcesses, waitUntilReady, type ServiceProcess } from "../../cli/local-envoy/processes.js";

/** The module path and pseudo-version `.ci/run` installs (and the README's setup names). */
export const RATELIMIT_MODULE = "github.com/envoyproxy/ratelimit/src/service_cmd";
export const RATELIMIT_VERSION = "v1.4.1-0.20260122083618-3fb702589d36";

function onPath(name: string, env: NodeJS.ProcessEnv): string | undefined {
  for (const dir of (env.PATH ?? "").split(delimiter)) {
    if (dir !== "" && existsSync(join(dir, name))) return join(dir, name);
  }
  return undefined;
}

/** The rate limit service binary, or undefined when none is installed. */
export function ratelimitBinary(env: NodeJS.ProcessEnv = process.env): string | undefined {
  const explicit = env.RATELIMIT_BIN?.trim();
  if (explicit !== undefined && explicit !== "") return explicit;
  const found = onPath("service_cmd", env);
  if (found !== undefined) return found;
  const goBin = join(env.GOBIN ?? join(env.GOPATH ?? join(homedir(), "go"), "bin"), "service_cmd");
  return existsSync(goBin) ? goBin : undefined;
}

/** redis-server: REDIS_SERVER_BIN, else from PATH. */
export function redisBinary(env: NodeJS.ProcessEnv = process.env): string | undefined {
  const explicit = env.REDIS_SERVER_BIN?.trim();
  if (explicit !== undefined && explicit !== "") return explicit;
  return onPath("redis-server", env) ?? (existsSync("/usr/bin/redis-server") ? "/usr/bin/redis-server" : undefined);
}

export interface LocalRls {
  /** The gRPC port Envoy's rate limit cluster must call. */
  grpcPort: number;
  redis: ServiceProcess;
  ratelimit: ServiceProcess;
  /** Stops the rate limit service only (Redis stays), to show the failure mode. */
  stopService(): Promise<void>;
  stop(): Promise<void>;
}

/** The environment the rate limit service runs with (exported for its unit test). */
export function ratelimitEnv(ports: { http: number; grpc: number; debug: number; redis: number }, runtimeRoot: string): NodeJS.ProcessEnv {
  return {
    PATH: process.env.PATH,
    HOST: "127.0.0.1",
    PORT: String(ports.http),
    GRPC_HOST: "127.0.0.1",
    GRPC_PORT: String(ports.grpc),
    DEBUG_HOST: "127.0.0.1",
    DEBUG_PORT: String(ports.debug),
    USE_STATSD: "false",
    LOG_LEVEL: "debug",
    REDIS_SOCKET_TYPE: "tcp",
    REDIS_URL: `127.0.0.1:${ports.redis}`,
    RUNTIME_ROOT: runtimeRoot,
    RUNTIME_SUBDIRECTORY: "ratelimit",
    RUNTIME_WATCH_ROOT: "false",
    RUNTIME_IGNOREDOTFILES: "true",
  };
}

async function startRedis(binary: string): Promise<{ process: ServiceProcess; port: number }> {
  for (let attempt = 0; ; attempt++) {
    const port = await freePort();
    const proc = await startProcess("redis-server", binary, [
      "--bind", "127.0.0.1", "--port", String(port), "--save", "", "--appendonly", "no", "--protected-mode", "yes", "--loglevel", "notice",
    ]);
    try {
      await waitUntilReady(proc, async () => /Ready to accept connections/.test(proc.logs.text()), 15_000);
      return { process: proc, port };
    } catch (err) {
      await proc.stop();
      if (attempt >= 2) throw err;
    }
  }
}

export async function startLocalRls(domainYaml: string): Promise<LocalRls> {
  const binary = ratelimitBinary();
  const redisBin = redisBinary();
  if (binary === undefined) throw new Error(`the rate limit service is not installed: GOFLAGS=-mod=mod go install ${RATELIMIT_MODULE}@${RATELIMIT_VERSION}`);
  if (redisBin === undefined) throw new Error("redis-server is not installed: apt-get install redis-server");
  const root = mkdtempSync(join(tmpdir(), "sluice-rls-"));
  mkdirSync(join(root, "ratelimit", "config"), { recursive: true });
  writeFileSync(join(root, "ratelimit", "config", "sluice.yaml"), domainYaml);
  let redis: ServiceProcess | undefined;
  let ratelimit: ServiceProcess | undefined;
  try {
    const r = await startRedis(redisBin);
    redis = r.process;
    for (let attempt = 0; ; attempt++) {
      const ports = { http: await freePort(), grpc: await freePort(), debug: await freePort(), redis: r.port };
      ratelimit = await startProcess("ratelimit", binary, [], { env: ratelimitEnv(ports, root) });
      try {
        await waitUntilReady(ratelimit, async () => (await request(`http://127.0.0.1:${ports.http}/healthcheck`, { timeoutMs: 1_000 })).status === 200, 30_000);
        const service = ratelimit;
        const redisProcess = redis;
        return {
          grpcPort: ports.grpc,
          redis: redisProcess,
          ratelimit: service,
          stopService: () => service.stop(),
          stop: async () => {
            await stopProcesses([service, redisProcess]);
            rmSync(root, { recursive: true, force: true });
          },
        };
      } catch (err) {
        await ratelimit.stop();
        if (attempt >= 2) throw err;
      }
    }
  } catch (err) {
    await stopProcesses([ratelimit, redis]);
    rmSync(root, { recursive: true, force: true });
    throw err;
  }
}
