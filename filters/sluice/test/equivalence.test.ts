// The bundle (build/sluice.wasm) against the separate modules: every benchmark scenario of the
// four filters and the example chain, and chains that pause on the rate limit service, run both
// ways in host-sim must give the same decisions, headers, bodies, logs, metrics and shared data,
// and the bundle's host calls per request are the separate modules' less the reads it shares.
import { existsSync } from "node:fs";
import { describe, expect, it, vi } from "vitest";
import { Proxy, type StreamResult } from "../../../host-sim/src/index.js";
import { pluginsOf, startProxy, wasmPath } from "../../../bench/setup.js";
import { SCENARIOS } from "../../../bench/scenarios/index.js";
import type { ChainPlugin, Scenario } from "../../../bench/scenario.js";
import { plainRequest, withHeaders } from "../../../bench/scenario.js";
import { logFilterOf } from "../../../cli/sluice-bundle.js";
import { shareableReads } from "./shared-reads-model.js";

// WASI random_get (traffic-colour's random splits) from a generator both runs restart, so that
// random choices are the same draws in the same order.
const random = vi.hoisted(() => ({ state: 1 }));
vi.mock("node:crypto", async (importOriginal) => {
  const actual = await importOriginal<typeof import("node:crypto")>();
  return {
    ...actual,
    randomFillSync: <T extends NodeJS.ArrayBufferView>(buf: T): T => {
      const bytes = new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength);
      for (let i = 0; i < bytes.length; i++) {
        random.state = (random.state * 1103515245 + 12345) >>> 0;
        bytes[i] = random.state >>> 24;
      }
      return buf;
    },
  };
});

const REQUESTS = 150;
const BUNDLE = wasmPath("sluice");
const RLS_OK = Uint8Array.of(0x08, 0x01);
const RLS_OVER_LIMIT = Uint8Array.of(0x08, 0x02);

/** A proxy running the scenario's plugins as the bundle: one plugin, root id "sluice". */
async function startBundle(scenario: Scenario): Promise<Proxy> {
  const proxy = new Proxy({ workers: scenario.workers ?? 1, logLevel: "info" });
  const config = { filters: pluginsOf(scenario).map((p) => ({ id: p.filter, config: p.config })) };
  const plugin = await proxy.addPlugin({ name: "sluice", wasm: BUNDLE, rootId: "sluice", config: JSON.stringify(config), clusters: scenario.clusters });
  if (!plugin.ok) throw new Error(`${scenario.name}: the bundle did not start: ${plugin.logs("critical").join("; ")}`);
  scenario.setup?.(proxy);
  return proxy;
}

/** What a request's client, upstream and operator see (the plugin a log line comes from named
 *  by the filter, as replay prints it). */
function observed(r: StreamResult): unknown {
  const { plugin: _plugin, ...reply } = r.localResponse ?? { plugin: "" };
  return {
    decision: r.decision, reply, requestHeaders: r.requestHeaders, responseHeaders: r.responseHeaders,
    body: Buffer.from(r.responseBody).toString("latin1"),
    logs: r.logs.map((e) => [e.level, logFilterOf(e.plugin, e.message), e.message]),
  };
}

/** Every request's observations, then the metrics and shared data (values) after ticks; and
 *  the host calls of each request. */
async function run(scenario: Scenario, bundle: boolean): Promise<{ seen: unknown[]; hostCalls: number[]; shareable: number[] }> {
  random.state = 1;
  const proxy = bundle ? await startBundle(scenario) : await startProxy(scenario, undefined, true);
  const seen: unknown[] = [];
  const hostCalls: number[] = [];
  const shareable: number[] = [];
  for (let i = 0; i < REQUESTS; i++) {
    const result = proxy.request(scenario.request(i)).stream.result;
    seen.push(observed(result));
    hostCalls.push(result.hostCalls);
    if (!bundle) shareable.push(shareableReads(proxy, result.trace));
    proxy.advance(scenario.advanceMs ?? 0);
  }
  for (let t = 0; t < 3; t++) {
    proxy.advance(500);
    seen.push(proxy.metrics());
  }
  const vmIds = bundle ? ["sluice"] : pluginsOf(scenario).map((p) => p.filter);
  const shared = new Map<string, unknown>();
  for (const id of vmIds) for (const [k, v] of proxy.sharedData(id)) shared.set(k, v.value); // cas numbers are the host's own
  seen.push([...shared.entries()].sort(([a], [b]) => a.localeCompare(b)));
  return { seen, hostCalls, shareable };
}

const RLS_RULE = { name: "tenant", global: true, limits: [{ requests: 1000, per: "1s" }], key: [{ source: "header", name: "x-tenant" }] };
const COLOUR: ChainPlugin = {
  filter: "traffic-colour",
  config: { colours: ["stable", "canary"], default_colour: "stable", rules: [{ name: "opt-in", colour: "canary", match: { source: "header", name: "x-env", op: "equals", value: "canary" } }] },
};
const BREAKER: ChainPlugin = { filter: "circuit-breaker", config: { circuits: [{ name: "api", key: { source: "colour" }, max_keys: 4, consecutive_failures: 2, open_duration: "1s" }] } };

/** Chains where rate-limit pauses the request for its rate limit service, which answers later:
 *  the filters after it run when it resumes the request (or never, when it rejects). */
function pausingChain(name: string, answer: (i: number) => Uint8Array | null): Scenario {
  let calls = 0;
  return {
    name: `bundle/${name}`,
    filter: "chain",
    config: name,
    plugins: [
      { filter: "spiffe-rbac", config: { policies: [{ name: "no-admin", action: "DENY", to: { paths: ["/admin*"] } }] } },
      { filter: "rate-limit", config: { rules: [RLS_RULE], rls: { cluster: "ratelimit", domain: "shop", failure_mode_deny: true }, headers_mode: "draft03" } },
      COLOUR, BREAKER,
    ],
    clusters: ["ratelimit"],
    setup: (proxy) => {
      calls = 0;
      proxy.onGrpcCall((call) => {
        const message = answer(calls++);
        if (message === null) call.close(14, "unavailable", { delayMs: 3 });
        else call.respond(message, { delayMs: 5 });
      });
    },
    advanceMs: 10,
    request: (i) => {
      const spec = withHeaders([["x-tenant", `t${i % 3}`], ...(i % 4 === 0 ? [["x-env", "canary"] as [string, string]] : [])], i % 7 === 0 ? "/admin/x" : "/api");
      return i % 5 === 0 ? { ...spec, response: { headers: [[":status", "503"]] } } : spec;
    },
    budget: { hostCallsPerRequest: 0 },
  };
}

const EXTRA: Scenario[] = [
  pausingChain("rls-allows", () => RLS_OK),
  pausingChain("rls-mixed", (i) => (i % 3 === 0 ? RLS_OVER_LIMIT : i % 3 === 1 ? RLS_OK : null)),
  { name: "bundle/plain-requests", filter: "chain", config: "", plugins: [COLOUR, BREAKER], request: () => plainRequest(), budget: { hostCallsPerRequest: 0 } },
];

describe("the bundle against the separate modules", () => {
  it("is built", () => {
    expect(existsSync(BUNDLE)).toBe(true);
  });

  const separate = SCENARIOS.filter((s) => pluginsOf(s).every((p) => p.filter !== "sluice"));
  it.each([...separate, ...EXTRA].map((s) => [s.name, s] as const))("%s: the same requests give the same results", async (_name, scenario) => {
    const separate = await run(scenario, false);
    const bundled = await run(scenario, true);
    expect(bundled.seen).toEqual(separate.seen);
    // the bundle shares reads within a hook (filters/shared/hook-reads.ts): never more host calls,
    // fewer exactly where the model of what it keeps says (shared-reads.test.ts checks the model)
    expect(bundled.hostCalls).toEqual(separate.hostCalls.map((n, i) => n - separate.shareable[i]));
  });
});
