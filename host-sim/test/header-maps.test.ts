import { describe, expect, it } from "vitest";
import { parsePairs, serializePairs } from "../src/index.js";
import { guest, RET, RET2 } from "./helpers/guest.js";
import { hex, results, returned, returnedText, start, worker } from "./helpers/host.js";

const GET_PAIRS = (map: number) => `(drop (call $proxy_get_header_map_pairs (i32.const ${map}) (i32.const ${RET}) (i32.const ${RET2})))`;

describe("pairs codec", () => {
  it("serializes [(a,1)] to the 16 golden bytes", () => {
    expect(hex(serializePairs([["a", "1"]]))).toBe("01000000" + "01000000" + "01000000" + "61003100");
  });

  it("serializes {a:1, b:22} to the 29 golden bytes", () => {
    expect(hex(serializePairs([["a", "1"], ["b", "22"]]))).toBe("02000000" + "0100000001000000" + "0100000002000000" + "6100310062003232" + "00");
  });

  it("parses what it serializes", () => {
    const pairs: [string, string][] = [["x", ""], ["", "y"], ["k\x01", "v\xff"]];
    expect(parsePairs(serializePairs(pairs))).toEqual(pairs);
  });

  it("parses malformed buffers as empty: short, missing NUL, trailing bytes, too many pairs", () => {
    const good = serializePairs([["a", "1"]]);
    expect(parsePairs(new Uint8Array([]))).toEqual([]);
    expect(parsePairs(new Uint8Array([0]))).toEqual([]);
    expect(parsePairs(new Uint8Array(4))).toEqual([]);
    const noNul = good.slice();
    noNul[13] = 0x41;
    expect(parsePairs(noNul)).toEqual([]);
    expect(parsePairs(new Uint8Array([...good, 0]))).toEqual([]);
    expect(parsePairs(good.slice(0, 15))).toEqual([]);
    const many = new Uint8Array(4);
    new DataView(many.buffer).setUint32(0, 1025, true);
    expect(parsePairs(many)).toEqual([]);
  });
});

describe("header map host calls", () => {
  it("returns request headers as pairs with one malloc of 16 bytes (case 9)", async () => {
    const g = guest().on("proxy_on_request_headers", 3, `${GET_PAIRS(0)} (i32.const 0)`);
    const { proxy } = await start(g);
    const vm = worker(proxy);
    const before = vm.mallocCount;
    proxy.request({ headers: [["a", "1"]] });
    expect(vm.mallocCount - before).toBe(1);
    expect(hex(returned(vm))).toBe("01000000010000000100000061003100");
  });

  it("returns (0,0) without malloc for an empty map (case 10)", async () => {
    const g = guest().on("proxy_on_request_headers", 3, `${GET_PAIRS(1)} (i32.const 0)`);
    const { proxy } = await start(g);
    const vm = worker(proxy);
    const before = vm.mallocCount;
    const r = proxy.request({ headers: [["a", "1"]] });
    expect(results(r.trace, "proxy_get_header_map_pairs")).toEqual([0]);
    expect(vm.mallocCount).toBe(before);
    expect([vm.memory.readU32(RET), vm.memory.readU32(RET2)]).toEqual([0, 0]);
  });

  it("returns NotFound for a missing key and BadArgument for map type 8 (case 11)", async () => {
    const g = guest();
    const key = g.str("missing");
    g.on(
      "proxy_on_request_headers",
      3,
      `(drop (call $proxy_get_header_map_value (i32.const 0) ${key} (i32.const ${RET}) (i32.const ${RET2})))
       (drop (call $proxy_get_header_map_value (i32.const 8) (i32.const -1) (i32.const 5) (i32.const ${RET}) (i32.const ${RET2})))
       (i32.const 0)`,
    );
    const { proxy } = await start(g);
    const r = proxy.request({ headers: { a: "1" } });
    expect(results(r.trace, "proxy_get_header_map_value")).toEqual([1, 2]);
  });

  it("lowercases keys, keeps duplicates and returns the first value; the property joins them (case 12)", async () => {
    const g = guest();
    const [k1, k2, k3, v1, v2] = ["X-Foo", "x-foo", "X-FOO", "v1", "v2"].map((s) => g.str(s));
    const prop = g.str("request\0headers\0x-foo");
    g.on(
      "proxy_on_request_headers",
      3,
      `(drop (call $proxy_add_header_map_value (i32.const 0) ${k1} ${v1}))
       (drop (call $proxy_add_header_map_value (i32.const 0) ${k2} ${v2}))
       (drop (call $proxy_get_header_map_value (i32.const 0) ${k3} (i32.const ${RET}) (i32.const ${RET2})))
       (i32.const 0)`,
    ).on("proxy_on_log", 1, `(drop (call $proxy_get_property ${prop} (i32.const ${RET}) (i32.const ${RET2})))`, false);
    const { proxy } = await start(g);
    const s = proxy.newStream();
    s.sendRequestHeaders({ ":path": "/" }, { endOfStream: true });
    expect(returnedText(worker(proxy))).toBe("v1");
    expect(s.result.requestHeaders).toEqual([[":path", "/"], ["x-foo", "v1"], ["x-foo", "v2"]]);
    s.complete();
    expect(returnedText(worker(proxy))).toBe("v1,v2");
  });

  it("treats a malformed set_header_map_pairs buffer as empty and removes every header (case 13)", async () => {
    const g = guest();
    const bad = serializePairs([["a", "1"]]);
    new DataView(bad.buffer).setUint32(0, 2, true);
    const buf = g.bytes(bad);
    g.on("proxy_on_request_headers", 3, `(drop (call $proxy_set_header_map_pairs (i32.const 0) ${buf})) (i32.const 0)`);
    const { proxy } = await start(g);
    const r = proxy.request({ headers: { ":path": "/", b: "2" } });
    expect(results(r.trace, "proxy_set_header_map_pairs")).toEqual([0]);
    expect(r.requestHeaders).toEqual([]);
  });

  it("replaces all headers with set_header_map_pairs, lowercasing keys", async () => {
    const g = guest();
    const buf = g.bytes(serializePairs([["X-New", "1"]]));
    g.on("proxy_on_request_headers", 3, `(drop (call $proxy_set_header_map_pairs (i32.const 0) ${buf})) (i32.const 0)`);
    const { proxy } = await start(g);
    expect(proxy.request({ headers: { a: "1" } }).requestHeaders).toEqual([["x-new", "1"]]);
  });

  it("closes the request-header window once headers continued (case 14)", async () => {
    const g = guest();
    const key = g.str(":path");
    g.on("proxy_on_request_headers", 3, "(i32.const 0)").on(
      "proxy_on_response_headers",
      3,
      `(drop (call $proxy_get_header_map_value (i32.const 0) ${key} (i32.const ${RET}) (i32.const ${RET2})))
       ${GET_PAIRS(0)}
       (drop (call $proxy_get_header_map_size (i32.const 0) (i32.const ${RET})))
       (drop (call $proxy_add_header_map_value (i32.const 0) ${key} ${key}))
       (i32.const 0)`,
    );
    const { proxy } = await start(g);
    const r = proxy.request({ headers: { ":path": "/" } });
    expect(results(r.trace, "proxy_get_header_map_value")).toEqual([2]);
    expect(results(r.trace, "proxy_get_header_map_pairs")).toEqual([0]);
    expect(results(r.trace, "proxy_get_header_map_size")).toEqual([2]);
    expect(results(r.trace, "proxy_add_header_map_value")).toEqual([2]);
  });

  it("gives get_header_map_size as Envoy's byteSize (case 15)", async () => {
    const g = guest().on("proxy_on_request_headers", 3, `(drop (call $proxy_get_header_map_size (i32.const 0) (i32.const ${RET}))) (i32.const 0)`);
    const { proxy } = await start(g);
    proxy.request({ headers: { a: "1" } });
    expect(worker(proxy).memory.readU32(RET)).toBe(2);
  });

  it("records a route-cache clear per request-header mutation and for clear_route_cache (case 16)", async () => {
    const g = guest();
    const [k, v, fn] = ["x-a", "1", "clear_route_cache"].map((s) => g.str(s));
    g.on(
      "proxy_on_request_headers",
      3,
      `(drop (call $proxy_add_header_map_value (i32.const 0) ${k} ${v}))
       (drop (call $proxy_replace_header_map_value (i32.const 0) ${k} ${v}))
       (drop (call $proxy_remove_header_map_value (i32.const 0) ${k}))
       (drop (call $proxy_call_foreign_function ${fn} (i32.const 0) (i32.const 0) (i32.const 0) (i32.const 0)))
       (i32.const 0)`,
    ).on("proxy_on_response_headers", 3, `(drop (call $proxy_add_header_map_value (i32.const 2) ${k} ${v})) (i32.const 0)`);
    const { proxy } = await start(g);
    const r = proxy.request({ headers: { ":path": "/" } });
    expect(results(r.trace, "proxy_call_foreign_function")).toEqual([0]);
    expect(r.events.filter((e) => e.type === "routeCacheCleared").map((e) => (e as { via: string }).via)).toEqual([
      "header_mutation",
      "header_mutation",
      "header_mutation",
      "foreign_function",
    ]);
    expect(r.routeCacheCleared).toBe(4);
    expect(r.responseHeaders).toContainEqual(["x-a", "1"]);
  });

  it("replace removes every value and adds one, as Envoy's setCopy; remove is Ok for an absent key", async () => {
    const g = guest();
    const [k, v, none] = ["dup", "new", "absent"].map((s) => g.str(s));
    g.on(
      "proxy_on_request_headers",
      3,
      `(drop (call $proxy_replace_header_map_value (i32.const 0) ${k} ${v}))
       (drop (call $proxy_remove_header_map_value (i32.const 0) ${none}))
       (i32.const 0)`,
    );
    const { proxy } = await start(g);
    const r = proxy.request({ headers: [["dup", "a"], ["other", "x"], ["dup", "b"]] });
    expect(results(r.trace, "proxy_remove_header_map_value")).toEqual([0]);
    expect(r.requestHeaders).toEqual([["other", "x"], ["dup", "new"]]);
  });

  it("keeps pseudo-headers in front when one is replaced or added, as Envoy's header list does", async () => {
    const g = guest();
    const [path, value, scheme, https] = [":path", "/new", ":scheme", "https"].map((s) => g.str(s));
    g.on(
      "proxy_on_request_headers",
      3,
      `(drop (call $proxy_replace_header_map_value (i32.const 0) ${path} ${value}))
       (drop (call $proxy_add_header_map_value (i32.const 0) ${scheme} ${https}))
       (i32.const 0)`,
    );
    const { proxy } = await start(g);
    const r = proxy.request({ headers: [[":method", "GET"], [":path", "/old"], [":authority", "svc"], ["x-a", "1"]] });
    expect(r.requestHeaders).toEqual([[":method", "GET"], [":authority", "svc"], [":path", "/new"], [":scheme", "https"], ["x-a", "1"]]);
  });

  it("reads request/response headers read-only in on_log; request trailers are NotFound there", async () => {
    const g = guest();
    const [k, v] = [":status", "x"].map((s) => g.str(s));
    g.on(
      "proxy_on_log",
      1,
      `(drop (call $proxy_get_header_map_value (i32.const 2) ${k} (i32.const ${RET}) (i32.const ${RET2})))
       (drop (call $proxy_get_header_map_value (i32.const 1) ${k} (i32.const ${RET + 8}) (i32.const ${RET + 12})))
       (drop (call $proxy_add_header_map_value (i32.const 2) ${k} ${v}))`,
      false,
    );
    const { proxy } = await start(g);
    const r = proxy.request({ headers: { ":path": "/" }, response: { headers: { ":status": "201" } } });
    expect(results(r.trace, "proxy_get_header_map_value")).toEqual([0, 1]);
    expect(results(r.trace, "proxy_add_header_map_value")).toEqual([2]);
    expect(returnedText(worker(proxy))).toBe("201");
  });

  it("lets on_request_body with end_of_stream add request trailers", async () => {
    const g = guest();
    const [k, v] = ["x-trailer", "t"].map((s) => g.str(s));
    g.on("proxy_on_request_body", 3, `(drop (call $proxy_add_header_map_value (i32.const 1) ${k} ${v})) (i32.const 0)`);
    const { proxy } = await start(g);
    const r = proxy.request({ headers: { ":path": "/" }, body: "abc" });
    expect(results(r.trace, "proxy_add_header_map_value")).toEqual([0]);
    expect(r.requestTrailers).toEqual([["x-trailer", "t"]]);
    expect(Buffer.from(r.requestBody).toString()).toBe("abc");
  });

  it("returns InvalidMemoryAccess for an out-of-bounds key pointer", async () => {
    const g = guest().on("proxy_on_request_headers", 3, `(drop (call $proxy_get_header_map_value (i32.const 0) (i32.const 200000) (i32.const 4) (i32.const ${RET}) (i32.const ${RET2}))) (i32.const 0)`);
    const { proxy } = await start(g);
    expect(results(proxy.request({ headers: {} }).trace, "proxy_get_header_map_value")).toEqual([6]);
  });
});
