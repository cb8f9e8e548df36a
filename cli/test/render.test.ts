// `sluice render envoy|istio`: the output parses, keeps the chain order and is deterministic.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseAllDocuments, parse } from "yaml";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { checkChain } from "../chain-checks.js";
import { loadConfig } from "../config.js";
import { CliError } from "../errors.js";
import { bundleCli, ROOT, sluice, type Cli } from "./helpers.js";

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
    expect(doc.stats_config.stats_tags.map((t: any) => t.tag_name)).toEqual(["sluice_policy", "sluice_rule", "sluice_colour", "sluice_circuit", "sluice_key", "sluice_plugin"]);
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
    expect([bad.code, bad.stderr]).toEqual([1, `sluice: ${file}: filters[0].config.rls.cluster: "rls" is not one of upstreams (app): add the rate limit service there (address, port)\n`]);
    // an upstream can ask for HTTP/2 itself (a gRPC application)
    writeFileSync(file, "upstreams: { app: { address: app, port: 80, http2: true } }\nfilters:\n  - { id: rate-limit, config: { rules: [{ name: a, limits: [{ requests: 1, per: 1s }] }] } }\n");
    const h2 = await sluice(cli, ["render", "envoy", file]);
    expect(parse(h2.stdout).static_resources.clusters[0].typed_extension_protocol_options).toBeDefined();
    writeFileSync(file, "upstreams: { app: { address: app, port: 80, http2: yes } }\nfilters:\n  - { id: rate-limit, config: { rules: [{ name: a, limits: [{ requests: 1, per: 1s }] }] } }\n");
    const notBool = await sluice(cli, ["render", "envoy", file]);
    expect([notBool.code, notBool.stderr]).toEqual([2, `sluice: ${file}:1:52: upstreams.app.http2: must be true or false\n`]);
  });

  it("tags the sluice metrics with or without Envoy's internal wasmcustom prefix, as Envoy does: every regex over the whole name", async () => {
    const r = await sluice(cli, ["render", "envoy", "examples/sluice.yaml"]);
    const tags = parse(r.stdout).stats_config.stats_tags;
    const tag = (name: string) => {
      const found = tags.map((t: any) => [t.tag_name, new RegExp(t.regex).exec(name)]).filter(([, m]: any) => m !== null);
      return [found.map(([n, m]: any) => [n, m[2]]), found.reduce((rest: string, [, m]: any) => rest.replace(m[1], ""), name)];
    };
    expect(tag("wasmcustom.sluice.rate_limit.per-user.limited")).toEqual([[["sluice_rule", "per-user"]], "wasmcustom.sluice.rate_limit.limited"]);
    expect(tag("sluice.circuit_breaker.api.opened")).toEqual([[["sluice_circuit", "api"]], "sluice.circuit_breaker.opened"]);
    expect(tag("wasmcustom.sluice.circuit_breaker.api.key.canary.opened"))
      .toEqual([[["sluice_circuit", "api"], ["sluice_key", "canary"]], "wasmcustom.sluice.circuit_breaker.opened"]);
    expect(tag("sluice.spiffe_rbac.policy.admin-only-ops.matched")).toEqual([[["sluice_policy", "admin-only-ops"]], "sluice.spiffe_rbac.policy.matched"]);
    expect(tag("wasm.shop.sluice-rate-limit.vm_reload_failure")).toEqual([[["sluice_plugin", "shop.sluice-rate-limit"]], "wasm.vm_reload_failure"]);
    expect(tag("sluice.rate_limit.allowed")).toEqual([[], "sluice.rate_limit.allowed"]);
  });

  it("writes failure_policy (Envoy's spelling of failStrategy), never the deprecated fail_open", async () => {
    const file = join(tmp, "policies.yaml");
    writeFileSync(file, ["filters:", "  - { id: spiffe-rbac, config: { policies: [] } }", "  - { id: rate-limit, fail_strategy: FAIL_OPEN, config: { rules: [{ name: a, limits: [{ requests: 1, per: 1s }] }] } }",
      "  - { id: circuit-breaker, fail_strategy: FAIL_RELOAD, config: { circuits: [{ name: c, consecutive_failures: 3 }] } }", ""].join("\n"));
    const r = await sluice(cli, ["render", "envoy", file]);
    const filters = parse(r.stdout).static_resources.listeners[0].filter_chains[0].filters[0].typed_config.http_filters.slice(0, -1);
    expect(filters.map((f: any) => [f.typed_config.config.name, f.typed_config.config.failure_policy, f.typed_config.config.fail_open]))
      .toEqual([["spiffe-rbac", "FAIL_CLOSED", undefined], ["rate-limit", "FAIL_OPEN", undefined], ["circuit-breaker", "FAIL_RELOAD", undefined]]);
  });
});

describe("sluice render istio", () => {
  it("writes one WasmPlugin per filter whose phase and priority keep the chain order, and the colour routing", async () => {
    const dir = join(tmp, "istio");
    const r = await sluice(cli, ["render", "istio", "examples/sluice.yaml", "--out", dir]);
    const names = ["spiffe-rbac", "rate-limit", "traffic-colour", "circuit-breaker"].map((id) => `${id}.yaml`).concat("routing.yaml", "metrics.yaml");
    expect([r.code, r.stdout]).toEqual([0, [...names, "patches/proxy-config.yaml"].map((n) => `wrote ${join(dir, n)}\n`).join("")]);
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
    // stdout: the same documents, one stream (the patch is not a resource)
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
      "  - { id: traffic-colour, target_refs: [{ kind: Gateway, name: edge }], config: { colours: [blue, green], header: X-Colour } }",
      "",
    ].join("\n"));
    const r = await sluice(cli, ["render", "istio", file]);
    expect(r.code).toBe(0);
    const docs = parseAllDocuments(r.stdout).map((d) => d.toJS());
    expect(docs.map((d) => d.kind)).toEqual(["WasmPlugin", "VirtualService", "DestinationRule", "EnvoyFilter"]);
    expect(docs[0].spec.selector).toBeUndefined();
    expect(docs[0].spec.targetRefs).toEqual([{ kind: "Gateway", group: "gateway.networking.k8s.io", name: "edge" }]);
    expect(docs[1].metadata.name).toBe("sluice-shop-api");
    expect(docs[1].spec.http[0]).toEqual({ name: "colour-green", match: [{ headers: { "x-colour": { exact: "green" } } }], route: [{ destination: { host: "shop-api.shop.svc.cluster.local", subset: "green" } }] });
    expect(docs[2].spec.subsets.map((s: any) => s.name)).toEqual(["blue", "green"]);

    const noHost = join(tmp, "colour-nohost.yaml");
    writeFileSync(noHost, "upstreams: { a: { address: a, port: 80 }, b: { address: b, port: 80 } }\nfilters:\n  - { id: traffic-colour, target_refs: [{ kind: Gateway, name: edge }], config: { colours: [a, b] } }\n");
    const bad = await sluice(cli, ["render", "istio", noHost]);
    expect([bad.code, bad.stderr]).toEqual([1, `sluice: ${noHost}: service: is required for the colour routing (the Kubernetes Service to route), or set selector.app\n`]);

    const plain = await sluice(cli, ["render", "istio", "envoy/rate-limit/sluice.yaml"]);
    expect(parseAllDocuments(plain.stdout).map((d) => d.toJS().kind)).toEqual(["WasmPlugin", "EnvoyFilter"]);
  });

  it("refuses a WasmPlugin url the CRD's CEL rule rejects", async () => {
    const file = join(tmp, "ftp.yaml");
    writeFileSync(file, "filters:\n  - { id: rate-limit, image: \"ftp://example.org/rl.wasm\", config: { rules: [{ name: a, limits: [{ requests: 1, per: 1s }] }] } }\n");
    const r = await sluice(cli, ["render", "istio", file]);
    expect([r.code, r.stderr]).toEqual([1, `sluice: ${file}: filters[0] (rate-limit): the WasmPlugin would be rejected: spec.url: scheme "ftp" is not one of oci, http, https, file\n`]);
    writeFileSync(file, "filters:\n  - { id: rate-limit, image: \"https://example.org/rl.wasm\", config: { rules: [{ name: a, limits: [{ requests: 1, per: 1s }] }] } }\n");
    const ok = await sluice(cli, ["render", "istio", file]);
    expect([ok.code, parseAllDocuments(ok.stdout)[0]!.toJS().spec.url]).toEqual([0, "https://example.org/rl.wasm"]);
  });

  it("refuses phases and priorities that would reorder the chain", async () => {
    const file = join(tmp, "reorder.yaml");
    writeFileSync(file, "filters:\n  - { id: rate-limit, phase: STATS, config: { rules: [{ name: a, limits: [{ requests: 1, per: 1s }] }] } }\n  - { id: spiffe-rbac, phase: AUTHZ, config: { policies: [] } }\n");
    const r = await sluice(cli, ["render", "istio", file]);
    expect([r.code, r.stderr]).toEqual([1, `sluice: ${file}: filters[1] (spiffe-rbac, AUTHZ/10) would run before filters[0] (rate-limit, STATS/20) in Istio: phases run AUTHN, AUTHZ, STATS, then unspecified; higher priority first\n`]);
  });

  it("attaches each filter by its own selector or target_refs in its namespace, with every WasmPlugin field Istio supports", async () => {
    const file = join(tmp, "fields.yaml");
    writeFileSync(file, [
      "namespace: shop",
      "selector: { app: api }",
      "filters:",
      "  - id: rate-limit",
      "    namespace: istio-ingress",
      "    target_refs: [{ kind: Gateway, name: public }]",
      "    match: [{ mode: CLIENT, ports: [8080, 8443] }]",
      "    image: registry.example/rl:2",
      "    image_pull_policy: Always",
      "    image_pull_secret: registry-credentials",
      "    fail_strategy: FAIL_RELOAD",
      "    env: [{ name: POD_NAME, value_from: HOST }, { name: ZONE, value: eu-1 }]",
      "    config: { rules: [{ name: a, limits: [{ requests: 1, per: 1s }] }] }",
      "  - id: circuit-breaker",
      "    sha256: " + "ab".repeat(32),
      "    config: { circuits: [{ name: c, consecutive_failures: 3 }] }",
      "  - { id: spiffe-rbac, target_refs: [{ kind: Service, name: api }], config: { policies: [] } }",
      "",
    ].join("\n"));
    const r = await sluice(cli, ["render", "istio", file]);
    expect([r.code, r.stderr]).toEqual([0, ""]);
    const [rl, cb, rbac, ...rest] = parseAllDocuments(r.stdout).map((d) => d.toJS());
    expect(rl).toEqual({
      apiVersion: "extensions.istio.io/v1alpha1", kind: "WasmPlugin", metadata: { name: "sluice-rate-limit", namespace: "istio-ingress" },
      spec: {
        targetRefs: [{ kind: "Gateway", group: "gateway.networking.k8s.io", name: "public" }],
        url: "oci://registry.example/rl:2", imagePullPolicy: "Always", imagePullSecret: "registry-credentials", pluginName: "rate-limit",
        phase: "AUTHZ", priority: 30, failStrategy: "FAIL_RELOAD",
        vmConfig: { env: [{ name: "POD_NAME", valueFrom: "HOST" }, { name: "ZONE", value: "eu-1" }] }, type: "HTTP",
        match: [{ mode: "CLIENT", ports: [{ number: 8080 }, { number: 8443 }] }], pluginConfig: { rules: [{ name: "a", limits: [{ requests: 1, per: "1s" }] }] },
      },
    });
    expect(cb.spec).toMatchObject({ selector: { matchLabels: { app: "api" } }, sha256: "ab".repeat(32), imagePullPolicy: "IfNotPresent" });
    expect(rbac.spec.targetRefs).toEqual([{ kind: "Service", group: "", name: "api" }]);
    // stats tags for the proxies of both namespaces; none for the waypoint-only filter
    expect(rest.map((d) => [d.kind, d.metadata.namespace])).toEqual([["EnvoyFilter", "istio-ingress"], ["EnvoyFilter", "shop"]]);
  });

  it.each([
    ["selector: { app: api }\n    target_refs: [{ kind: Gateway, name: g }]", "2:5: filters[0]: selector and target_refs exclude each other (Istio accepts one of them)"],
    ["target_refs: [{ kind: Deployment, name: g }]", "3:27: filters[0].target_refs[0].kind: must be one of Gateway, GatewayClass, Service, ServiceEntry"],
    ["target_refs: [{ kind: Service, name: a }, { kind: Gateway, name: g }]", "3:18: filters[0].target_refs: must not mix kind Service (ambient waypoints) with gateways: use one filter entry per kind of proxy"],
    ["target_refs: [{ kind: Gateway, group: core, name: g }]", '3:43: filters[0].target_refs[0].group: must be "gateway.networking.k8s.io" for kind Gateway'],
    ["match: [{ mode: INBOUND }]", "3:21: filters[0].match[0].mode: must be one of CLIENT, SERVER, CLIENT_AND_SERVER"],
    ["match: [{ ports: [80, 80] }]", "3:27: filters[0].match[0].ports[1]: port 80 is listed twice"],
    ["env: [{ name: A, value_from: HOST, value: x }]", "3:47: filters[0].env[0].value: must not be set with value_from: HOST (the value is the proxy's own variable)"],
    ["env: [{ name: A, value: x }, { name: A, value: y }]", "3:42: filters[0].env[1].name: A is listed twice"],
    ["sha256: sha256:abc", "3:13: filters[0].sha256: must be 64 lowercase hex digits (the manifest digest without sha256:)"],
    ["image_pull_policy: Never", "3:24: filters[0].image_pull_policy: must be one of IfNotPresent, Always"],
    ["namespace: Shop", "3:16: filters[0].namespace: must be a Kubernetes namespace name (lowercase letters, digits and -)"],
  ])("refuses a bad attachment or image setting: %s", (yaml, message) => {
    const file = join(tmp, "bad-deploy.yaml");
    writeFileSync(file, `filters:\n  - id: rate-limit\n    ${yaml}\n    config: { rules: [{ name: a, limits: [{ requests: 1, per: 1s }] }] }\n`);
    expect(() => loadConfig(file)).toThrow(new CliError(`${file}:${message}`));
  });

  it("a bad attachment is one line and exit 2 from the CLI", async () => {
    const file = join(tmp, "bad-deploy-cli.yaml");
    writeFileSync(file, "filters:\n  - id: rate-limit\n    match: [{ mode: INBOUND }]\n    config: { rules: [{ name: a, limits: [{ requests: 1, per: 1s }] }] }\n");
    const r = await sluice(cli, ["render", "istio", file]);
    expect([r.code, r.stderr]).toEqual([2, `sluice: ${file}:3:21: filters[0].match[0].mode: must be one of CLIENT, SERVER, CLIENT_AND_SERVER\n`]);
  });

  const COLOURED = ["namespace: shop", "selector: { app: api }", "upstreams: { stable: { address: s, port: 80 }, canary: { address: c, port: 80 } }", "filters:"];
  const colourFilter = (attachment: string) => `  - { id: traffic-colour, ${attachment}config: { colours: [stable, canary] } }`;

  const LATE = (where: string) => `filters[0] (traffic-colour): runs on the sidecars of api (${where}), where a request ` +
    "arrives after the caller's proxy chose the subset by x-sluice-colour: the colour would come after the routing it feeds. Put it where " +
    "the routing happens: on the ingress or egress gateway (target_refs: [{kind: Gateway, name: <gateway>}]), on the caller's side " +
    "(selector: <the callers' labels>, match: [{mode: CLIENT}]), or on api's waypoint in ambient mode (target_refs: [{kind: Service, name: api}])";

  it("refuses traffic-colour on the sidecars of the service it routes, saying where to put it (render and validate, exit 1)", async () => {
    const file = join(tmp, "colour-late.yaml");
    writeFileSync(file, [...COLOURED, colourFilter(""), ""].join("\n"));
    const [r, v] = await Promise.all([sluice(cli, ["render", "istio", file]), sluice(cli, ["validate", file])]);
    expect([r.code, r.stderr]).toEqual([1, `sluice: ${file}: ${LATE("selector app=api")}\n`]);
    expect([v.code, v.stderr]).toEqual([1, r.stderr]);
  });

  it.each([
    ["a subset of its pods", "selector: { app: api, version: canary }, ", "selector app=api,version=canary"],
    ["their inbound side only", "match: [{ mode: SERVER }], ", "selector app=api"],
  ])("refuses traffic-colour on %s", (_what, attachment, where) => {
    const file = join(tmp, "colour-late-2.yaml");
    writeFileSync(file, [...COLOURED, colourFilter(attachment), ""].join("\n"));
    expect(() => checkChain(loadConfig(file))).toThrow(new CliError(`${file}: ${LATE(where)}`, 1));
  });

  it.each([
    ["a gateway", "target_refs: [{ kind: Gateway, name: edge }], "],
    ["the callers' outbound side", "selector: { app: web }, match: [{ mode: CLIENT }], "],
    ["the service's own outbound side", "match: [{ mode: CLIENT }], "],
    ["the service's waypoint", "target_refs: [{ kind: Service, name: api }], "],
    ["another namespace", "namespace: edge, "],
  ])("accepts traffic-colour on %s", (_where, attachment) => {
    const file = join(tmp, "colour-ok.yaml");
    writeFileSync(file, [...COLOURED, colourFilter(attachment), ""].join("\n"));
    expect(() => checkChain(loadConfig(file))).not.toThrow();
  });

  it("orders filters by phase and priority only among those on the same proxies", () => {
    const file = join(tmp, "split.yaml");
    // spiffe-rbac after rate-limit in STATS would reorder them on api's sidecars, not across proxies
    writeFileSync(file, "selector: { app: api }\nfilters:\n  - { id: rate-limit, phase: STATS, config: { rules: [{ name: a, limits: [{ requests: 1, per: 1s }] }] } }\n  - { id: spiffe-rbac, selector: { app: web }, phase: AUTHZ, config: { policies: [] } }\n");
    expect(() => checkChain(loadConfig(file))).not.toThrow();
  });

  it("--api trafficextension writes TrafficExtensions: targeting, phase, priority and match at the top, the Wasm fields under wasm", async () => {
    const r = await sluice(cli, ["render", "istio", "examples/sluice.yaml", "--api", "trafficextension"]);
    const docs = parseAllDocuments(r.stdout).map((d) => d.toJS());
    expect(docs.map((d) => d.kind)).toEqual(["TrafficExtension", "TrafficExtension", "TrafficExtension", "TrafficExtension", "VirtualService", "DestinationRule", "EnvoyFilter"]);
    expect(docs[2]).toMatchObject({
      apiVersion: "extensions.istio.io/v1alpha1",
      metadata: { name: "sluice-traffic-colour", namespace: "shop" },
      spec: {
        selector: { matchLabels: { app: "web" } }, phase: "STATS", priority: 20, match: [{ mode: "CLIENT" }],
        wasm: { url: "oci://ghcr.io/sluice/traffic-colour:0.1.0", pluginName: "traffic-colour", failStrategy: "FAIL_OPEN", type: "HTTP" },
      },
    });
    expect(docs[2].spec.wasm.pluginConfig.colours).toEqual(["stable", "canary"]);
    // an unspecified phase is left out (its enum name differs between the two APIs)
    const file = join(tmp, "unspecified.yaml");
    writeFileSync(file, "filters:\n  - { id: rate-limit, phase: UNSPECIFIED_PHASE, config: { rules: [{ name: a, limits: [{ requests: 1, per: 1s }] }] } }\n");
    const te = parseAllDocuments((await sluice(cli, ["render", "istio", file, "--api", "trafficextension"])).stdout)[0]!.toJS();
    expect([te.spec.phase, te.spec.priority]).toEqual([undefined, 10]);
    const bad = await sluice(cli, ["render", "istio", "examples/sluice.yaml", "--api", "envoyfilter"]);
    expect([bad.code, bad.stderr]).toEqual([2, 'sluice: render istio: --api must be one of wasmplugin, trafficextension, got "envoyfilter"\n']);
  });

  it("--lock pins every oci:// image with the digest image push wrote, and refuses an image the lock lacks", async () => {
    const lock = join(tmp, "sluice.lock");
    const digest = (c: string) => `sha256:${c.repeat(64)}`;
    const ids = ["spiffe-rbac", "rate-limit", "traffic-colour", "circuit-breaker"];
    writeFileSync(lock, `images:\n${ids.map((id, i) => `  ghcr.io/sluice/${id}:0.1.0: ${digest(String(i + 1))}`).join("\n")}\n`);
    for (const api of ["wasmplugin", "trafficextension"]) {
      const r = await sluice(cli, ["render", "istio", "examples/sluice.yaml", "--api", api, "--lock", lock]);
      expect(r.code).toBe(0);
      const docs = parseAllDocuments(r.stdout).map((d) => d.toJS()).slice(0, 4);
      expect(docs.map((d) => { const w = d.spec.wasm ?? d.spec; return [w.url, w.sha256, w.imagePullPolicy]; }))
        .toEqual(ids.map((id, i) => [`oci://ghcr.io/sluice/${id}:0.1.0`, String(i + 1).repeat(64), "IfNotPresent"]));
    }
    writeFileSync(lock, `images:\n  ghcr.io/sluice/rate-limit:0.1.0: ${digest("a")}\n`);
    const missing = await sluice(cli, ["render", "istio", "examples/sluice.yaml", "--lock", lock]);
    expect([missing.code, missing.stderr]).toEqual([1, `sluice: ${lock} has no digest for ghcr.io/sluice/spiffe-rbac:0.1.0 (filters[0], spiffe-rbac): push it with sluice image push <layout> ghcr.io/sluice/spiffe-rbac:0.1.0 --lock ${lock}\n`]);
    writeFileSync(lock, "images:\n  ghcr.io/sluice/rate-limit:0.1.0: abc\n");
    const bad = await sluice(cli, ["render", "istio", "examples/sluice.yaml", "--lock", lock]);
    expect([bad.code, bad.stderr]).toEqual([2, `sluice: ${lock}: images.ghcr.io/sluice/rate-limit:0.1.0: must be sha256: and 64 lowercase hex digits, got "abc"\n`]);
    const none = await sluice(cli, ["render", "istio", "examples/sluice.yaml", "--lock", join(tmp, "nope.lock")]);
    expect([none.code, none.stderr]).toEqual([2, `sluice: ${join(tmp, "nope.lock")}: no such file (sluice image push ... --lock writes it)\n`]);
  });

  it("sluice validate refuses what render refuses (phases that reorder the chain), with the same line", async () => {
    const file = join(tmp, "reorder-validate.yaml");
    // valid filter configs (the example's), in an order their phases contradict
    const example = parse(readFileSync(join(ROOT, "examples/sluice.yaml"), "utf8"));
    const config = (id: string) => example.filters.find((f: { id: string }) => f.id === id).config;
    writeFileSync(file, JSON.stringify({ filters: [{ id: "rate-limit", phase: "STATS", config: config("rate-limit") }, { id: "spiffe-rbac", phase: "AUTHZ", config: config("spiffe-rbac") }] }));
    const [r, v] = await Promise.all([sluice(cli, ["render", "istio", file]), sluice(cli, ["validate", file])]);
    expect(r.code).toBe(1);
    expect([v.code, v.stderr]).toEqual([1, r.stderr]);
  });
});

describe("sluice render observability", () => {
  it("writes the Grafana dashboard and the Prometheus rules; --api and --container do not apply", async () => {
    const dir = join(tmp, "observability");
    const r = await sluice(cli, ["render", "observability", "--out", dir]);
    expect([r.code, r.stdout]).toEqual([0, `wrote ${join(dir, "sluice-alerts.yaml")}\nwrote ${join(dir, "sluice-dashboard.json")}\n`]);
    expect(JSON.parse(readFileSync(join(dir, "sluice-dashboard.json"), "utf8")).uid).toBe("sluice");
    expect(parse(readFileSync(join(dir, "sluice-alerts.yaml"), "utf8")).groups[0].name).toBe("sluice");
    const bad = await sluice(cli, ["render", "observability", "--api", "wasmplugin"]);
    expect([bad.code, bad.stderr]).toEqual([2, "sluice: render observability: --api and --lock apply to render istio only\n"]);
  });
});
