// `sluice render envoy|istio`: the output parses, keeps the chain order and is deterministic.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseAllDocuments, parse } from "yaml";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { bundleCli, sluice, type Cli } from "./helpers.js";

let cli: Cli;
let tmp: string;
beforeAll(async () => {
  cli = await bundleCli();
  tmp = mkdtempSync(join(tmpdir(), "sluice-render-"));
});
afterAll(() => {
  cli?.cleanup();
  rmSync(tmp, { recursive: true, force: true });
});

describe("sluice render envoy", () => {
  it("writes a bootstrap with the wasm filters in chain order, colour routes, clusters and stats tags", async () => {
    const r = await sluice(cli, ["render", "envoy", "examples/sluice.yaml"]);
    expect(r.code).toBe(0);
    const doc = parse(r.stdout);
    expect(doc.admin.address.socket_address).toEqual({ address: "127.0.0.1", port_value: 9901 });
    const listener = doc.static_resources.listeners[0];
    expect(listener.address.socket_address).toEqual({ address: "0.0.0.0", port_value: 10000 });
    const hcm = listener.filter_chains[0].filters[0].typed_config;
    expect(hcm.http_filters.map((f: any) => f.typed_config.config?.name ?? f.name))
      .toEqual(["spiffe-rbac", "rate-limit", "traffic-colour", "circuit-breaker", "envoy.filters.http.router"]);
    const rate = hcm.http_filters[1].typed_config;
    expect(rate["@type"]).toBe("type.googleapis.com/envoy.extensions.filters.http.wasm.v3.Wasm");
    expect(rate.config.vm_config).toEqual({ vm_id: "rate-limit", runtime: "envoy.wasm.runtime.v8", code: { local: { filename: "/etc/sluice/rate-limit.wasm" } } });
    expect(rate.config.configuration["@type"]).toBe("type.googleapis.com/google.protobuf.StringValue");
    expect(JSON.parse(rate.config.configuration.value).rules[0].name).toBe("per-user");
    expect(hcm.route_config.virtual_hosts[0].routes).toEqual([
      { name: "colour-canary", match: { prefix: "/", headers: [{ name: "x-sluice-colour", string_match: { exact: "canary" } }] }, route: { cluster: "canary" } },
      { name: "default", match: { prefix: "/" }, route: { cluster: "stable" } },
    ]);
    expect(doc.static_resources.clusters.map((c: any) => c.name)).toEqual(["canary", "stable"]);
    expect(doc.stats_config.stats_tags.map((t: any) => t.tag_name)).toEqual(["sluice_policy", "sluice_rule", "sluice_colour", "sluice_circuit"]);
    const colour = new RegExp(doc.stats_config.stats_tags[2].regex).exec("sluice.traffic_colour.v2.1.requests");
    expect(colour?.[2]).toBe("v2.1");
  });

  it("binds admin to 0.0.0.0 for containers, and is deterministic", async () => {
    const a = await sluice(cli, ["render", "envoy", "examples/sluice.yaml", "--container"]);
    const b = await sluice(cli, ["render", "envoy", "examples/sluice.yaml", "--container"]);
    expect(parse(a.stdout).admin.address.socket_address.address).toBe("0.0.0.0");
    expect(a.stdout).toBe(b.stdout);
  });
});

describe("sluice render istio", () => {
  it("writes one WasmPlugin per filter whose phase and priority keep the chain order", async () => {
    const r = await sluice(cli, ["render", "istio", "examples/sluice.yaml", "--out", tmp]);
    expect([r.code, r.stdout]).toEqual([0, `wrote ${join(tmp, "wasmplugins.yaml")}\n`]);
    const text = readFileSync(join(tmp, "wasmplugins.yaml"), "utf8");
    const docs = parseAllDocuments(text).map((d) => d.toJS());
    expect(docs.map((d) => [d.kind, d.metadata.name, d.spec.pluginName, d.spec.phase, d.spec.priority, d.spec.failStrategy])).toEqual([
      ["WasmPlugin", "sluice-spiffe-rbac", "spiffe-rbac", "AUTHZ", 20, "FAIL_CLOSE"],
      ["WasmPlugin", "sluice-rate-limit", "rate-limit", "AUTHZ", 10, "FAIL_OPEN"],
      ["WasmPlugin", "sluice-traffic-colour", "traffic-colour", "STATS", 20, "FAIL_OPEN"],
      ["WasmPlugin", "sluice-circuit-breaker", "circuit-breaker", "STATS", 10, "FAIL_OPEN"],
    ]);
    expect(docs[0].apiVersion).toBe("extensions.istio.io/v1alpha1");
    expect(docs[1].spec).toMatchObject({ url: "oci://ghcr.io/sluice/rate-limit:0.1.0", selector: { matchLabels: { app: "api" } }, type: "HTTP" });
    expect(docs[3].spec.pluginConfig.circuits[0].name).toBe("api");
    const again = await sluice(cli, ["render", "istio", "examples/sluice.yaml"]);
    expect(again.stdout).toBe(text);
  });

  it("refuses phases and priorities that would reorder the chain", async () => {
    const file = join(tmp, "reorder.yaml");
    writeFileSync(file, "filters:\n  - { id: rate-limit, phase: STATS, config: {} }\n  - { id: spiffe-rbac, phase: AUTHZ, config: {} }\n");
    const r = await sluice(cli, ["render", "istio", file]);
    expect([r.code, r.stderr]).toEqual([2, `sluice: ${file}: filters[1] (spiffe-rbac, AUTHZ/10) would run before filters[0] (rate-limit, STATS/20) in Istio: phases run AUTHN, AUTHZ, STATS, then unspecified; higher priority first\n`]);
  });
});
