// circuit-breaker › config: compilation (defaults, every field) and the checks a JSON Schema cannot
// say. Schema-level errors are in the corpus (test/corpus.ts), checked through the built module
// and `sluice validate` alike (cli/test/config-corpus.test.ts).
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

const VALID = resolve(import.meta.dirname, "fixtures/valid");
const circuit = (extra: Record<string, unknown> = {}) => ({ name: "api", failure_rate: 0.5, ...extra });
const config = (extra: Record<string, unknown> = {}) => JSON.stringify({ circuits: [circuit(extra)] });

// Errors a JSON Schema cannot express: the filter's own checks.
const semanticErrors: [string, string, string][] = [
  ["a duplicate circuit name", JSON.stringify({ circuits: [circuit(), circuit()] }),
    "circuit-breaker: circuits[1].name: duplicate circuit name, got \"api\""],
  ["no trip condition", JSON.stringify({ circuits: [{ name: "api" }] }),
    "circuit-breaker: circuits[0]: must set consecutive_failures, failure_rate, slow_call_rate or max_in_flight, got {...}"],
  ["a status range that does not parse", config({ failure: { http_statuses: ["5xx"] } }),
    "circuit-breaker: circuits[0].failure.http_statuses[0]: is not a status or status range like \"500-599\", got \"5xx\""],
  ["a reversed status range", config({ failure: { ignore_http_statuses: ["599-500"] } }),
    "circuit-breaker: circuits[0].failure.ignore_http_statuses[0]: is not a status or status range like \"500-599\", got \"599-500\""],
  ["a status outside 100..599", config({ failure: { http_statuses: ["600"] } }),
    "circuit-breaker: circuits[0].failure.http_statuses[0]: is not a status or status range like \"500-599\", got \"600\""],
  ["a time window shorter than its buckets", config({ window: { type: "time", duration: "5ms", buckets: 10 } }),
    "circuit-breaker: circuits[0].window.duration: must be at least 1ms per bucket (10 buckets), got \"5ms\""],
  ["max_open_duration below open_duration", config({ open_duration: "60s", max_open_duration: "30s" }),
    "circuit-breaker: circuits[0].max_open_duration: must be >= open_duration (60000ms), got \"30s\""],
  ["minimum_calls above the count window", config({ window: { size: 10 }, minimum_calls: 11 }),
    "circuit-breaker: circuits[0].minimum_calls: must be <= window.size (10), got 11"],
  ["close_after_successes above half_open_probes", config({ half_open_probes: 2, close_after_successes: 3 }),
    "circuit-breaker: circuits[0].close_after_successes: must be <= half_open_probes (2), got 3"],
];

describe("circuit-breaker › config", () => {
  it.each(readdirSync(VALID).filter((f) => f.endsWith(".json")).sort())("accepts fixture %s", (file) => {
    expect(m.configError(readFileSync(resolve(VALID, file), "utf8"))).toBe("");
  });

  it.each(semanticErrors)("rejects %s", (_name, text, error) => {
    expect(m.configError(text)).toBe(error);
  });

  it("reports every semantic problem, one line each", () => {
    expect(m.configError(JSON.stringify({ circuits: [circuit({ minimum_calls: 200 }), circuit({ failure: { http_statuses: ["5"] } })] })).split("\n")).toEqual([
      "circuit-breaker: circuits[0].minimum_calls: must be <= window.size (100), got 200",
      "circuit-breaker: circuits[1].failure.http_statuses[0]: is not a status or status range like \"500-599\", got \"5\"",
      "circuit-breaker: circuits[1].name: duplicate circuit name, got \"api\"",
    ]);
  });

  it("fills every default of a minimal circuit from the schema", () => {
    expect(m.describeConfig(config())).toBe(
      "name=api mode=0 key=0 max_keys=1 http=500-599 ignore= grpc=2,4,13,14 upstream=true slow_ms=0 " +
      "consecutive=0 failure_rate=0.5 slow_rate= minimum_calls=10 window=0/100/0ms/1 open_ms=60000 " +
      "backoff=1.0 max_open_ms=300000 jitter=0.0 probes=1 close_after=1 max_in_flight=0 reply=503 headers=0 grpc_reply=14");
  });

  it("reads every field of a full circuit", () => {
    const full = {
      circuits: [{
        name: "payments", mode: "shadow",
        match: { hosts: [{ glob: "*.example" }], paths: [{ prefix: "/pay/" }], methods: ["POST"], headers: [{ name: "X-Tenant", glob: "a*" }] },
        key: { source: "header", name: "X-Colour" }, max_keys: 4,
        failure: { http_statuses: ["500-504", "429"], ignore_http_statuses: ["501"], grpc_statuses: [14], upstream_failures: false },
        slow_call: "300ms", consecutive_failures: 5, failure_rate: 0.6, slow_call_rate: 0.8, minimum_calls: 5,
        window: { type: "time", duration: "3s", buckets: 3 },
        open_duration: "10s", backoff_multiplier: 2, max_open_duration: "1m", open_jitter: 0.1,
        half_open_probes: 3, close_after_successes: 2, max_in_flight: 100,
        reply: { status: 429, body: "busy", headers: [{ name: "X-Why", value: "circuit" }], grpc_status: 8 },
      }],
    };
    expect(m.describeConfig(JSON.stringify(full))).toBe(
      "name=payments mode=1 key=3:x-colour max_keys=4 http=500-504,429-429 ignore=501-501 grpc=14 " +
      "upstream=false slow_ms=300 consecutive=5 failure_rate=0.6 slow_rate=0.8 minimum_calls=5 window=1/0/3000ms/3 " +
      "open_ms=10000 backoff=2.0 max_open_ms=60000 jitter=0.1 probes=3 close_after=2 max_in_flight=100 reply=429 headers=1 grpc_reply=8");
  });

  it.each([
    [{ source: "host" }, "key=4 max_keys=16"],
    [{ source: "cluster" }, "key=1 max_keys=16"],
    [{ source: "route" }, "key=2 max_keys=16"],
    [{ source: "colour" }, "key=3:x-sluice-colour max_keys=16"],
    [{ source: "colour", header: "X-Release" }, "key=3:x-release max_keys=16"],
  ])("splits a circuit by the key %j", (key, described) => {
    expect(m.describeConfig(config({ key }))).toContain(described);
  });

  it("caps the default minimum_calls at a smaller count window", () => {
    expect(m.describeConfig(config({ window: { size: 4 } }))).toContain("minimum_calls=4 window=0/4/");
  });

  it("keeps max_open_duration at open_duration when open_duration is longer than the default", () => {
    expect(m.describeConfig(config({ open_duration: "10m" }))).toContain("open_ms=600000 backoff=1.0 max_open_ms=600000");
  });

  it("accepts a forced_open circuit without trip conditions", () => {
    expect(m.configError(JSON.stringify({ circuits: [{ name: "maintenance", mode: "forced_open" }] }))).toBe("");
  });
});
