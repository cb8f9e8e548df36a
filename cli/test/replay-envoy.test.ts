// `sluice replay --envoy`: the golden inputs served by a local Envoy give the decisions host-sim's
// golden outputs record: decision, status, details, local reply body, the response headers the
// filters write, the upstream's view of the headers they decide on, guest log messages and the
// final metrics. Fields that are Envoy's own (date, server, x-request-id, ...) are not compared.
// The rate-limit golden is left out: it keys a rule on properties["source.address"], which a real
// connection from 127.0.0.1 cannot carry (replay --envoy says so on stderr).
// Without an Envoy (ENVOY_BIN or PATH) the file prints one line and skips.
import { existsSync, readFileSync } from "node:fs";
import { resolve } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { envoyVersion } from "../local-envoy/envoy-process.js";
import { bundleCli, ROOT, sluice, type Cli } from "./helpers.js";

const version = await envoyVersion().catch((err: Error) => {
  process.stdout.write(`replay --envoy: skipped, no local Envoy (${err.message})\n`);
  return undefined;
});

const GOLDEN = resolve(import.meta.dirname, "golden");
const FILTER_RESPONSE = /^(x-sluice-|x-ratelimit-|ratelimit|retry-after$)/;
const FILTER_REQUEST = /^(x-sluice-|baggage$|x-forwarded-client-cert$)/;

type Line = Record<string, unknown> & { metrics?: Record<string, number> };

/** What both hosts must agree on. */
function decisions(l: Line): unknown {
  if (l.metrics !== undefined) return l;
  const pairs = (v: unknown, names: RegExp) => ((v as Array<[string, string]> | null) ?? []).filter(([k]) => names.test(k));
  return {
    index: l.index,
    decision: l.decision,
    status: l.status,
    details: l.details,
    body: l.decision === "local_response" ? l.body : undefined,
    response: pairs(l.response_headers, FILTER_RESPONSE),
    request: pairs(l.request_headers, FILTER_REQUEST),
    logs: (l.logs as Array<{ message: string }>).map((x) => x.message),
  };
}

const lines = (text: string): unknown[] => text.trim().split("\n").map((l) => decisions(JSON.parse(l) as Line));

describe.skipIf(version === undefined)("sluice replay --envoy", () => {
  let cli: Cli;
  beforeAll(async () => {
    cli = await bundleCli();
  });
  afterAll(() => cli?.cleanup());

  // the chain also as the bundle (build/sluice.wasm, one module): Envoy decides the same
  // chain-rls: rate-limit's call to the (unreachable) rate limit service fails and it resumes the
  // request, which the bundle must first run through traffic-colour (in the call's callback)
  const CASES: [string, string[]][] = [
    ["chain", []], ["chain", ["--bundle"]], ["chain-rls", []], ["chain-rls", ["--bundle"]], ["circuit-breaker", []], ["spiffe-rbac", []], ["traffic-colour", []],
  ];
  it.each(CASES)("%s %j: Envoy decides as the golden output says", async (name, extra) => {
    const dir = resolve(GOLDEN, name);
    const rel = (p: string) => p.slice(ROOT.length + 1);
    const chain = resolve(dir, "sluice.yaml");
    const args = existsSync(chain)
      ? ["replay", "--chain", rel(chain), "--input", rel(resolve(dir, "input.jsonl")), "--envoy", ...extra]
      : ["replay", "--filter", name, "--config", rel(resolve(dir, "config.json")), "--input", rel(resolve(dir, "input.jsonl")), "--envoy", ...extra];
    const r = await sluice(cli, args, { timeoutMs: 60_000 });
    expect(r.code, r.stderr).toBe(0);
    expect(lines(r.stdout)).toEqual(lines(readFileSync(resolve(dir, "output.jsonl"), "utf8")));
  }, 90_000);

  it("says which input it cannot apply, once each", async () => {
    const input = [
      { request: { headers: { ":path": "/" } }, properties: { "source.address": "10.0.0.1:1" }, worker: 0 },
      { request: { headers: { ":path": "/" } }, properties: { "source.address": "10.0.0.2:1" } },
    ].map((l) => JSON.stringify(l)).join("\n");
    const r = await sluice(cli, ["replay", "--filter", "traffic-colour", "--config", "cli/test/golden/traffic-colour/config.json", "--envoy"], { input, timeoutMs: 60_000 });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr.trim().split("\n")).toEqual([
      'replay --envoy: "worker" is ignored: Envoy gives each connection to a worker itself',
      'replay --envoy: properties["source.address"] is ignored: Envoy takes it from the real connection',
    ]);
    expect(r.stdout.trim().split("\n")).toHaveLength(3);
  }, 90_000);

  it("refuses an identity that cannot become a certificate SAN", async () => {
    const input = JSON.stringify({ request: { headers: { ":path": "/" } }, properties: { "connection.uri_san_peer_certificate": "spiffe://x/a, DNS:evil" } });
    const r = await sluice(cli, ["replay", "--filter", "spiffe-rbac", "--config", "cli/test/golden/spiffe-rbac/config.json", "--envoy"], { input, timeoutMs: 60_000 });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('stdin:1: properties["connection.uri_san_peer_certificate"] must be a URI (no commas or spaces) to become a client certificate, got "spiffe://x/a, DNS:evil"');
  }, 90_000);
});
