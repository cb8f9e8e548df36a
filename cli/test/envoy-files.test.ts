// envoy/: the generated configs are up to date (npm run render), the Istio manifests pass the
// CRDs' schemas and CEL rules (cli/render/istio-schema.ts), and every Envoy bootstrap is checked
// without Envoy: known type URLs only, routes name existing clusters, each filter's configuration
// is JSON that `sluice validate` accepts. (`envoy --mode validate`: envoy-validate.test.ts.)
import { execFile } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { promisify } from "node:util";
import { parse, parseAllDocuments } from "yaml";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { TYPE } from "../render/envoy.js";
import { istioProblems } from "../render/istio-schema.js";
import { bundleCli, ROOT, sluice, type Cli } from "./helpers.js";

const run = promisify(execFile);
const FILTERS = ["spiffe-rbac", "rate-limit", "traffic-colour", "circuit-breaker"];
const ENVOY = join(ROOT, "envoy");
const BOOTSTRAPS = [...FILTERS, "chain", "bundle"];
const ISTIO_DIRS = ["istio", "istio-trafficextension"];

let cli: Cli;
let tmp: string;
let fresh: string;
beforeAll(async () => {
  cli = await bundleCli();
  tmp = mkdtempSync(join(tmpdir(), "sluice-envoy-"));
  fresh = join(tmp, "envoy");
  await run(process.execPath, [join(ROOT, "scripts/render-envoy.mjs"), "--cli", cli.bin, "--out", fresh], { cwd: ROOT });
});
afterAll(() => {
  cli?.cleanup();
  if (tmp) rmSync(tmp, { recursive: true, force: true });
});

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? files(path) : [path];
  });
}

const read = (path: string) => readFileSync(path, "utf8");
const yamlOf = (path: string) => parse(read(path), { uniqueKeys: true });

describe("envoy/", () => {
  it("is up to date with sluice render (npm run render)", () => {
    const generated = files(fresh).map((f) => relative(fresh, f)).sort();
    expect(generated).toEqual([
      ...FILTERS.map((id) => `${id}/envoy.yaml`), "chain/envoy.yaml", "bundle/envoy.yaml",
      ...ISTIO_DIRS.flatMap((dir) => [...FILTERS.map((id) => `${dir}/${id}.yaml`), `${dir}/routing.yaml`, `${dir}/metrics.yaml`, `${dir}/patches/proxy-config.yaml`]),
      "observability/sluice-alerts.yaml", "observability/sluice-dashboard.json",
    ].sort());
    for (const f of generated) {
      let current: string | undefined;
      try {
        current = read(join(ENVOY, f));
      } catch {
        current = undefined;
      }
      expect(current, `envoy/${f} is missing or out of date: run npm run render`).toBe(read(join(fresh, f)));
    }
    // nothing stale: besides the inputs and the README every file is generated
    const inputs = ["README.md", ...FILTERS.map((id) => `${id}/sluice.yaml`), "observability/sluice-alerts.test.yaml"];
    const stale = files(ENVOY).map((f) => relative(ENVOY, f)).filter((f) => !inputs.includes(f) && !generated.includes(f));
    expect(stale, "envoy/ has files sluice render no longer writes: remove them, or run npm run render").toEqual([]);
  });

  it("describes every file in envoy/README.md", () => {
    const readme = read(join(ENVOY, "README.md"));
    for (const f of files(ENVOY).map((f) => relative(ENVOY, f)).filter((f) => f !== "README.md")) expect(readme, f).toContain(f);
    expect(readme).toContain("npm run render");
  });
});

describe("envoy/istio and envoy/istio-trafficextension", () => {
  const documents = (dir: string, name: string) => parseAllDocuments(read(join(ENVOY, dir, name))).map((d) => d.toJS());

  it.each(ISTIO_DIRS.flatMap((dir) => [...FILTERS.map((id) => `${id}.yaml`), "routing.yaml", "metrics.yaml"].map((f) => [dir, f] as const)))(
    "%s/%s: every document passes the CRD's schema and CEL rules", (dir, file) => {
      for (const doc of documents(dir, file)) expect(istioProblems(doc), `${dir}/${file} ${doc.kind}`).toEqual([]);
    });

  it("renders one extension per filter: WasmPlugin in istio/, TrafficExtension (the same fields under wasm) in istio-trafficextension/", () => {
    for (const id of FILTERS) {
      const [plugin] = documents("istio", `${id}.yaml`);
      const [extension] = documents("istio-trafficextension", `${id}.yaml`);
      expect([plugin.kind, plugin.metadata.name, plugin.spec.pluginName, plugin.spec.url]).toEqual(["WasmPlugin", `sluice-${id}`, id, `oci://ghcr.io/sluice/${id}:0.1.0`]);
      const { selector, targetRefs, phase, priority, match, ...wasm } = plugin.spec;
      expect(extension).toEqual({ ...plugin, kind: "TrafficExtension", spec: JSON.parse(JSON.stringify({ selector, targetRefs, phase, priority, match, wasm })) });
    }
  });

  it("orders the chain on each proxy through phase and priority, and puts traffic-colour on the callers' outbound side", () => {
    const rank: Record<string, number> = { AUTHN: 0, AUTHZ: 1, STATS: 2, UNSPECIFIED_PHASE: 3 };
    const placed = FILTERS.map((id) => ({ id, ...documents("istio", `${id}.yaml`)[0].spec }));
    const onApi = placed.filter((p) => p.selector.matchLabels.app === "api");
    // Istio's order: phase, then higher priority first
    const sorted = [...onApi].sort((a, b) => rank[a.phase]! - rank[b.phase]! || b.priority - a.priority);
    expect(sorted.map((p) => p.id)).toEqual(["spiffe-rbac", "rate-limit", "circuit-breaker"]);
    expect(placed.find((p) => p.id === "traffic-colour")).toMatchObject({ selector: { matchLabels: { app: "web" } }, match: [{ mode: "CLIENT" }] });
    expect(placed.map((p) => [p.id, p.failStrategy])).toEqual([
      ["spiffe-rbac", "FAIL_CLOSE"], ["rate-limit", "FAIL_OPEN"], ["traffic-colour", "FAIL_OPEN"], ["circuit-breaker", "FAIL_OPEN"],
    ]);
  });

  it("routing.yaml: the VirtualService and DestinationRule agree on the subsets", () => {
    const [vs, dr] = documents("istio", "routing.yaml");
    const subsets = dr.spec.subsets.map((s: { name: string }) => s.name);
    const routed = vs.spec.http.flatMap((h: any) => h.route.map((r: any) => [r.destination.host, r.destination.subset]));
    for (const [host, subset] of routed) expect([host, subsets.includes(subset)]).toEqual([dr.spec.host, true]);
    expect(vs.spec.http.flatMap((h: any) => (h.match ?? []).flatMap((m: any) => Object.keys(m.headers)))).toEqual(["x-sluice-colour"]);
  });

  it("metrics.yaml merges the bootstrap's stats_tags into the proxies of the filters' namespace; the patch keeps the sluice.* stats", () => {
    const bootstrap = yamlOf(join(ENVOY, "chain/envoy.yaml"));
    const [filter] = documents("istio", "metrics.yaml");
    expect(filter.spec.configPatches).toEqual([{ applyTo: "BOOTSTRAP", patch: { operation: "MERGE", value: { stats_config: { stats_tags: bootstrap.stats_config.stats_tags } } } }]);
    const patch = yamlOf(join(ENVOY, "istio/patches/proxy-config.yaml"));
    expect(parse(patch.spec.template.metadata.annotations["proxy.istio.io/config"])).toEqual({
      proxyMetadata: { BOOTSTRAP_XDS_AGENT: "true" }, proxyStatsMatcher: { inclusionRegexps: ["(wasmcustom\\.)?sluice\\..*"] },
    });
  });

  it("the checks reject what the CRDs reject", () => {
    const [good] = documents("istio", "rate-limit.yaml");
    const wrong = (spec: object) => ({ ...good, spec: { ...good.spec, ...spec } });
    expect(istioProblems(wrong({ url: "ftp://example.org/x.wasm" }))).toEqual(['spec.url: scheme "ftp" is not one of oci, http, https, file']);
    for (const url of ["oci://r/x:1", "https://e/x.wasm", "http://e/x.wasm", "file:///x.wasm", "r/x:1"]) expect(istioProblems(wrong({ url }))).toEqual([]);
    expect(istioProblems(wrong({ targetRefs: [{ kind: "Gateway", group: "gateway.networking.k8s.io", name: "gw" }] })))
      .toEqual(["spec: only one of targetRefs or selector can be set"]);
    expect(istioProblems(wrong({ vmConfig: { env: [{ name: "A", valueFrom: "HOST", value: "x" }, { name: "B", valueFrom: "INLINE", value: "y" }] } })))
      .toEqual(["spec.vmConfig.env[0].value: may only be set when valueFrom is INLINE"]);
    expect(istioProblems(wrong({ phase: "LATE" }))).toEqual(['spec.phase: must be one of UNSPECIFIED_PHASE, AUTHN, AUTHZ, STATS, got "LATE"']);
    expect(istioProblems(wrong({ priority: "10" }))).toEqual(['spec.priority: must be integer, got "10"']);
    expect(istioProblems(wrong({ sha256: "sha256:abc" }))).toEqual(['spec.sha256: must match pattern "(^$|^[a-f0-9]{64}$)", got "sha256:abc"']);
    expect(istioProblems(wrong({ failOpen: true }))).toEqual(["spec.failOpen: unknown field"]);
    const [extension] = documents("istio-trafficextension", "rate-limit.yaml");
    expect(istioProblems({ ...extension, spec: { ...extension.spec, lua: { inlineCode: "x" } } })).toEqual(["spec: exactly one of wasm or lua must be set"]);
    expect(istioProblems({ ...extension, spec: { ...extension.spec, wasm: { ...extension.spec.wasm, imagePullPolicy: "Never" } } }))
      .toEqual(['spec.wasm.imagePullPolicy: must be one of UNSPECIFIED_POLICY, IfNotPresent, Always, got "Never"']);
    expect(istioProblems({})).toEqual(["kind: must be one of WasmPlugin, TrafficExtension, VirtualService, DestinationRule, EnvoyFilter, got undefined"]);
  });
});

describe("envoy bootstraps", () => {
  const KNOWN_TYPES = new Set<string>(Object.values(TYPE));

  /** Every "@type" in the document. */
  function types(v: unknown, found: string[] = []): string[] {
    if (Array.isArray(v)) v.forEach((x) => types(x, found));
    else if (v !== null && typeof v === "object") {
      for (const [k, x] of Object.entries(v)) {
        if (k === "@type") found.push(String(x));
        else types(x, found);
      }
    }
    return found;
  }

  it.each(BOOTSTRAPS)("%s: parses, uses known types only, routes to existing clusters", (name) => {
    const doc = yamlOf(join(ENVOY, name, "envoy.yaml"));
    const unknown = types(doc).filter((t) => !KNOWN_TYPES.has(t));
    expect(unknown).toEqual([]);
    expect(doc.admin.address.socket_address).toEqual({ address: "0.0.0.0", port_value: 9901 });
    expect(doc.stats_config.stats_tags.map((t: any) => t.tag_name)).toEqual(["sluice_policy", "sluice_rule", "sluice_colour", "sluice_circuit", "sluice_key", "sluice_plugin"]);
    const clusters = new Set(doc.static_resources.clusters.map((c: any) => c.name));
    const listeners = doc.static_resources.listeners;
    expect(listeners[0].address.socket_address).toEqual({ address: "0.0.0.0", port_value: 10000 });
    for (const l of listeners) {
      expect(l.filter_chains).toHaveLength(1);
      const [hcm] = l.filter_chains[0].filters;
      expect(hcm.typed_config["@type"]).toBe(TYPE.hcm);
      for (const vh of hcm.typed_config.route_config.virtual_hosts) {
        for (const r of vh.routes) expect(clusters.has(r.route.cluster), `route ${r.name} -> ${r.route.cluster}`).toBe(true);
      }
      const http = hcm.typed_config.http_filters;
      expect(http[http.length - 1]).toEqual({ name: "envoy.filters.http.router", typed_config: { "@type": TYPE.router } });
      for (const f of http.slice(0, -1)) {
        expect([f.name, f.typed_config["@type"]]).toEqual(["envoy.filters.http.wasm", TYPE.wasm]);
        const c = f.typed_config.config;
        expect(c.vm_config).toEqual({ vm_id: c.root_id, runtime: "envoy.wasm.runtime.v8", code: { local: { filename: `/etc/sluice/${c.root_id}.wasm` } } });
        expect(c.name).toBe(c.root_id);
        expect(["FAIL_OPEN", "FAIL_CLOSED", "FAIL_RELOAD"]).toContain(c.failure_policy);
        expect(c.fail_open).toBeUndefined();
      }
      const transport = l.filter_chains[0].transport_socket;
      if (transport) expect(transport.typed_config["@type"]).toBe(TYPE.downstreamTls);
    }
    for (const c of doc.static_resources.clusters) {
      expect(c.load_assignment.cluster_name).toBe(c.name);
      const h2 = c.typed_extension_protocol_options?.["envoy.extensions.upstreams.http.v3.HttpProtocolOptions"];
      if (h2) expect(h2).toEqual({ "@type": TYPE.httpProtocolOptions, explicit_http_config: { http2_protocol_options: {} } });
    }
  });

  it("the per-filter bootstraps run one filter each, against the upstreams the integration suite provides", () => {
    const endpoints = (name: string) => Object.fromEntries(yamlOf(join(ENVOY, name, "envoy.yaml")).static_resources.clusters.map((c: any) => {
      const a = c.load_assignment.endpoints[0].lb_endpoints[0].endpoint.address.socket_address;
      return [c.name, `${a.address}:${a.port_value}${c.typed_extension_protocol_options ? " h2" : ""}`];
    }));
    expect(endpoints("spiffe-rbac")).toEqual({ upstream: "upstream:8080" });
    expect(endpoints("rate-limit")).toEqual({ upstream: "upstream:8080", ratelimit: "ratelimit:8081 h2" });
    expect(endpoints("traffic-colour")).toEqual({ v1: "upstream-v1:8080", v2: "upstream-v2:8080" });
    expect(endpoints("circuit-breaker")).toEqual({ upstream: "upstream:8080" });
    expect(endpoints("chain")).toEqual({ stable: "api-stable:8080", canary: "api-canary:8080" });
    for (const id of FILTERS) {
      const hcm = yamlOf(join(ENVOY, id, "envoy.yaml")).static_resources.listeners[0].filter_chains[0].filters[0].typed_config;
      expect(hcm.http_filters.map((f: any) => f.typed_config.config?.root_id ?? f.name)).toEqual([id, "envoy.filters.http.router"]);
    }
    const chain = yamlOf(join(ENVOY, "chain/envoy.yaml")).static_resources.listeners[0].filter_chains[0].filters[0].typed_config;
    expect(chain.http_filters.map((f: any) => f.typed_config.config?.root_id ?? f.name)).toEqual([...FILTERS, "envoy.filters.http.router"]);
    const colour = yamlOf(join(ENVOY, "traffic-colour/envoy.yaml")).static_resources.listeners[0].filter_chains[0].filters[0].typed_config;
    expect(colour.route_config.virtual_hosts[0].routes.map((r: any) => [r.match.headers?.[0], r.route.cluster])).toEqual([
      [{ name: "x-sluice-colour", string_match: { exact: "v2" } }, "v2"], [undefined, "v1"],
    ]);
  });

  it("spiffe-rbac: mTLS with the test certificates on 10000, XFCC passed through, plaintext on 10001", () => {
    const [tls, plain] = yamlOf(join(ENVOY, "spiffe-rbac/envoy.yaml")).static_resources.listeners;
    const ctx = tls.filter_chains[0].transport_socket.typed_config;
    expect(ctx.require_client_certificate).toBe(true);
    expect(ctx.common_tls_context.tls_certificates).toEqual([{ certificate_chain: { filename: "/etc/sluice/certs/server.pem" }, private_key: { filename: "/etc/sluice/certs/server-key.pem" } }]);
    expect(ctx.common_tls_context.validation_context).toEqual({ trusted_ca: { filename: "/etc/sluice/certs/ca.pem" } });
    expect(tls.filter_chains[0].filters[0].typed_config).toMatchObject({ forward_client_cert_details: "FORWARD_ONLY", set_current_client_cert_details: { uri: true } });
    expect([plain.address.socket_address.port_value, plain.filter_chains[0].transport_socket]).toEqual([10001, undefined]);
  });

  it("every wasm configuration is JSON that sluice validate accepts for its filter", async () => {
    const configs: [string, string][] = [];
    for (const name of BOOTSTRAPS) {
      const doc = yamlOf(join(ENVOY, name, "envoy.yaml"));
      for (const l of doc.static_resources.listeners) {
        for (const f of l.filter_chains[0].filters[0].typed_config.http_filters.slice(0, -1)) {
          const { root_id: id, configuration } = f.typed_config.config;
          expect(configuration["@type"]).toBe(TYPE.stringValue);
          expect(() => JSON.parse(configuration.value), `${name}: ${id}`).not.toThrow();
          configs.push([`${name}-${l.name}-${id}`, id]);
          writeFileSync(join(tmp, `${name}-${l.name}-${id}.json`), configuration.value);
        }
      }
    }
    expect(configs).toHaveLength(4 + 1 + 4 + 1); // spiffe-rbac has two listeners; the bundle is one filter
    // the bundle's configuration is the filters list: every filter's checks and the bundle's own
    const results = await Promise.all(configs.map(([file, id]) =>
      sluice(cli, ["validate", join(tmp, `${file}.json`), ...(id === "sluice" ? ["--bundle"] : ["--filter", id])])));
    results.forEach((r, i) => expect([r.code, r.stderr], configs[i]![0]).toEqual([0, ""]));
  });
});
