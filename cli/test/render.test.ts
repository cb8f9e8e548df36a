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

  it("terminates mTLS on 10000 with XFCC forwarding, and adds the plaintext listener", async () => {
    const r = await sluice(cli, ["render", "envoy", "envoy/spiffe-rbac/sluice.yaml"]);
    expect(r.code).toBe(0);
    const [tls, plain] = parse(r.stdout).static_resources.listeners;
    expect([tls.name, tls.address.socket_address.port_value, plain.name, plain.address.socket_address.port_value]).toEqual(["sluice", 10000, "sluice-plaintext", 10001]);
    expect(tls.filter_chains[0].transport_socket).toEqual({
      name: "envoy.transport_sockets.tls",
      typed_config: {
        "@type": "type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.DownstreamTlsContext",
        require_client_certificate: true,
        common_tls_context: {
          tls_certificates: [{ certificate_chain: { filename: "/etc/sluice/certs/server.pem" }, private_key: { filename: "/etc/sluice/certs/server-key.pem" } }],
          validation_context: { trusted_ca: { filename: "/etc/sluice/certs/ca.pem" } },
        },
      },
    });
    expect(tls.filter_chains[0].filters[0].typed_config).toMatchObject({ forward_client_cert_details: "FORWARD_ONLY", set_current_client_cert_details: { uri: true } });
    expect(plain.filter_chains[0].transport_socket).toBeUndefined();
    expect(plain.filter_chains[0].filters[0].typed_config.forward_client_cert_details).toBeUndefined();
    expect(plain.filter_chains[0].filters[0].typed_config.http_filters).toEqual(tls.filter_chains[0].filters[0].typed_config.http_filters);
  });

  it("checks the tls section", async () => {
    const file = join(tmp, "tls.yaml");
    const cases: [string, string, string][] = [
      ["tls: { key: k }", "1:6", "tls.cert: is required: the server certificate chain file (PEM)"],
      ["tls: { cert: c, key: k, require_client_certificate: true }", "1:6", "tls.ca: is required with require_client_certificate: the CA bundle that verifies client certificates"],
      ["tls: { cert: c, key: k, forward_client_cert_details: APPEND }", "1:54", "tls.forward_client_cert_details: must be one of SANITIZE, FORWARD_ONLY, APPEND_FORWARD, SANITIZE_SET, ALWAYS_FORWARD_ONLY"],
      ["tls: { cert: c, key: k, plaintext_port: 10000 }", "1:41", "tls.plaintext_port: must not be 10000 (the TLS listener's port)"],
      ["tls: { cert: c, key: k, sni: x }", "1:25", "tls.sni: unknown key (known: cert, key, ca, require_client_certificate, forward_client_cert_details, plaintext_port)"],
    ];
    for (const [tls, where, message] of cases) {
      writeFileSync(file, `${tls}\nfilters:\n  - { id: spiffe-rbac, config: { policies: [] } }\n`);
      const r = await sluice(cli, ["render", "envoy", file]);
      expect([r.code, r.stderr]).toEqual([2, `sluice: ${file}:${where}: ${message}\n`]);
    }
    // SANITIZE (Envoy's default) renders no XFCC settings; without a CA no validation context
    writeFileSync(file, "tls: { cert: c, key: k }\nfilters:\n  - { id: spiffe-rbac, config: { policies: [] } }\n");
    const r = await sluice(cli, ["render", "envoy", file]);
    const [listener] = parse(r.stdout).static_resources.listeners;
    expect(listener.filter_chains[0].transport_socket.typed_config).toEqual({
      "@type": "type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.DownstreamTlsContext",
      common_tls_context: { tls_certificates: [{ certificate_chain: { filename: "c" }, private_key: { filename: "k" } }] },
    });
    expect(listener.filter_chains[0].filters[0].typed_config.forward_client_cert_details).toBeUndefined();
  });

  it("renders the rate limit service cluster with HTTP/2 and requires it among the upstreams", async () => {
    const r = await sluice(cli, ["render", "envoy", "envoy/rate-limit/sluice.yaml"]);
    const clusters = parse(r.stdout).static_resources.clusters;
    expect(clusters.map((c: any) => [c.name, c.load_assignment.endpoints[0].lb_endpoints[0].endpoint.address.socket_address])).toEqual([
      ["ratelimit", { address: "ratelimit", port_value: 8081 }],
      ["upstream", { address: "upstream", port_value: 8080 }],
    ]);
    expect(clusters[0].typed_extension_protocol_options).toEqual({
      "envoy.extensions.upstreams.http.v3.HttpProtocolOptions": {
        "@type": "type.googleapis.com/envoy.extensions.upstreams.http.v3.HttpProtocolOptions",
        explicit_http_config: { http2_protocol_options: {} },
      },
    });
    expect(clusters[1].typed_extension_protocol_options).toBeUndefined();

    const file = join(tmp, "rls.yaml");
    writeFileSync(file, "upstreams: { app: { address: app, port: 80 } }\nfilters:\n  - { id: rate-limit, config: { rules: [{ name: a, limits: [{ requests: 1, per: 1s }], global: true }], rls: { cluster: rls, domain: d } } }\n");
    const bad = await sluice(cli, ["render", "envoy", file]);
    expect([bad.code, bad.stderr]).toEqual([2, `sluice: ${file}: filters[0].config.rls.cluster: "rls" is not one of upstreams (app): add the rate limit service there (address, port)\n`]);
    // an upstream can ask for HTTP/2 itself (a gRPC application)
    writeFileSync(file, "upstreams: { app: { address: app, port: 80, http2: true } }\nfilters:\n  - { id: rate-limit, config: { rules: [{ name: a, limits: [{ requests: 1, per: 1s }] }] } }\n");
    const h2 = await sluice(cli, ["render", "envoy", file]);
    expect(parse(h2.stdout).static_resources.clusters[0].typed_extension_protocol_options).toBeDefined();
    writeFileSync(file, "upstreams: { app: { address: app, port: 80, http2: yes } }\nfilters:\n  - { id: rate-limit, config: {} }\n");
    const notBool = await sluice(cli, ["render", "envoy", file]);
    expect([notBool.code, notBool.stderr]).toEqual([2, `sluice: ${file}:1:52: upstreams.app.http2: must be true or false\n`]);
  });

  it("tags the sluice metrics with or without Envoy's internal wasmcustom prefix", async () => {
    const r = await sluice(cli, ["render", "envoy", "examples/sluice.yaml"]);
    const tags = parse(r.stdout).stats_config.stats_tags;
    const tag = (name: string) => tags.map((t: any) => [t.tag_name, new RegExp(t.regex).exec(name)]).filter(([, m]: any) => m !== null)
      .map(([n, m]: any) => [n, m[2], name.replace(m[1], "")]);
    expect(tag("wasmcustom.sluice.rate_limit.per-user.limited")).toEqual([["sluice_rule", "per-user", "wasmcustom.sluice.rate_limit.limited"]]);
    expect(tag("sluice.circuit_breaker.api.opened")).toEqual([["sluice_circuit", "api", "sluice.circuit_breaker.opened"]]);
    expect(tag("sluice.spiffe_rbac.policy.admin-only-ops.matched")).toEqual([["sluice_policy", "admin-only-ops", "sluice.spiffe_rbac.policy.matched"]]);
    expect(tag("sluice.rate_limit.allowed")).toEqual([]);
  });
});

describe("sluice render istio", () => {
  it("writes one WasmPlugin per filter whose phase and priority keep the chain order, and the colour routing", async () => {
    const dir = join(tmp, "istio");
    const r = await sluice(cli, ["render", "istio", "examples/sluice.yaml", "--out", dir]);
    const names = ["spiffe-rbac", "rate-limit", "traffic-colour", "circuit-breaker"].map((id) => `${id}.yaml`).concat("routing.yaml");
    expect([r.code, r.stdout]).toEqual([0, names.map((n) => `wrote ${join(dir, n)}\n`).join("")]);
    const texts = names.map((n) => readFileSync(join(dir, n), "utf8"));
    for (const t of texts) expect(t.startsWith("# Generated by sluice render istio examples/sluice.yaml: do not edit.\n")).toBe(true);
    const docs = texts.slice(0, 4).map((t) => parse(t));
    expect(docs.map((d) => [d.kind, d.metadata.name, d.spec.pluginName, d.spec.phase, d.spec.priority, d.spec.failStrategy])).toEqual([
      ["WasmPlugin", "sluice-spiffe-rbac", "spiffe-rbac", "AUTHZ", 20, "FAIL_CLOSE"],
      ["WasmPlugin", "sluice-rate-limit", "rate-limit", "AUTHZ", 10, "FAIL_OPEN"],
      ["WasmPlugin", "sluice-traffic-colour", "traffic-colour", "STATS", 20, "FAIL_OPEN"],
      ["WasmPlugin", "sluice-circuit-breaker", "circuit-breaker", "STATS", 10, "FAIL_OPEN"],
    ]);
    expect(docs[0].apiVersion).toBe("extensions.istio.io/v1alpha1");
    expect(docs[1].spec).toMatchObject({ url: "oci://ghcr.io/sluice/rate-limit:0.1.0", selector: { matchLabels: { app: "api" } }, type: "HTTP" });
    expect(docs[3].spec.pluginConfig.circuits[0].name).toBe("api");
    const [vs, dr] = parseAllDocuments(texts[4]!).map((d) => d.toJS());
    expect(vs).toEqual({
      apiVersion: "networking.istio.io/v1", kind: "VirtualService", metadata: { name: "sluice-api", namespace: "shop" },
      spec: {
        hosts: ["api"],
        http: [
          { name: "colour-canary", match: [{ headers: { "x-sluice-colour": { exact: "canary" } } }], route: [{ destination: { host: "api", subset: "canary" } }] },
          { name: "default", route: [{ destination: { host: "api", subset: "stable" } }] },
        ],
      },
    });
    expect(dr).toEqual({
      apiVersion: "networking.istio.io/v1", kind: "DestinationRule", metadata: { name: "sluice-api", namespace: "shop" },
      spec: { host: "api", subsets: [{ name: "canary", labels: { version: "canary" } }, { name: "stable", labels: { version: "stable" } }] },
    });
    // stdout: the same documents, one stream
    const again = await sluice(cli, ["render", "istio", "examples/sluice.yaml"]);
    expect(again.stdout).toBe(texts.join("---\n"));
  });

  it("routes on the configured colour header for the service host, and emits no routing without traffic-colour", async () => {
    const file = join(tmp, "colour.yaml");
    writeFileSync(file, [
      "service: shop-api.shop.svc.cluster.local",
      "upstreams: { blue: { address: a, port: 80 }, green: { address: b, port: 80 }, other: { address: c, port: 80 } }",
      "default_upstream: blue",
      "filters:",
      "  - { id: traffic-colour, config: { colours: [blue, green], header: X-Colour } }",
      "",
    ].join("\n"));
    const r = await sluice(cli, ["render", "istio", file]);
    expect(r.code).toBe(0);
    const docs = parseAllDocuments(r.stdout).map((d) => d.toJS());
    expect(docs.map((d) => d.kind)).toEqual(["WasmPlugin", "VirtualService", "DestinationRule"]);
    expect(docs[0].spec.selector).toBeUndefined();
    expect(docs[1].metadata.name).toBe("sluice-shop-api");
    expect(docs[1].spec.http[0]).toEqual({ name: "colour-green", match: [{ headers: { "x-colour": { exact: "green" } } }], route: [{ destination: { host: "shop-api.shop.svc.cluster.local", subset: "green" } }] });
    expect(docs[2].spec.subsets.map((s: any) => s.name)).toEqual(["blue", "green"]);

    const noHost = join(tmp, "colour-nohost.yaml");
    writeFileSync(noHost, "upstreams: { a: { address: a, port: 80 }, b: { address: b, port: 80 } }\nfilters:\n  - { id: traffic-colour, config: { colours: [a, b] } }\n");
    const bad = await sluice(cli, ["render", "istio", noHost]);
    expect([bad.code, bad.stderr]).toEqual([2, `sluice: ${noHost}: service: is required for the colour routing (the Kubernetes Service to route), or set selector.app\n`]);

    const plain = await sluice(cli, ["render", "istio", "envoy/rate-limit/sluice.yaml"]);
    expect(parseAllDocuments(plain.stdout).map((d) => d.toJS().kind)).toEqual(["WasmPlugin"]);
  });

  it("refuses a WasmPlugin url the CRD's CEL rule rejects", async () => {
    const file = join(tmp, "ftp.yaml");
    writeFileSync(file, "filters:\n  - { id: rate-limit, image: \"ftp://example.org/rl.wasm\", config: { rules: [{ name: a, limits: [{ requests: 1, per: 1s }] }] } }\n");
    const r = await sluice(cli, ["render", "istio", file]);
    expect([r.code, r.stderr]).toEqual([2, `sluice: ${file}: filters[0] (rate-limit): the WasmPlugin would be rejected: spec.url: scheme "ftp" is not one of oci, http, https, file\n`]);
    writeFileSync(file, "filters:\n  - { id: rate-limit, image: \"https://example.org/rl.wasm\", config: { rules: [{ name: a, limits: [{ requests: 1, per: 1s }] }] } }\n");
    const ok = await sluice(cli, ["render", "istio", file]);
    expect([ok.code, parse(ok.stdout).spec.url]).toEqual([0, "https://example.org/rl.wasm"]);
  });

  it("refuses phases and priorities that would reorder the chain", async () => {
    const file = join(tmp, "reorder.yaml");
    writeFileSync(file, "filters:\n  - { id: rate-limit, phase: STATS, config: { rules: [{ name: a, limits: [{ requests: 1, per: 1s }] }] } }\n  - { id: spiffe-rbac, phase: AUTHZ, config: { policies: [] } }\n");
    const r = await sluice(cli, ["render", "istio", file]);
    expect([r.code, r.stderr]).toEqual([2, `sluice: ${file}: filters[1] (spiffe-rbac, AUTHZ/10) would run before filters[0] (rate-limit, STATS/20) in Istio: phases run AUTHN, AUTHZ, STATS, then unspecified; higher priority first\n`]);
  });
});
