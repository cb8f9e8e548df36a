// Envoy in a container: the pinned image (ENVOY_IMAGE overrides it, e.g. istio/proxyv2), the built
// filters at /etc/sluice/<id>.wasm, a bootstrap from envoy/ at /etc/envoy/envoy.yaml, 4 workers,
// Wasm logs at debug; ready when the admin's /ready answers 200. Also `envoy --mode validate` as a
// one-shot container, and the check that Envoy logged no Wasm error.
import { existsSync } from "node:fs";
import type { Readable } from "node:stream";
import { GenericContainer, Wait, type StartedNetwork, type StartedTestContainer } from "testcontainers";
import { validateOutputOk, type RunningEnvoy, type ValidateResult } from "../../cli/local-envoy/admin.js";
import { loadBootstrap, ports, referencedFiles, wasmPath } from "./bootstrap.js";

export { validateOutputOk, type RunningEnvoy, type ValidateResult };

/** A host file copied into the container (testcontainers' FileToCopy). */
export interface FileToCopy {
  source: string;
  target: string;
  mode?: number;
}
/** Content written into the container (testcontainers' ContentToCopy). */
export interface ContentToCopy {
  content: string | Buffer;
  target: string;
  mode?: number;
}

/**
 * Default image. v1.39.1 is the newest exact Envoy tag confirmed in the project's reference
 * notes (sdk-and-delivery.md §4: hub.docker.com/r/envoyproxy/envoy/tags?name=v1.39.1); the
 * bootstraps use failure_policy-era fields, so anything >= 1.35 is expected to work. CI also runs
 * v1.35.3 and istio/proxyv2:1.29.2 through ENVOY_IMAGE.
 */
export const DEFAULT_ENVOY_IMAGE = "envoyproxy/envoy:v1.39.1";
export const ENVOY_BIN = "/usr/local/bin/envoy";
export const BOOTSTRAP_TARGET = "/etc/envoy/envoy.yaml";
export const WASM_DIR = "/etc/sluice";
export const ENVOY_ALIAS = "sluice-envoy";

export function envoyImage(env: NodeJS.ProcessEnv = process.env): string {
  const v = env.ENVOY_IMAGE?.trim();
  return v !== undefined && v !== "" ? v : DEFAULT_ENVOY_IMAGE;
}

/** istio/proxyv2 (any registry, tag or digest): its entrypoint is pilot-agent, not envoy. */
export function isIstioProxy(image: string): boolean {
  const name = image.split("@")[0].replace(/:[^/:]*$/, "");
  return /(^|\/)proxyv2$/.test(name);
}

/**
 * The container's entrypoint and command. Envoy is started directly on both images (istio/proxyv2
 * must bypass pilot-agent; on envoyproxy/envoy this skips the entrypoint script's user switch),
 * so the two run the same command line.
 */
export function envoyCommand(mode: "serve" | "validate"): { entrypoint: string[]; command: string[] } {
  const common = ["-c", BOOTSTRAP_TARGET, "--disable-hot-restart"];
  if (mode === "validate") return { entrypoint: [ENVOY_BIN], command: ["--mode", "validate", ...common] };
  return {
    entrypoint: [ENVOY_BIN],
    command: [...common, "--concurrency", "4", "--log-level", "info", "--component-log-level", "wasm:debug"],
  };
}

export interface EnvoyFiles {
  /** Host path of the bootstrap (envoy/<name>/envoy.yaml). */
  bootstrap: string;
  /** Filter ids: build/<id>.wasm is copied to /etc/sluice/<id>.wasm. */
  filters: readonly string[];
  /** More files, e.g. certificates at /etc/sluice/certs/. */
  extra?: readonly ContentToCopy[];
}

/** What to copy into the container; throws when a file the bootstrap reads would be missing. */
export function envoyCopies(files: EnvoyFiles): { files: FileToCopy[]; contents: ContentToCopy[] } {
  const out: FileToCopy[] = [{ source: files.bootstrap, target: BOOTSTRAP_TARGET, mode: 0o644 }];
  for (const id of files.filters) {
    const source = wasmPath(id);
    if (!existsSync(source)) throw new Error(`${source} is missing: run \`npm run build\` first`);
    out.push({ source, target: `${WASM_DIR}/${id}.wasm`, mode: 0o644 });
  }
  const contents = [...(files.extra ?? [])];
  const provided = new Set([...out.map((f) => f.target), ...contents.map((c) => c.target)]);
  const missing = referencedFiles(loadBootstrap(files.bootstrap)).filter((f) => !provided.has(f) && !f.startsWith("/dev/"));
  if (missing.length > 0) {
    throw new Error(`${files.bootstrap} reads ${missing.join(", ")}, which the test does not provide`);
  }
  return { files: out, contents };
}

/** Collects a container's log stream. */
export class LogCollector {
  private readonly chunks: string[] = [];
  private endedResolve: () => void = () => {};
  readonly ended = new Promise<void>((r) => (this.endedResolve = r));

  consume = (stream: Readable): void => {
    stream.on("data", (c: string | Buffer) => this.chunks.push(typeof c === "string" ? c : c.toString("utf8")));
    stream.on("end", () => this.endedResolve());
    stream.on("error", () => this.endedResolve());
  };

  text(): string {
    return this.chunks.join("");
  }

  /** Waits (bounded) for the stream to end: a stopped container's last lines. */
  async settle(timeoutMs = 5_000): Promise<string> {
    await Promise.race([this.ended, new Promise((r) => setTimeout(r, timeoutMs).unref())]);
    return this.text();
  }
}

const WASM_ERROR_PATTERNS: readonly RegExp[] = [
  /\]\[(error|critical)\]\[wasm\]/, // any Wasm component line at error or critical
  /\[(error|critical)\].*\bwasm log\b/, // the filter's own proxy_log at error/critical
  /Wasm VM failed/,
  /Function: \S+ failed/,
  /Failed to load Wasm module/,
  /Unable to create Wasm HTTP filter/,
  /wasm_fail_stream/,
];

/** The lines of Envoy's log that report a Wasm error (except lines matching `allow`). */
export function wasmErrorLines(logs: string, allow: readonly RegExp[] = []): string[] {
  return logs
    .split("\n")
    .filter((line) => WASM_ERROR_PATTERNS.some((p) => p.test(line)))
    .filter((line) => !allow.some((p) => p.test(line)));
}

/** The filter's own log lines (`wasm log ...`), e.g. to find a transition message. */
export function wasmLogLines(logs: string): string[] {
  return logs.split("\n").filter((l) => l.includes("wasm log"));
}


/** `envoy --mode validate -c /etc/envoy/envoy.yaml` in a one-shot container. */
export async function validateBootstrap(files: EnvoyFiles, image = envoyImage()): Promise<ValidateResult> {
  const copies = envoyCopies(files);
  const { entrypoint, command } = envoyCommand("validate");
  const logs = new LogCollector();
  try {
    const c = await new GenericContainer(image)
      .withEntrypoint(entrypoint)
      .withCommand(command)
      .withCopyFilesToContainer(copies.files)
      .withCopyContentToContainer(copies.contents)
      .withLogConsumer(logs.consume)
      .withWaitStrategy(Wait.forOneShotStartup())
      .withStartupTimeout(120_000)
      .start();
    const output = await logs.settle();
    await c.stop().catch(() => undefined);
    return { ok: validateOutputOk(output), output };
  } catch (err) {
    const output = await logs.settle(2_000);
    return { ok: false, output: `${output}\n${err instanceof Error ? err.message : String(err)}` };
  }
}



export interface StartedEnvoy extends RunningEnvoy {
  container: StartedTestContainer;
  logs: LogCollector;
}

export interface StartEnvoyOptions extends EnvoyFiles {
  network: StartedNetwork;
  alias?: string;
  image?: string;
}

export async function startEnvoy(opts: StartEnvoyOptions): Promise<StartedEnvoy> {
  const copies = envoyCopies(opts);
  const { listeners, admin } = ports(loadBootstrap(opts.bootstrap));
  if (listeners.length === 0) throw new Error(`${opts.bootstrap} has no listener`);
  const { entrypoint, command } = envoyCommand("serve");
  const logs = new LogCollector();
  let container: StartedTestContainer;
  try {
    container = await new GenericContainer(opts.image ?? envoyImage())
      .withEntrypoint(entrypoint)
      .withCommand(command)
      .withCopyFilesToContainer(copies.files)
      .withCopyContentToContainer(copies.contents)
      .withNetwork(opts.network)
      .withNetworkAliases(opts.alias ?? ENVOY_ALIAS)
      .withExposedPorts(...listeners, admin)
      .withLogConsumer(logs.consume)
      .withWaitStrategy(Wait.forHttp("/ready", admin).forStatusCode(200))
      .withStartupTimeout(120_000)
      .start();
  } catch (err) {
    const output = await logs.settle(2_000);
    throw new Error(`Envoy did not become ready: ${err instanceof Error ? err.message : String(err)}\n--- Envoy log ---\n${output}`);
  }
  const host = container.getHost();
  const urlFor = (port: number, tls = false): string => `${tls ? "https" : "http"}://${host}:${container.getMappedPort(port)}`;
  return {
    container,
    url: urlFor(listeners[0]),
    urlFor,
    adminUrl: `http://${host}:${container.getMappedPort(admin)}`,
    logs,
    listenerPort: (port: number) => port,
    stop: async () => {
      await container.stop().catch(() => undefined);
    },
  };
}
