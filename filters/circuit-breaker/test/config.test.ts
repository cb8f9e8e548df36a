import { readdirSync, readFileSync } from "node:fs";
import { resolve } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { loadEntry } from "./load.js";

interface ConfigModule {
  configError(text: string): string;
  describeConfig(text: string): string;
}

let m: ConfigModule;
beforeAll(async () => {
  m = await loadEntry<ConfigModule>("config");
});

const FIXTURES = resolve(import.meta.dirname, "fixtures");
const circuit = (extra: Record<string, unknown> = {}) => ({ name: "api", failure_rate: 0.5, ...extra });
const config = (extra: Record<string, unknown> = {}) => JSON.stringify({ circuits: [circuit(extra)] });

// Errors a JSON Schema cannot express: the filter's own checks.
const semanticErrors: [string, string, string][] = [
  ["an empty config", "", "circuit-breaker: circuits: is required, got nothing"],
  ["invalid JSON", "{", "circuit-breaker: $: invalid JSON at byte 1: unexpected end of input"],
  ["a duplicate circuit name", JSON.stringify({ circuits: [circuit(), circuit()] }),
    "circuit-breaker: circuits[1].name: duplicate circuit name, got \"api\""],
  ["a name unfit for metric names", config({ name: "a.b" }),
    "circuit-breaker: circuits[0].name: must contain only letters, digits, \"_\" and \"-\", got \"a.b\""],
  ["no trip condition", JSON.stringify({ circuits: [{ name: "api" }] }),
    "circuit-breaker: circuits[0]: must set consecutive_failures, failure_rate, slow_call_rate or max_in_flight, got {...}"],
  ["slow_call_rate without slow_call_ms", config({ slow_call_rate: 0.5 }),
    "circuit-breaker: circuits[0].slow_call_rate: requires slow_call_ms, got 0.5"],
  ["a status range that does not parse", config({ failure: { http_statuses: ["5xx"] } }),
    "circuit-breaker: circuits[0].failure.http_statuses[0]: is not a status or status range like \"500-599\", got \"5xx\""],
  ["a reversed status range", config({ failure: { ignore_http_statuses: ["599-500"] } }),
    "circuit-breaker: circuits[0].failure.ignore_http_statuses[0]: is not a status or status range like \"500-599\", got \"599-500\""],
  ["a status outside 100..599", config({ failure: { http_statuses: ["600"] } }),
    "circuit-breaker: circuits[0].failure.http_statuses[0]: is not a status or status range like \"500-599\", got \"600\""],
  ["an open duration that does not parse", config({ open_duration: "ten seconds" }),
    "circuit-breaker: circuits[0].open_duration: must be a duration like \"1s\" or \"250ms\", got \"ten seconds\""],
  ["a zero open duration", config({ open_duration: "0s" }),
    "circuit-breaker: circuits[0].open_duration: must be >= 1ms, got \"0s\""],
  ["a zero time window", config({ window: { type: "time", duration: "0s" } }),
    "circuit-breaker: circuits[0].window.duration: must be >= 1ms, got \"0s\""],
  ["a time window shorter than its buckets", config({ window: { type: "time", duration: "5ms", buckets: 10 } }),
    "circuit-breaker: circuits[0].window.duration: must be at least 1ms per bucket (10 buckets), got \"5ms\""],
  ["max_open_duration below open_duration", config({ open_duration: "60s", max_open_duration: "30s" }),
    "circuit-breaker: circuits[0].max_open_duration: must be >= open_duration (60000ms), got \"30s\""],
  ["minimum_calls above the count window", config({ window: { size: 10 }, minimum_calls: 11 }),
    "circuit-breaker: circuits[0].minimum_calls: must be <= window.size (10), got 11"],
  ["close_after_successes above half_open_probes", config({ half_open_probes: 2, close_after_successes: 3 }),
    "circuit-breaker: circuits[0].close_after_successes: must be <= half_open_probes (2), got 3"],
  ["a header key without a header name", config({ key: { source: "header" } }),
    "circuit-breaker: circuits[0].key.header: is required when source is \"header\", got nothing"],
  ["a header name with another key source", config({ key: { source: "route", header: "x-colour" } }),
    "circuit-breaker: circuits[0].key.header: only applies when source is \"header\", got \"x-colour\""],
  ["max_keys on an unsplit circuit", config({ key: { max_keys: 4 } }),
    "circuit-breaker: circuits[0].key.max_keys: does not apply when source is \"none\", got 4"],
  ["a window size on a time window", config({ window: { type: "time", size: 10 } }),
    "circuit-breaker: circuits[0].window.size: only applies when type is \"count\", got 10"],
  ["buckets on a count window", config({ window: { buckets: 10 } }),
    "circuit-breaker: circuits[0].window.buckets: only applies when type is \"time\", got 10"],
];

function fixtures(kind: "valid" | "invalid"): [string, string][] {
  const dir = resolve(FIXTURES, kind);
  return readdirSync(dir).filter((f) => f.endsWith(".json")).sort().map((f) => [f, readFileSync(resolve(dir, f), "utf8")]);
}

describe("circuit-breaker › config", () => {
  it.each(fixtures("invalid"))("rejects fixture %s with its exact message", (_file, text) => {
    const fixture = JSON.parse(text) as { config: unknown; error: string };
    expect(m.configError(JSON.stringify(fixture.config))).toBe(fixture.error);
  });

  it.each(semanticErrors)("rejects %s", (_name, text, error) => {
    expect(m.configError(text)).toBe(error);
  });

  it.each(fixtures("valid"))("accepts fixture %s", (_file, text) => {
    expect(m.configError(text)).toBe("");
  });

  it("fills every default of a minimal circuit", () => {
    expect(m.describeConfig(config())).toBe(
      "name=api mode=enforce key=none max_keys=1 http=500-599 ignore= grpc=2,4,13,14 upstream=true slow_ms=0 " +
      "consecutive=0 failure_rate=0.5 slow_rate=0 minimum_calls=10 window=count/100/10000ms/10 open_ms=60000 " +
      "backoff=1 max_open_ms=300000 jitter=0 probes=1 close_after=1 max_in_flight=0 reply=503 headers=0");
  });

  it("reads every field of a full circuit", () => {
    const full = {
      circuits: [{
        name: "payments", mode: "shadow",
        match: { hosts: ["*.example"], paths: ["/pay/*"], methods: ["POST"], headers: [{ name: "X-Tenant", value: "a*" }] },
        key: { source: "header", header: "X-Colour", max_keys: 4 },
        failure: { http_statuses: ["500-504", "429"], ignore_http_statuses: ["501"], grpc_statuses: [14], upstream_failures: false },
        slow_call_ms: 300, consecutive_failures: 5, failure_rate: 0.6, slow_call_rate: 0.8, minimum_calls: 5,
        window: { type: "time", duration: "3s", buckets: 3 },
        open_duration: "10s", backoff_multiplier: 2, max_open_duration: "1m", open_jitter: 0.1,
        half_open_probes: 3, close_after_successes: 2, max_in_flight: 100,
        reply: { status: 429, body: "busy", headers: [{ name: "X-Why", value: "circuit" }] },
      }],
    };
    expect(m.describeConfig(JSON.stringify(full))).toBe(
      "name=payments mode=shadow key=header:x-colour max_keys=4 http=500-504,429-429 ignore=501-501 grpc=14 " +
      "upstream=false slow_ms=300 consecutive=5 failure_rate=0.6 slow_rate=0.8 minimum_calls=5 window=time/100/3000ms/3 " +
      "open_ms=10000 backoff=2 max_open_ms=60000 jitter=0.1 probes=3 close_after=2 max_in_flight=100 reply=429 headers=1");
  });

  it("caps the default minimum_calls at a smaller count window", () => {
    expect(m.describeConfig(config({ window: { size: 4 } }))).toContain("minimum_calls=4 window=count/4/");
  });

  it("keeps max_open_duration at open_duration when open_duration is longer than the default", () => {
    expect(m.describeConfig(config({ open_duration: "10m" }))).toContain("open_ms=600000 backoff=1 max_open_ms=600000");
  });

  it("accepts a forced_open circuit without trip conditions", () => {
    expect(m.configError(JSON.stringify({ circuits: [{ name: "maintenance", mode: "forced_open" }] }))).toBe("");
  });
});
