// The test CA and SVIDs, checked with Node's X509Certificate and a real mTLS handshake in Node.
import { X509Certificate } from "node:crypto";
import https from "node:https";
import type { AddressInfo } from "node:net";
import type { TLSSocket } from "node:tls";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { TestCa, leafExtensions, spiffeId, type KeyPair } from "../certs.js";
import { request } from "../../../integration/support/http.js";

let ca: TestCa;
let svid: KeyPair;
let server: KeyPair;

beforeAll(() => {
  ca = TestCa.create();
  svid = ca.svid("shop", "web");
  server = ca.issue({ name: "server", dnsNames: ["sluice-envoy", "localhost"], ips: ["127.0.0.1"], usages: ["serverAuth"] });
});
afterAll(() => ca.dispose());

describe("certificates", () => {
  it("SPIFFE IDs", () => {
    expect(spiffeId("shop", "web")).toBe("spiffe://example.org/ns/shop/sa/web");
    expect(spiffeId("a", "b", "td.test")).toBe("spiffe://td.test/ns/a/sa/b");
  });

  it("an X.509-SVID: one URI SAN, signed by the CA, not a CA, client and server auth", () => {
    const caCert = new X509Certificate(ca.cert);
    const c = new X509Certificate(svid.cert);
    expect(c.subjectAltName).toBe("URI:spiffe://example.org/ns/shop/sa/web");
    expect(c.checkIssued(caCert)).toBe(true);
    expect(c.verify(caCert.publicKey)).toBe(true);
    expect(c.ca).toBe(false);
    expect(caCert.ca).toBe(true);
    expect(c.keyUsage).toEqual(expect.arrayContaining(["1.3.6.1.5.5.7.3.1", "1.3.6.1.5.5.7.3.2"]));
  });

  it("the server certificate names the container alias, localhost and 127.0.0.1", () => {
    expect(new X509Certificate(server.cert).subjectAltName).toBe("DNS:sluice-envoy, DNS:localhost, IP Address:127.0.0.1");
  });

  it("extension sections", () => {
    expect(leafExtensions({ name: "x", uris: ["spiffe://a/b"], usages: ["clientAuth"] })).toContain("subjectAltName = critical, URI:spiffe://a/b");
    expect(leafExtensions({ name: "x" })).not.toContain("subjectAltName");
    expect(() => ca.issue({ name: "../evil" })).toThrow("letters, digits");
  });
});

describe("mTLS with the test PKI (what Envoy will see)", () => {
  let srv: https.Server;
  let url: string;
  beforeAll(async () => {
    srv = https.createServer({ cert: server.cert, key: server.key, ca: ca.cert, requestCert: true, rejectUnauthorized: true }, (req, res) => {
      const peer = (req.socket as TLSSocket).getPeerX509Certificate();
      res.end(peer?.subjectAltName ?? "none");
    });
    await new Promise<void>((r) => srv.listen(0, "127.0.0.1", r));
    url = `https://127.0.0.1:${(srv.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((r) => srv.close(() => r())));

  it("a client presenting its SVID is identified by its SPIFFE ID", async () => {
    const res = await request(`${url}/`, { tls: { ca: ca.cert, cert: svid.cert, key: svid.key, servername: "localhost" } });
    expect(res.status).toBe(200);
    expect(res.body).toBe("URI:spiffe://example.org/ns/shop/sa/web");
  });

  it("a client without a certificate is refused", async () => {
    await expect(request(`${url}/`, { tls: { ca: ca.cert, servername: "localhost" } })).rejects.toThrow();
  });

  it("a certificate from another CA is refused", async () => {
    const other = TestCa.create();
    try {
      const foreign = other.svid("shop", "web");
      await expect(request(`${url}/`, { tls: { ca: ca.cert, cert: foreign.cert, key: foreign.key } })).rejects.toThrow();
    } finally {
      other.dispose();
    }
  });
});
