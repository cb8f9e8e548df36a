import { describe, expect, it } from "vitest";
import { clusterEndpoints, httpConnectionManagers, parseBootstrap, ports, referencedFiles } from "../support/bootstrap.js";
import { FRONT_FILES, frontProxyBootstrap } from "../support/front-proxy.js";

describe("the trusted front proxy's bootstrap", () => {
  const b = parseBootstrap(frontProxyBootstrap({ target: { address: "sluice-envoy", port: 10000 }, sni: "sluice-envoy" }));

  it("terminates mTLS, sets XFCC with the caller's URI and calls the Sluice Envoy over mTLS", () => {
    expect(ports(b)).toEqual({ listeners: [10000], admin: 9901 });
    const hcm = httpConnectionManagers(b)[0];
    expect(hcm.forward_client_cert_details).toBe("SANITIZE_SET");
    expect(hcm.set_current_client_cert_details).toEqual({ uri: true });
    expect(clusterEndpoints(b)).toEqual([{ cluster: "sluice", address: "sluice-envoy", port: 10000, http2: false }]);
    expect(JSON.stringify(b)).toContain('"require_client_certificate":true');
    expect(JSON.stringify(b)).toContain('"sni":"sluice-envoy"');
  });

  it("reads exactly the three files the test copies", () => {
    expect(referencedFiles(b)).toEqual([FRONT_FILES.ca, FRONT_FILES.key, FRONT_FILES.cert].sort());
  });
});
