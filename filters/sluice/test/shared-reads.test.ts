// The bundle's shared reads (filters/shared/hook-reads.ts) through the built modules in host-sim:
// a value two filters of the chain read in one hook costs the bundle one host call (four modules:
// two), and a header an earlier filter writes is what the later filters read.
import { describe, expect, it } from "vitest";
import { Proxy, type RequestSpec } from "../../../host-sim/src/index.js";
import { startProxy, wasmPath } from "../../../bench/setup.js";
import type { ChainPlugin, Scenario } from "../../../bench/scenario.js";
import { withHeaders } from "../../../bench/scenario.js";
import { hostCallsIn } from "./shared-reads-model.js";

const REQUEST_HOOK = "proxy_on_request_headers";

/** `plugins` as four modules or as the bundle, tracing host calls. */
async function start(plugins: ChainPlugin[], bundle: boolean): Promise<Proxy> {
  const scenario: Scenario = { name: "shared-reads", filter: "chain", config: "", plugins, request: () => withHeaders([]), budget: { hostCallsPerRequest: 0 } };
  if (!bundle) return startProxy(scenario, undefined, true);
  const proxy = new Proxy({ workers: 1, logLevel: "info", trace: true });
  const config = { filters: plugins.map((p) => ({ id: p.filter, config: p.config })) };
  const plugin = await proxy.addPlugin({ name: "sluice", wasm: wasmPath("sluice"), rootId: "sluice", config: JSON.stringify(config) });
  if (!plugin.ok) throw new Error(plugin.logs("critical").join("; "));
  return proxy;
}

/** A request through `plugins` both ways (after `before` identical ones): the request hook's host
 *  calls and what the upstream received. */
async function both(plugins: ChainPlugin[], spec: RequestSpec, before = 0) {
  const out = [];
  for (const bundle of [false, true]) {
    const proxy = await start(plugins, bundle);
    for (let i = 0; i < before; i++) proxy.request(spec);
    const { stream } = proxy.request(spec);
    out.push({ calls: hostCallsIn(proxy, stream.result.trace, REQUEST_HOOK), upstream: stream.result.requestHeaders ?? [], proxy });
  }
  return { modules: out[0], bundle: out[1] };
}

const count = (calls: string[], call: string): number => calls.filter((c) => c === call).length;

const PER_USER_LIMIT: ChainPlugin = {
  filter: "rate-limit",
  config: { rules: [{ name: "per-user", key: [{ source: "header", name: "x-user-id" }], limits: [{ requests: 100, per: "1s" }] }] },
};
const PER_USER_CIRCUIT: ChainPlugin = {
  filter: "circuit-breaker",
  config: { circuits: [{ name: "per-user", key: { source: "header", name: "x-user-id" }, slow_call: "2s", consecutive_failures: 3 }] },
};
const COLOURS: ChainPlugin = {
  filter: "traffic-colour",
  config: {
    colours: ["stable", "canary"], default_colour: "stable",
    rules: [
      { name: "opt-in", colour: "canary", match: { source: "header", name: "x-env", op: "equals", value: "canary" } },
      { name: "canary-paths", colour: "canary", match: { source: "path", op: "prefix", value: "/canary/" } },
    ],
  },
};
const PER_COLOUR_CIRCUIT: ChainPlugin = {
  filter: "circuit-breaker",
  config: { circuits: [{ name: "api", key: { source: "colour" }, max_keys: 4, consecutive_failures: 1, open_duration: "10s" }] },
};
const NO_ADMIN: ChainPlugin = { filter: "spiffe-rbac", config: { policies: [{ name: "no-admin", action: "DENY", to: { paths: ["/admin*"] } }] } };

describe("the bundle's shared reads", () => {
  it("reads a header that rate-limit and circuit-breaker both key on once, four modules twice", async () => {
    const { modules, bundle } = await both([PER_USER_LIMIT, PER_USER_CIRCUIT], withHeaders([]), 1);
    expect(count(modules.calls, "proxy_get_header_map_value x-user-id")).toBe(2);
    expect(count(bundle.calls, "proxy_get_header_map_value x-user-id")).toBe(1);
  });

  it("reads a key once where four modules read it three times (circuit-breaker meeting a key reads it twice)", async () => {
    const { modules, bundle } = await both([PER_USER_LIMIT, PER_USER_CIRCUIT], withHeaders([]));
    expect(count(modules.calls, "proxy_get_header_map_value x-user-id")).toBe(3);
    expect(count(bundle.calls, "proxy_get_header_map_value x-user-id")).toBe(1);
  });

  it("reads the clock once per hook where rate-limit and circuit-breaker both need it, four modules twice", async () => {
    const { modules, bundle } = await both([PER_USER_LIMIT, PER_USER_CIRCUIT], withHeaders([]), 1);
    expect(count(modules.calls, "proxy_get_current_time_nanoseconds")).toBe(2);
    expect(count(bundle.calls, "proxy_get_current_time_nanoseconds")).toBe(1);
    // the key and the clock: nothing else differs
    expect(bundle.calls.length).toBe(modules.calls.length - 2);
  });

  it("gives circuit-breaker the colour traffic-colour wrote, from the write, not a stale or second read", async () => {
    const { modules, bundle } = await both([COLOURS, PER_COLOUR_CIRCUIT], withHeaders([["x-env", "canary"], ["x-sluice-colour", "stable"]]));
    expect(bundle.upstream).toEqual(modules.upstream);
    expect(bundle.upstream).toContainEqual(["x-sluice-colour", "canary"]);
    expect(modules.calls).toContain("proxy_get_header_map_value x-sluice-colour");
    expect(bundle.calls).toContain("proxy_replace_header_map_value x-sluice-colour");
    expect(bundle.calls).not.toContain("proxy_get_header_map_value x-sluice-colour");
    // the circuit circuit-breaker opened is the written colour's: a canary request is rejected, a stable one not
    for (const { proxy } of [modules, bundle]) {
      proxy.request({ ...withHeaders([["x-env", "canary"]]), response: { headers: [[":status", "503"]] } });
      expect(proxy.request(withHeaders([["x-env", "canary"]])).stream.result.decision).toBe("local_response");
      expect(proxy.request(withHeaders([])).stream.result.decision).toBe("continue");
    }
  });

  it("lets traffic-colour match the :path spiffe-rbac normalized, reading it from spiffe-rbac's write", async () => {
    const { modules, bundle } = await both([NO_ADMIN, COLOURS], withHeaders([], "/api/../canary/./x"));
    expect(modules.upstream).toContainEqual([":path", "/canary/x"]);
    expect(bundle.upstream).toEqual(modules.upstream);
    expect(bundle.upstream).toContainEqual(["x-sluice-colour", "canary"]);
    expect(count(modules.calls, "proxy_get_header_map_value :path")).toBe(2);
    expect(count(bundle.calls, "proxy_get_header_map_value :path")).toBe(1);
    expect(bundle.calls.indexOf("proxy_replace_header_map_value :path")).toBeGreaterThan(bundle.calls.indexOf("proxy_get_header_map_value :path"));
  });

  it("reads a header from the host again after another filter removed it", async () => {
    // traffic-colour removes a colour header that names no colour when no rule colours (no
    // default): circuit-breaker keyed on colour reads the header's absence from the host
    const noDefault: ChainPlugin = { filter: "traffic-colour", config: { colours: ["stable", "canary"] } };
    const { modules, bundle } = await both([noDefault, PER_COLOUR_CIRCUIT], withHeaders([["x-sluice-colour", "purple"]]), 1);
    expect(bundle.upstream).toEqual(modules.upstream);
    expect(bundle.upstream.some(([k]) => k === "x-sluice-colour")).toBe(false);
    const removed = bundle.calls.indexOf("proxy_remove_header_map_value x-sluice-colour");
    expect(removed).toBeGreaterThan(-1);
    expect(bundle.calls.slice(removed)).toContain("proxy_get_header_map_value x-sluice-colour");
    expect(bundle.calls).toEqual(modules.calls);
  });
});
