// Is a container runtime reachable? Probed once (cached), bounded in time, never throws.
// Without Docker testcontainers' getContainerRuntimeClient() rejects within milliseconds
// ("Could not find a working container runtime strategy"); a runtime that does not answer
// (e.g. DOCKER_HOST pointing at a black hole) is cut off by the timeout.
import { getContainerRuntimeClient } from "testcontainers";

export interface RuntimeStatus {
  available: boolean;
  /** Why it is not available (empty when it is). */
  reason: string;
}

export const SKIP_PREFIX = "integration: skipped, no container runtime";

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

export interface ProbeOptions {
  /** Resolves when a runtime answers; defaults to testcontainers' client lookup (which pings it). */
  probe?: () => Promise<unknown>;
  timeoutMs?: number;
}

export const DEFAULT_PROBE_TIMEOUT_MS = 15_000;

/** Probe without caching (tests); the suite uses containerRuntime(). */
export async function probeRuntime(options: ProbeOptions = {}): Promise<RuntimeStatus> {
  const probe = options.probe ?? getContainerRuntimeClient;
  const timeoutMs = options.timeoutMs ?? DEFAULT_PROBE_TIMEOUT_MS;
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<RuntimeStatus>((resolve) => {
    timer = setTimeout(
      () => resolve({ available: false, reason: `no answer from the container runtime within ${timeoutMs} ms` }),
      timeoutMs,
    );
    timer.unref();
  });
  const answer = (async (): Promise<RuntimeStatus> => {
    try {
      await probe();
      return { available: true, reason: "" };
    } catch (err) {
      return { available: false, reason: describeError(err) };
    }
  })();
  try {
    return await Promise.race([answer, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

let cached: Promise<RuntimeStatus> | undefined;

/** The probe result, computed once per process. */
export function containerRuntime(): Promise<RuntimeStatus> {
  cached ??= probeRuntime();
  return cached;
}

/** SLUICE_INTEGRATION_REQUIRED=1 (set in CI): a missing runtime is an error, not a skip. */
export function runtimeRequired(env: NodeJS.ProcessEnv = process.env): boolean {
  const v = (env.SLUICE_INTEGRATION_REQUIRED ?? "").trim().toLowerCase();
  return v !== "" && v !== "0" && v !== "false" && v !== "no";
}
