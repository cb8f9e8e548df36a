// The global rate limit service: envoyproxy/ratelimit (gRPC envoy.service.ratelimit.v3 on 8081)
// backed by Redis, with a domain configuration derived from the rate-limit filter's own rules: the
// filter sends one descriptor [("rule", <rule name>), (<part name>, <value>)...] per request.
import { GenericContainer, Wait, type StartedNetwork, type StartedTestContainer } from "testcontainers";
import { stringify } from "yaml";
import type { Json } from "./bootstrap.js";

/** envoyproxy/ratelimit publishes commit tags only; this one is pinned by Envoy Gateway's e2e. */
export const RATELIMIT_IMAGE = "envoyproxy/ratelimit:1e50889b";
export const REDIS_IMAGE = "redis:7.4.2-alpine";
export const RLS_ALIAS = "ratelimit";
export const REDIS_ALIAS = "sluice-redis";
export const RLS_GRPC_PORT = 8081;
const RLS_HTTP_PORT = 8080;

export type RlsUnit = "second" | "minute" | "hour" | "day";
export interface RlsLimit {
  requests: number;
  unit: RlsUnit;
}

interface RuleLike {
  name: string;
  global: boolean;
  partNames: string[];
}

function rulesOf(filterConfig: { [k: string]: Json }): RuleLike[] {
  const out: RuleLike[] = [];
  const all = [...(Array.isArray(filterConfig.rules) ? filterConfig.rules : []), filterConfig.default_rule];
  for (const r of all) {
    if (typeof r !== "object" || r === null || Array.isArray(r)) continue;
    const key = Array.isArray(r.key) ? r.key : [];
    out.push({
      name: String(r.name ?? ""),
      global: r.global === true,
      // part name = the header, parameter or cookie name, else the source (client_ip, peer_namespace, ...)
      partNames: key.map((p) => {
        const part = typeof p === "object" && p !== null && !Array.isArray(p) ? p : {};
        return typeof part.name === "string" ? part.name : String(part.source ?? "");
      }),
    });
  }
  return out;
}

/** The `rls` block of the filter's configuration. */
export function rlsSettings(filterConfig: { [k: string]: Json }): { cluster: string; domain: string; failureModeDeny: boolean } {
  const rls = filterConfig.rls;
  if (typeof rls !== "object" || rls === null || Array.isArray(rls)) throw new Error("the rate-limit configuration has no rls block");
  return { cluster: String(rls.cluster), domain: String(rls.domain), failureModeDeny: rls.failure_mode_deny === true };
}

/** Names of the rules with `global: true`. */
export function globalRules(filterConfig: { [k: string]: Json }): string[] {
  return rulesOf(filterConfig).filter((r) => r.global).map((r) => r.name);
}

/**
 * envoyproxy/ratelimit's YAML for `domain`: for every global rule, `rule=<name>` (the default
 * bucket) and, nested, one level per key part (any value), each with `limit`.
 */
export function rlsDomainConfig(filterConfig: { [k: string]: Json }, domain: string, limit: RlsLimit): string {
  type Descriptor = { key: string; value?: string; rate_limit: { unit: RlsUnit; requests_per_unit: number }; descriptors?: Descriptor[] };
  const rateLimit = { unit: limit.unit, requests_per_unit: limit.requests };
  const descriptors: Descriptor[] = [];
  for (const rule of rulesOf(filterConfig).filter((r) => r.global)) {
    const top: Descriptor = { key: "rule", value: rule.name, rate_limit: rateLimit };
    let parent = top;
    for (const part of rule.partNames) {
      const d: Descriptor = { key: part, rate_limit: rateLimit };
      parent.descriptors = [d];
      parent = d;
    }
    descriptors.push(top);
  }
  if (descriptors.length === 0) throw new Error("the rate-limit configuration has no rule with global: true");
  return stringify({ domain, descriptors });
}

export interface StartedRls {
  redis: StartedTestContainer;
  ratelimit: StartedTestContainer;
  stop(): Promise<void>;
}

export async function startRateLimitService(network: StartedNetwork, domainYaml: string): Promise<StartedRls> {
  const redis = await new GenericContainer(REDIS_IMAGE)
    .withNetwork(network)
    .withNetworkAliases(REDIS_ALIAS)
    .withWaitStrategy(Wait.forLogMessage(/Ready to accept connections/))
    .withStartupTimeout(60_000)
    .start();
  const ratelimit = await new GenericContainer(RATELIMIT_IMAGE)
    .withNetwork(network)
    .withNetworkAliases(RLS_ALIAS)
    .withCommand(["/bin/ratelimit"])
    .withEnvironment({
      USE_STATSD: "false",
      LOG_LEVEL: "debug",
      REDIS_SOCKET_TYPE: "tcp",
      REDIS_URL: `${REDIS_ALIAS}:6379`,
      RUNTIME_ROOT: "/data",
      RUNTIME_SUBDIRECTORY: "ratelimit",
      RUNTIME_WATCH_ROOT: "false",
      RUNTIME_IGNOREDOTFILES: "true",
      PORT: String(RLS_HTTP_PORT),
      GRPC_PORT: String(RLS_GRPC_PORT),
    })
    .withCopyContentToContainer([{ content: domainYaml, target: "/data/ratelimit/config/sluice.yaml", mode: 0o644 }])
    .withExposedPorts(RLS_HTTP_PORT)
    .withWaitStrategy(Wait.forHttp("/healthcheck", RLS_HTTP_PORT).forStatusCode(200))
    .withStartupTimeout(60_000)
    .start();
  return {
    redis,
    ratelimit,
    stop: async () => {
      await Promise.all([ratelimit.stop().catch(() => undefined), redis.stop().catch(() => undefined)]);
    },
  };
}
