// Upstream services: mendhak/http-https-echo, which answers every request with a JSON echo of it
// (path, headers, the container's hostname) and fails on demand: the request header (or query
// parameter) `x-set-response-status-code: 503` sets the status, `x-set-response-delay-ms` delays.
// Each upstream gets its network alias as hostname, so a response tells which one answered.
import { GenericContainer, Wait, type StartedNetwork, type StartedTestContainer } from "testcontainers";
import type { ClusterEndpoint } from "./bootstrap.js";
import type { HttpResult } from "./http.js";

/** Pinned (the project asks not to use :latest); listens on HTTP_PORT (default 8080). */
export const ECHO_IMAGE = "mendhak/http-https-echo:34";

export const FAIL_HEADER = "x-set-response-status-code";
export const DELAY_HEADER = "x-set-response-delay-ms";

export interface StartedUpstream {
  alias: string;
  port: number;
  container: StartedTestContainer;
}

export async function startUpstream(network: StartedNetwork, alias: string, port = 8080): Promise<StartedUpstream> {
  const container = await new GenericContainer(ECHO_IMAGE)
    .withNetwork(network)
    .withNetworkAliases(alias)
    .withHostname(alias)
    .withEnvironment({ HTTP_PORT: String(port), HTTPS_PORT: "8443" })
    .withExposedPorts(port)
    .withWaitStrategy(Wait.forHttp("/", port).forStatusCode(200))
    .withStartupTimeout(60_000)
    .start();
  return { alias, port, container };
}

/**
 * One echo upstream per distinct address the bootstrap's clusters call, except `skip` (addresses
 * served by something else, e.g. the rate limit service).
 */
export async function startUpstreamsFor(
  network: StartedNetwork,
  endpoints: readonly ClusterEndpoint[],
  skip: readonly string[] = [],
): Promise<StartedUpstream[]> {
  const wanted = new Map<string, number>();
  for (const e of endpoints) if (!skip.includes(e.address)) wanted.set(e.address, e.port);
  return Promise.all([...wanted].map(([alias, port]) => startUpstream(network, alias, port)));
}

export async function stopAll(containers: ReadonlyArray<{ container: StartedTestContainer } | undefined>): Promise<void> {
  await Promise.all(containers.map((c) => c?.container.stop().catch(() => undefined)));
}

export interface Echo {
  path: string;
  /** Request headers as the upstream saw them (lowercase names, repeated values joined by ", "). */
  headers: Record<string, string>;
  hostname: string;
  /** Every request header line in arrival order, where the echo reports it (the Node echo does). */
  headerValues?: Array<[string, string]>;
}

/** Parses the echo's JSON body; undefined when the body is not an echo (e.g. a local reply). */
export function parseEcho(res: HttpResult): Echo | undefined {
  let body: unknown;
  try {
    body = JSON.parse(res.body);
  } catch {
    return undefined;
  }
  if (typeof body !== "object" || body === null) return undefined;
  const b = body as { path?: unknown; headers?: unknown; os?: { hostname?: unknown }; header_values?: unknown };
  const headers: Record<string, string> = {};
  if (typeof b.headers === "object" && b.headers !== null) {
    for (const [k, v] of Object.entries(b.headers as Record<string, unknown>)) {
      headers[k.toLowerCase()] = Array.isArray(v) ? v.map(String).join(", ") : String(v);
    }
  }
  const echo: Echo = {
    path: typeof b.path === "string" ? b.path : "",
    headers,
    hostname: typeof b.os?.hostname === "string" ? b.os.hostname : "",
  };
  if (Array.isArray(b.header_values)) echo.headerValues = (b.header_values as unknown[]).map((p) => (Array.isArray(p) ? [String(p[0]), String(p[1])] : ["", ""]));
  return echo;
}
