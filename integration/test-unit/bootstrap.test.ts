// The readers of envoy/*/envoy.yaml, on the real files the suite copies into Envoy.
import { describe, expect, it } from "vitest";
import {
  bootstrapPath,
  clusterEndpoints,
  containerReady,
  filterConfig,
  httpConnectionManagers,
  loadBootstrap,
  parseBootstrap,
  ports,
  referencedFiles,
  wasmFilters,
} from "../support/bootstrap.js";
import { filterIdsOf, stackFiles } from "../support/stack.js";

const NAMES = ["rate-limit", "circuit-breaker", "traffic-colour", "spiffe-rbac", "chain", "bundle"] as const;

describe("envoy/<name>/envoy.yaml as the suite reads them", () => {
  it.each(NAMES)("%s: container-ready (0.0.0.0 listeners and admin), listener 10000, admin 9901", (name) => {
    const b = loadBootstrap(bootstrapPath(name));
    expect(containerReady(b)).toEqual([]);
    expect(ports(b).listeners[0]).toBe(10000);
    expect(ports(b).admin).toBe(9901);
  });

  it.each(NAMES)("%s: every Wasm module is /etc/sluice/<root_id>.wasm with a JSON configuration", (name) => {
    for (const f of wasmFilters(loadBootstrap(bootstrapPath(name)))) {
      expect(f.filename).toBe(`/etc/sluice/${f.rootId}.wasm`);
      expect(Object.keys(f.config).length).toBeGreaterThan(0);
    }
  });

  it("the per-filter bootstraps call the upstreams the suite starts", () => {
    const addr = (name: string): string[] => clusterEndpoints(loadBootstrap(bootstrapPath(name))).map((e) => `${e.address}:${e.port}${e.http2 ? " h2" : ""}`);
    expect(addr("rate-limit").sort()).toEqual(["ratelimit:8081 h2", "upstream:8080"]);
    expect(addr("circuit-breaker")).toEqual(["upstream:8080"]);
    expect(addr("traffic-colour").sort()).toEqual(["upstream-v1:8080", "upstream-v2:8080"]);
    expect(addr("spiffe-rbac")).toEqual(["upstream:8080"]);
    expect(addr("chain").sort()).toEqual(["api-canary:8080", "api-stable:8080"]);
  });

  it("chain: the filters in examples/sluice.yaml order", () => {
    expect(filterIdsOf("chain")).toEqual(["spiffe-rbac", "rate-limit", "traffic-colour", "circuit-breaker"]);
  });

  it("bundle: the chain as one module, its configuration the filters list in the same order", () => {
    const b = loadBootstrap(bootstrapPath("bundle"));
    expect(filterIdsOf("bundle")).toEqual(["sluice"]);
    const list = filterConfig(b, "sluice").filters as Array<{ id: string }>;
    expect(list.map((f) => f.id)).toEqual(["spiffe-rbac", "rate-limit", "traffic-colour", "circuit-breaker"]);
    expect(clusterEndpoints(b)).toEqual(clusterEndpoints(loadBootstrap(bootstrapPath("chain"))));
  });

  it("spiffe-rbac: mTLS on 10000, plaintext on 10001, reads the test certificates, forwards XFCC", () => {
    const b = loadBootstrap(bootstrapPath("spiffe-rbac"));
    expect(ports(b).listeners).toEqual([10000, 10001]);
    expect(referencedFiles(b)).toEqual([
      "/etc/sluice/certs/ca.pem",
      "/etc/sluice/certs/server-key.pem",
      "/etc/sluice/certs/server.pem",
      "/etc/sluice/spiffe-rbac.wasm",
    ]);
    expect(httpConnectionManagers(b)[0].forward_client_cert_details).toBe("FORWARD_ONLY");
    expect(filterConfig(b, "spiffe-rbac").xfcc).toEqual({ trusted_proxies: ["spiffe://example.org/ns/edge/sa/gateway"], strip_untrusted: true });
  });

  it("stackFiles lists the modules to copy", () => {
    const files = stackFiles("chain");
    expect(files.filters).toEqual(["spiffe-rbac", "rate-limit", "traffic-colour", "circuit-breaker"]);
    expect(files.bootstrap).toBe(bootstrapPath("chain"));
  });
});

describe("parsing", () => {
  const YAML = `
admin: { address: { socket_address: { address: 127.0.0.1, port_value: 9901 } } }
static_resources:
  listeners:
    - name: l
      address: { socket_address: { address: 127.0.0.1, port_value: 8000 } }
      filter_chains:
        - filters:
            - name: hcm
              typed_config:
                "@type": type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager
                http_filters:
                  - name: envoy.filters.http.wasm
                    typed_config:
                      "@type": type.googleapis.com/envoy.extensions.filters.http.wasm.v3.Wasm
                      config:
                        name: n
                        root_id: r
                        vm_config: { vm_id: v, code: { local: { filename: /x/r.wasm } } }
                  - name: envoy.filters.http.router
                    typed_config: { "@type": type.googleapis.com/envoy.extensions.filters.http.router.v3.Router }
  clusters:
    - name: c
      http2_protocol_options: {}
      load_assignment:
        endpoints: [{ lb_endpoints: [{ endpoint: { address: { socket_address: { address: svc, port_value: 9000 } } } }] }]
`;

  it("reads a hand-written bootstrap", () => {
    const b = parseBootstrap(YAML);
    expect(wasmFilters(b)).toMatchObject([{ name: "n", rootId: "r", vmId: "v", filename: "/x/r.wasm", config: {} }]);
    expect(clusterEndpoints(b)).toEqual([{ cluster: "c", address: "svc", port: 9000, http2: true }]);
    expect(ports(b)).toEqual({ listeners: [8000], admin: 9901 });
    expect(containerReady(b)).toEqual([
      "admin listens on 127.0.0.1, not 0.0.0.0 (render with --container)",
      "listener l listens on 127.0.0.1, not 0.0.0.0",
    ]);
    expect(() => filterConfig(b, "nope")).toThrow("no Wasm filter with root_id nope");
  });

  it("rejects a document that is not a mapping, and names a missing file", () => {
    expect(() => parseBootstrap("- a\n- b\n")).toThrow("not a YAML mapping");
    expect(() => loadBootstrap("/nonexistent/envoy.yaml")).toThrow("/nonexistent/envoy.yaml is missing");
  });
});
