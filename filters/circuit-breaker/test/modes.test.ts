// Modes, per-key circuits, the concurrency cap and the local reply (through the built filter).
import { describe, expect, it } from "vitest";
import { Proxy } from "../../../host-sim/src/index.js";
import { loaded } from "./harness.js";
import { filterWasm } from "./load.js";

const colour = (c: string) => ({ headers: { "x-colour": c } });

describe("circuit-breaker › keys", () => {
  it("opens only the failing colour's circuit", async () => {
    const h = await loaded({ circuits: [{ name: "api", consecutive_failures: 2, key: { source: "header", name: "x-colour" } }] }, 2);
    h.call(500, colour("canary"));
    h.call(500, colour("canary"));
    expect(h.call(200, colour("canary")).decision).toBe("local_response");
    expect(h.call(200, colour("stable")).decision).toBe("continue");
    expect(h.call(200).decision).toBe("continue"); // no colour: its own key
  });

  it("keys circuits by the request's colour (x-sluice-colour unless the key names another header)", async () => {
    const h = await loaded({ circuits: [{ name: "api", consecutive_failures: 1, key: { source: "colour" } }] });
    const painted = (c: string) => ({ headers: { "x-sluice-colour": c } });
    h.call(500, painted("canary"));
    expect(h.call(200, painted("canary")).decision).toBe("local_response");
    expect(h.call(200, painted("stable")).decision).toBe("continue");
    const own = await loaded({ circuits: [{ name: "api", consecutive_failures: 1, key: { source: "colour", header: "X-Release" } }] });
    own.call(500, { headers: { "x-release": "v2" } });
    expect(own.call(200, { headers: { "x-release": "v2" } }).decision).toBe("local_response");
    expect(own.call(200, { headers: { "x-release": "v1", "x-sluice-colour": "v2" } }).decision).toBe("continue");
  });

  it("keys circuits by upstream cluster", async () => {
    const h = await loaded({ circuits: [{ name: "api", consecutive_failures: 1, key: { source: "cluster" } }] });
    const cluster = (name: string) => ({ properties: { "xds.cluster_name": name } });
    h.call(500, cluster("payments"));
    expect(h.call(200, cluster("payments")).decision).toBe("local_response");
    expect(h.call(200, cluster("orders")).decision).toBe("continue");
  });

  it("passes keys beyond max_keys untracked and counts key_overflow", async () => {
    const h = await loaded({ circuits: [{ name: "api", consecutive_failures: 1, key: { source: "header", name: "x-colour" }, max_keys: 2 }] });
    h.call(200, colour("a"));
    h.call(200, colour("b"));
    h.call(500, colour("c"));
    expect(h.call(200, colour("c")).decision).toBe("continue");
    h.proxy.advance(1000);
    expect(h.metric("api", "key_overflow")).toBe(2);
  });

  it.each([
    ["a failure counted towards consecutive_failures", { consecutive_failures: 3 }],
    ["a failure in its failure-rate window", { failure_rate: 0.5, minimum_calls: 4 }],
  ])("keeps an idle key's slot (no takeover) while it holds %s, so the key's next failure still counts", async (_what, trigger) => {
    const h = await loaded({ circuits: [{ name: "api", ...trigger, key: { source: "header", name: "x-colour" }, max_keys: 1 }] });
    h.call(500, colour("a"));
    h.proxy.advance(61_000);
    expect(h.call(500, colour("b")).decision).toBe("continue"); // untracked: the one slot holds a failure
    const outcomes = [500, 500, 500, 200].map((status) => h.call(status, colour("a")).decision);
    expect(outcomes.at(-1)).toBe("local_response"); // a's earlier failure still counted: open
    h.proxy.advance(1000);
    expect(h.metric("api", "key_overflow")).toBe(1);
  });

  it("gives an idle closed key's slot to a new key", async () => {
    const h = await loaded({ circuits: [{ name: "api", consecutive_failures: 1, key: { source: "header", name: "x-colour" }, max_keys: 1 }] });
    h.call(200, colour("a"));
    h.proxy.advance(60_000);
    h.call(500, colour("b"));
    expect(h.call(200, colour("b")).decision).toBe("local_response");
  });
});

describe("circuit-breaker › keys across workers", () => {
  const split = { circuits: [{ name: "api", consecutive_failures: 1, key: { source: "header", name: "x-colour" }, max_keys: 1 }] };

  it("notices on another worker that its key's slot was given away, and passes that key untracked", async () => {
    const h = await loaded(split, 2);
    h.call(200, { worker: 0, ...colour("a") }); // worker 0 caches a → slot 0
    h.proxy.advance(60_000);
    h.call(500, { worker: 1, ...colour("b") }); // worker 1 gives the idle slot to b, which opens
    expect(h.call(200, { worker: 0, ...colour("a") }).decision).toBe("continue");
    expect(h.call(200, { worker: 0, ...colour("b") }).decision).toBe("local_response");
    h.proxy.advance(1000);
    expect(h.metric("api", "key_overflow")).toBe(1);
  });

  it("shows a split circuit as open on the gauge while any key is open", async () => {
    const h = await loaded({ circuits: [{ name: "api", consecutive_failures: 1, open_duration: "5s",
      key: { source: "header", name: "x-colour" }, max_keys: 4 }] }, 2);
    h.call(200, colour("stable"));
    h.call(500, colour("canary"));
    h.proxy.advance(1000);
    expect(h.metric("api", "state")).toBe(1);
    h.proxy.advance(4000);
    expect(h.metric("api", "state")).toBe(2);
    h.call(200, colour("canary"));
    h.proxy.advance(1000);
    expect(h.metric("api", "state")).toBe(0);
  });
});

describe("circuit-breaker › match", () => {
  it("applies the first circuit whose match fits and leaves other requests alone", async () => {
    const h = await loaded({ circuits: [
      { name: "pay", consecutive_failures: 1, match: { paths: [{ prefix: "/pay/" }], methods: ["POST"] } },
      { name: "rest", consecutive_failures: 1, match: { hosts: [{ exact: "API.example" }] } },
    ] });
    h.call(500, { headers: { ":method": "POST", ":path": "/pay/1?x=1" } });
    expect(h.call(200, { headers: { ":method": "POST", ":path": "/pay/2" } }).decision).toBe("local_response");
    expect(h.call(200, { headers: { ":method": "GET", ":path": "/pay/2" } }).decision).toBe("continue");
    h.call(500, { headers: { ":authority": "other.example" } });
    expect(h.call(200, { headers: { ":authority": "other.example" } }).decision).toBe("continue");
  });

  it("matches header conditions by presence and glob", async () => {
    const h = await loaded({ circuits: [{ name: "t", consecutive_failures: 1, match: { headers: [{ name: "x-tenant", prefix: "gold-" }] } }] });
    h.call(500, { headers: { "x-tenant": "silver-1" } });
    expect(h.call(200, { headers: { "x-tenant": "gold-1" } }).decision).toBe("continue");
    h.call(500, { headers: { "x-tenant": "gold-1" } });
    expect(h.call(200, { headers: { "x-tenant": "gold-2" } }).decision).toBe("local_response");
    expect(h.call(200).decision).toBe("continue");
  });
});

describe("circuit-breaker › modes", () => {
  it("never rejects in shadow mode, marks the request and counts the would-be rejection", async () => {
    const h = await loaded({ circuits: [{ name: "api", mode: "shadow", consecutive_failures: 1 }] });
    h.call(500);
    const r = h.call(200);
    expect(r.decision).toBe("continue");
    expect(r.requestHeaders).toEqual(expect.arrayContaining([["x-sluice-circuit-shadow", "api; state=open"]]));
    h.proxy.advance(1000);
    expect([h.metric("api", "rejected"), h.metric("api", "opened")]).toEqual([1, 1]);
  });

  it("rejects everything in forced_open mode without reading shared state", async () => {
    const h = await loaded({ circuits: [{ name: "api", mode: "forced_open", open_duration: "30s" }] });
    const r = h.call(200);
    expect(r.localResponse).toMatchObject({ status: 503, details: "circuit_open" });
    expect(r.localResponse!.headers).toEqual(expect.arrayContaining([["retry-after", "30"], ["x-sluice-circuit", "api; state=open"]]));
  });

  it("neither counts nor rejects in disabled mode", async () => {
    const h = await loaded({ circuits: [{ name: "api", mode: "disabled", consecutive_failures: 1 }] });
    h.call(500);
    expect(h.call(200).decision).toBe("continue");
    h.proxy.advance(1000);
    expect(h.metric("api", "calls")).toBe(0);
  });
});

describe("circuit-breaker › max_in_flight", () => {
  const start = (h: Awaited<ReturnType<typeof loaded>>, worker: number) => {
    const s = h.proxy.newStream({ worker });
    s.sendRequestHeaders({ ":method": "GET", ":path": "/api/items", ":authority": "api.example" });
    return s;
  };

  it("rejects beyond max_in_flight across workers and frees a place when a stream ends, cancelled or not", async () => {
    const h = await loaded({ circuits: [{ name: "api", max_in_flight: 2 }] }, 2);
    const a = start(h, 0);
    const b = start(h, 1);
    const c = start(h, 0);
    expect([a, b, c].map((s) => s.result.decision)).toEqual(["continue", "continue", "local_response"]);
    expect(c.result.localResponse).toMatchObject({ status: 503, details: "max_in_flight" });
    expect(c.result.localResponse!.headers).toEqual(expect.arrayContaining([["x-sluice-circuit", "api; reason=max_in_flight"]]));
    c.complete();
    a.cancel();
    expect(start(h, 1).result.decision).toBe("continue"); // b and this one
    expect(start(h, 0).result.decision).toBe("local_response");
    b.sendResponseHeaders({ ":status": "200" }, { endOfStream: true }).complete();
    expect(start(h, 0).result.decision).toBe("continue");
  });
});

describe("circuit-breaker › local reply", () => {
  it("sends the configured status, body and headers", async () => {
    const h = await loaded({ circuits: [{ name: "api", consecutive_failures: 1,
      reply: { status: 429, body: "try later", headers: [{ name: "Cache-Control", value: "no-store" }] } }] });
    h.call(500);
    const r = h.call(200);
    expect(r.localResponse).toMatchObject({ status: 429, body: "try later", details: "circuit_open" });
    expect(r.localResponse!.headers).toEqual(expect.arrayContaining([["cache-control", "no-store"]]));
  });

  it("sends the reply without its fixed headers when a configured header holds a NUL byte", async () => {
    const h = await loaded({ circuits: [{ name: "api", consecutive_failures: 1,
      reply: { headers: [{ name: "x-note", value: "a\u0000b" }] } }] });
    h.call(500);
    const r = h.call(200);
    expect(r.localResponse!.headers.filter(([k]: [string, string]) => k.startsWith("x-") || k === "retry-after"))
      .toEqual([["retry-after", "60"]]);
  });

  it("answers gRPC requests with UNAVAILABLE", async () => {
    const h = await loaded({ circuits: [{ name: "api", consecutive_failures: 1 }] });
    h.call(500);
    const r = h.call(200, { headers: { "content-type": "application/grpc" } });
    expect(r.localResponse?.grpcStatus).toBe(14);
  });

  it("answers gRPC requests with the configured grpc_status, and HTTP ones without it", async () => {
    const h = await loaded({ circuits: [{ name: "api", consecutive_failures: 1, reply: { grpc_status: 8 } }] });
    h.call(500);
    expect(h.call(200, { headers: { "content-type": "application/grpc" } }).localResponse).toMatchObject({ status: 503, grpcStatus: 8 });
    expect(h.call(200).localResponse!.headers).not.toEqual(expect.arrayContaining([["grpc-status", "8"]]));
  });
});

describe("circuit-breaker › shared data", () => {
  it("keeps circuits of two plugins on one vm_id apart even when they share a name", async () => {
    const proxy = new Proxy({ workers: 2 });
    const add = (name: string, path: string) => proxy.addPlugin({ name, rootId: "circuit-breaker", vmId: "shared", wasm: filterWasm(),
      config: { circuits: [{ name: "api", consecutive_failures: 1, match: { paths: [{ glob: path }] } }] } });
    expect((await add("first", "/a/*")).ok).toBe(true);
    expect((await add("second", "/b/*")).ok).toBe(true);
    const call = (path: string, status = 200) => proxy.request({ headers: { ":method": "GET", ":path": path, ":authority": "x" },
      response: { headers: { ":status": String(status) } } });
    call("/a/1", 500);
    expect(call("/a/1").decision).toBe("local_response");
    expect(call("/b/1").decision).toBe("continue");
  });
});

describe("circuit-breaker › store failures", () => {
  const config = { circuits: [{ name: "api", consecutive_failures: 1 }] };

  it("lets a request through untracked and counts store_error when shared data cannot be read", async () => {
    const h = await loaded(config);
    h.proxy.shared.failNext("get", 10, 1_000);
    expect(h.call(500).decision).toBe("continue");
    expect(h.call(500).decision).toBe("continue");
    h.proxy.advance(1000);
    expect(h.metric("api", "store_error")).toBeGreaterThanOrEqual(2);
    expect(h.metric("api", "opened")).toBe(0);
  });

  it("counts store_error and keeps passing traffic when every write of an outcome loses its CAS", async () => {
    const h = await loaded(config);
    h.call(200);
    h.proxy.shared.failNext("set", 8, 1_000);
    expect(h.call(500).decision).toBe("continue");
    expect(h.call(200).decision).toBe("continue");
    h.proxy.advance(1000);
    expect(h.metric("api", "store_error")).toBeGreaterThanOrEqual(1);
    expect(h.metric("api", "opened")).toBe(0);
  });
});
