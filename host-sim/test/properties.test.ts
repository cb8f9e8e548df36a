import { describe, expect, it } from "vitest";
import { guest, RET, RET2 } from "./helpers/guest.js";
import { hex, results, returned, start, worker } from "./helpers/host.js";
import { type PropertyInput } from "../src/index.js";

/** Reads `paths` in on_request_headers; returns each result code and value. */
async function read(paths: string[], properties: PropertyInput = {}, phase = "proxy_on_request_headers") {
  const g = guest();
  const calls = paths
    .map((p, i) => `(drop (call $proxy_get_property ${g.str(p)} (i32.const ${200 + i * 8}) (i32.const ${204 + i * 8})))`)
    .join("\n");
  g.on(phase, phase === "proxy_on_log" ? 1 : 3, phase === "proxy_on_log" ? calls : `${calls} (i32.const 0)`, phase !== "proxy_on_log");
  const { proxy } = await start(g);
  const r = proxy.request({ headers: { ":path": "/a/b?x=1#f", ":method": "GET", ":authority": "svc", "x-h": "1" }, properties, response: { headers: { ":status": "204" } } });
  const m = worker(proxy).memory;
  const codes = results(r.trace, "proxy_get_property");
  return paths.map((_, i) => ({ code: codes[i], hex: codes[i] === 0 ? hex(m.read(m.readU32(200 + i * 8), m.readU32(204 + i * 8))) : undefined }));
}
const text = (h: string | undefined) => Buffer.from(h ?? "", "hex").toString("latin1");

describe("properties", () => {
  it("encodes source.address as a string and source.port as 8 LE bytes (case 35)", async () => {
    const [addr, port] = await read(["source\0address", "source\0port"], { "source.address": "10.1.2.3:54321" });
    expect(text(addr.hex)).toBe("10.1.2.3:54321");
    expect(port.hex).toBe("31d4000000000000");
  });

  it("gives mtls false and no URI SAN on plaintext; the supplied values otherwise (case 36)", async () => {
    const plain = await read(["connection\0mtls", "connection\0uri_san_peer_certificate"]);
    expect(plain.map((p) => [p.code, p.hex])).toEqual([[0, "00"], [1, undefined]]);
    const spiffe = "spiffe://cluster.local/ns/a/sa/b";
    const tls = await read(["connection\0mtls", "connection\0uri_san_peer_certificate"], {
      "connection.mtls": true,
      "connection.uri_san_peer_certificate": spiffe,
    });
    expect(tls[0].hex).toBe("01");
    expect(text(tls[1].hex)).toBe(spiffe);
  });

  it("treats a dotted path as one name, resolves NUL paths and refuses whole wrappers (case 37)", async () => {
    const [dotted, path, conn, req] = await read(["request.path", "request\0path", "connection", "request"]);
    expect(dotted.code).toBe(1);
    expect(text(path.hex)).toBe("/a/b?x=1#f");
    expect(conn.code).toBe(3);
    expect(req.code).toBe(3);
  });

  it("derives request fields from the headers", async () => {
    const got = await read(["request\0url_path", "request\0query", "request\0method", "request\0host", "request\0headers\0x-h", "request\0path\0"]);
    expect(got.map((g) => text(g.hex))).toEqual(["/a/b", "x=1", "GET", "svc", "1", "/a/b?x=1#f"]);
  });

  it("makes header-derived request fields NotFound after request headers continued", async () => {
    const [path, time] = await read(["request\0path", "request\0time"], {}, "proxy_on_response_headers");
    expect(path.code).toBe(1);
    expect(time.hex).toBe(Buffer.from(new BigUint64Array([1_700_000_000_000n * 1_000_000n]).buffer).toString("hex"));
  });

  it("gives response.code, code_details and request.duration at log time", async () => {
    const [code, details, duration] = await read(["response\0code", "response\0code_details", "request\0duration"], {}, "proxy_on_log");
    expect(code.hex).toBe("cc00000000000000");
    expect(text(details.hex)).toBe("via_upstream");
    expect(duration.hex).toBe("0000000000000000");
  });

  it("gives plugin names, supplied xds names and int/bool/bytes encodings", async () => {
    const got = await read(["plugin_name", "plugin_root_id", "xds\0cluster_name", "custom\0n", "custom\0b"], {
      "xds.cluster_name": "outbound|80||svc",
      "custom.n": 7,
      "custom.b": new Uint8Array([1, 2]),
    });
    expect(got.map((g) => g.hex)).toEqual([hex(Buffer.from("probe")), hex(Buffer.from("probe")), hex(Buffer.from("outbound|80||svc")), "0700000000000000", "0102"]);
  });

  it("stores set_property as filter state on streams and refuses it in the root context (case 38)", async () => {
    const g = guest();
    const [k, v] = [g.str("rbac.decision"), g.str("deny")];
    g.on("proxy_on_configure", 2, `(drop (call $proxy_set_property ${k} ${v})) (i32.const 1)`).on(
      "proxy_on_request_headers",
      3,
      `(drop (call $proxy_set_property ${k} ${v})) (drop (call $proxy_get_property ${k} (i32.const ${RET}) (i32.const ${RET2}))) (i32.const 0)`,
    );
    const { proxy } = await start(g);
    expect(results(worker(proxy).trace, "proxy_set_property")).toEqual([1]);
    const r = proxy.request({ headers: {} });
    expect(results(r.trace, "proxy_set_property")).toEqual([0]);
    expect(results(r.trace, "proxy_get_property")).toEqual([0]);
    expect(Buffer.from(returned(worker(proxy))).toString()).toBe("deny");
  });
});
