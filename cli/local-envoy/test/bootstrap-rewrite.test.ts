// The bootstrap rewrite for a local Envoy: what changes and what it refuses.
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { endpointKey, ldsDocument, listenerPorts, localBootstrap, withFileLds } from "../bootstrap-rewrite.js";
import type { Json } from "../admin.js";

type Obj = { [key: string]: Json };

const rendered = (): Obj => ({
  admin: { address: { socket_address: { address: "0.0.0.0", port_value: 9901 } } },
  static_resources: {
    listeners: [
      { name: "sluice", address: { socket_address: { address: "0.0.0.0", port_value: 10000 } }, filter_chains: [] },
      { name: "sluice-plaintext", address: { socket_address: { address: "0.0.0.0", port_value: 10001 } }, filter_chains: [] },
    ],
    clusters: [
      {
        name: "stable",
        type: "STRICT_DNS",
        load_assignment: { cluster_name: "stable", endpoints: [{ lb_endpoints: [{ endpoint: { address: { socket_address: { address: "api-stable", port_value: 8080 } } } }] }] },
        transport_socket: { typed_config: { common_tls_context: { validation_context: { trusted_ca: { filename: "/etc/sluice/certs/ca.pem" } } } } },
      },
    ],
  },
});

const rewrite = {
  endpoints: new Map([[endpointKey("api-stable", 8080), 41001]]),
  files: new Map([["/etc/sluice/certs/ca.pem", "/tmp/x/ca.pem"]]),
  listeners: new Map([
    [10000, 42000],
    [10001, 42001],
  ]),
};

describe("localBootstrap", () => {
  it("puts the admin on 127.0.0.1 port 0 and each listener on its local port", () => {
    const { bootstrap, renderedPorts } = localBootstrap(rendered(), rewrite);
    expect(renderedPorts).toEqual([10000, 10001]);
    expect(bootstrap.admin).toEqual({ address: { socket_address: { address: "127.0.0.1", port_value: 0 } } });
    expect(listenerPorts(bootstrap)).toEqual([42000, 42001]);
    expect(JSON.stringify(bootstrap)).not.toContain("0.0.0.0");
  });

  it("sends every endpoint to the local server that plays it, as a STATIC cluster", () => {
    const cluster = ((localBootstrap(rendered(), rewrite).bootstrap.static_resources as Obj).clusters as Obj[])[0];
    expect(cluster.type).toBe("STATIC");
    expect(JSON.stringify(cluster.load_assignment)).toBe(
      JSON.stringify({ cluster_name: "stable", endpoints: [{ lb_endpoints: [{ endpoint: { address: { socket_address: { address: "127.0.0.1", port_value: 41001 } } } }] }] }),
    );
  });

  it("maps every file and leaves the input untouched", () => {
    const input = rendered();
    const text = JSON.stringify(localBootstrap(input, rewrite).bootstrap);
    expect(text).toContain('"filename":"/tmp/x/ca.pem"');
    expect(JSON.stringify(input)).toContain("/etc/sluice/certs/ca.pem");
  });

  it.each([
    ["an endpoint nobody serves", { ...rewrite, endpoints: new Map() }, "cluster stable calls api-stable:8080, which the test does not serve"],
    ["a file nobody provides", { ...rewrite, files: new Map() }, "the bootstrap reads /etc/sluice/certs/ca.pem, which the test does not provide"],
    ["a listener without a local port", { ...rewrite, listeners: new Map([[10000, 1]]) }, "listener sluice-plaintext on 10001 has no local port"],
  ])("refuses %s", (_what, r, message) => {
    expect(() => localBootstrap(rendered(), r)).toThrow(message);
  });
});

describe("file-based LDS", () => {
  it("moves the listeners into a watched file and gives the node an identity", () => {
    const { bootstrap, listeners } = withFileLds(rendered(), "/tmp/lds");
    expect((bootstrap.static_resources as Obj).listeners).toBeUndefined();
    expect(bootstrap.node).toEqual({ id: "sluice-test", cluster: "sluice-test" });
    expect(bootstrap.dynamic_resources).toEqual({
      lds_config: { resource_api_version: "V3", path_config_source: { path: "/tmp/lds/lds.yaml", watched_directory: { path: "/tmp/lds" } } },
    });
    const doc = parse(ldsDocument(listeners)) as { resources: Obj[] };
    expect(doc.resources.map((r) => [r["@type"], r.name])).toEqual([
      ["type.googleapis.com/envoy.config.listener.v3.Listener", "sluice"],
      ["type.googleapis.com/envoy.config.listener.v3.Listener", "sluice-plaintext"],
    ]);
  });
});
