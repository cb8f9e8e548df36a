import { describe, expect, it } from "vitest";
import { Proxy, Result } from "../../../host-sim/src/index.js";
import { headersNamed, outcome, start, WASM } from "./harness.js";

const perSecond = (requests: number, extra: Record<string, unknown> = {}) =>
  ({ name: "api", limits: [{ requests, per: "1s" }], ...extra });

describe("token buckets shared by every worker", () => {
  it("allows exactly burst at once, then requests per \"per\", across 4 workers", async () => {
    const { proxy, send } = await start({
      rules: [{ name: "api", limits: [{ requests: 2, per: "1s", burst: 5 }] }],
    }, 4);
    const burst = Array.from({ length: 20 }, () => outcome(send()));
    expect(burst.filter((o) => o === "allow")).toHaveLength(5);
    expect(burst.slice(0, 5)).toEqual(["allow", "allow", "allow", "allow", "allow"]);
    for (let second = 0; second < 5; second++) {
      proxy.advance(1000);
      const window = Array.from({ length: 12 }, () => outcome(send()));
      expect(window.filter((o) => o === "allow")).toHaveLength(2);
    }
    proxy.advance(10_000);
    expect(Array.from({ length: 12 }, () => outcome(send())).filter((o) => o === "allow")).toHaveLength(5);
  });

  it("returns 429 with details rate_limited, retry-after and the configured body and headers when the bucket is empty", async () => {
    const { send } = await start({
      rules: [perSecond(1)],
      reply: { body: "slow down", headers: [{ name: "X-Limited-By", value: "sluice" }] },
    });
    expect(outcome(send())).toBe("allow");
    const r = send();
    expect(r.localResponse).toMatchObject({ status: 429, details: "rate_limited", body: "slow down" });
    expect(r.localResponse!.headers).toEqual(expect.arrayContaining([["x-limited-by", "sluice"], ["retry-after", "1"]]));
  });

  it("uses the configured reply status", async () => {
    const { send } = await start({ rules: [perSecond(1)], reply: { status: 503 } });
    send();
    expect(outcome(send())).toBe("503");
  });

  it("answers gRPC requests with the configured grpc_status", async () => {
    const { send } = await start({ rules: [perSecond(1)], reply: { status: 503, grpc_status: 14 } });
    send({ "content-type": "application/grpc" });
    expect(send({ "content-type": "application/grpc" }).localResponse).toMatchObject({ status: 503, grpcStatus: 14 });
  });

  it("answers gRPC requests with RESOURCE_EXHAUSTED", async () => {
    const { send } = await start({ rules: [perSecond(1)] });
    send({ "content-type": "application/grpc" });
    const r = send({ "content-type": "application/grpc+proto" });
    expect(r.localResponse).toMatchObject({ grpcStatus: 8, details: "rate_limited" });
    expect(r.localResponse!.headers).toEqual(expect.arrayContaining([["grpc-status", "8"]]));
  });

  // Envoy's Grpc::Common::hasGrpcContentType (shared/local-reply.ts isGrpcRequest).
  it.each([
    ["application/grpc", true],
    ["application/grpc+proto", true],
    ["application/grpc;charset=utf-8", true],
    ["application/grpc-web", false],
    ["application/grpcx", false],
    ["application/json", false],
    ["Application/grpc", false],
    ["", false],
    [null, false],
  ])("treats a rejected request with content-type %j as gRPC: %s", async (contentType, grpc) => {
    const { send } = await start({ rules: [perSecond(1)] });
    const headers: Record<string, string> = contentType === null ? {} : { "content-type": contentType };
    send(headers);
    const r = send(headers);
    // the filter asks for RESOURCE_EXHAUSTED only for gRPC; otherwise Envoy (host-sim) maps the
    // HTTP status itself wherever it sees a gRPC-looking request
    expect(r.localResponse!.details).toBe("rate_limited");
    expect(r.localResponse!.grpcStatus === 8).toBe(grpc);
  });

  it("requires every limit of a rule to pass", async () => {
    const { proxy, send } = await start({
      rules: [{ name: "api", limits: [{ requests: 2, per: "1s" }, { requests: 3, per: "1m" }] }],
    });
    expect([send(), send(), send()].map(outcome)).toEqual(["allow", "allow", "429"]);
    proxy.advance(1000);
    expect([send(), send()].map(outcome)).toEqual(["allow", "429"]);
    proxy.advance(59_000);
    expect(outcome(send())).toBe("allow");
  });
});

describe("rules", () => {
  const config = {
    rules: [
      perSecond(1, { name: "login", match: { methods: ["POST"], path: { exact: "/login" } } }),
      perSecond(1, { name: "beta", match: { any: [{ headers: [{ name: "x-beta", exact: "1" }] }, { query: [{ name: "beta", present: true }] }] } }),
      perSecond(1, { name: "admin", match: { host: { prefix: "admin.", ignore_case: true }, all: [{ path: { glob: "/admin/*" } }] } }),
    ],
    default_rule: perSecond(2, { name: "rest" }),
  };

  it.each([
    ["a POST to /login", { ":method": "POST", ":path": "/login" }, "login"],
    ["a GET to /login", { ":method": "GET", ":path": "/login" }, "rest"],
    ["a request with x-beta: 1", { "x-beta": "1" }, "beta"],
    ["a request with x-beta: 2", { "x-beta": "2" }, "rest"],
    ["a request with ?beta", { ":path": "/x?a=1&beta" }, "beta"],
    ["an admin page on Admin.shop:8443", { ":authority": "Admin.shop:8443", ":path": "/admin/users" }, "admin"],
    ["a non-admin page on the admin host", { ":authority": "admin.shop", ":path": "/public" }, "rest"],
  ])("sends %s to the first matching rule", async (_what, headers, rule) => {
    const { proxy, send } = await start(config);
    const limit = rule === "rest" ? 2 : 1;
    for (let i = 0; i < limit; i++) expect(outcome(send(headers))).toBe("allow");
    expect(outcome(send(headers))).toBe("429");
    proxy.advance(1000);
    expect(proxy.metric(`sluice.rate_limit.${rule}.limited`)).toBe(1);
  });

  it("lets requests no rule matches pass untouched", async () => {
    const { send } = await start({ rules: [perSecond(1, { match: { methods: ["POST"] } })] });
    expect([send(), send(), send()].map(outcome)).toEqual(["allow", "allow", "allow"]);
  });
});

describe("keys", () => {
  it("gives every key value its own bucket", async () => {
    const { send } = await start({ rules: [perSecond(1, { key: [{ source: "header", name: "X-User" }] })] });
    expect(outcome(send({ "x-user": "alice" }))).toBe("allow");
    expect(outcome(send({ "x-user": "alice" }))).toBe("429");
    expect(outcome(send({ "x-user": "bob" }))).toBe("allow");
  });

  // Values up to 2 KB arrive in the module's scratch block, longer ones in a heap block; a part
  // over 4096 bytes is missing (skipped by default).
  it.each([
    ["short", 5],
    ["scratch-sized", 2048],
    ["heap-sized", 3000],
    ["at the 4096-byte limit", 4096],
  ])("keys on %s header values (%d bytes) by their exact bytes", async (_, size) => {
    const { send } = await start({ rules: [perSecond(1, { key: [{ source: "header", name: "X-User" }] })] });
    const alice = "a".repeat(size - 1) + "1";
    const bob = "a".repeat(size - 1) + "2";
    expect([alice, alice, bob].map((v) => outcome(send({ "x-user": v })))).toEqual(["allow", "429", "allow"]);
  });

  it("treats a key header over 4096 bytes as missing", async () => {
    const { send } = await start({ rules: [perSecond(1, { key: [{ source: "header", name: "X-User" }] })] });
    const huge = "a".repeat(4097);
    expect([huge, huge].map((v) => outcome(send({ "x-user": v })))).toEqual(["allow", "allow"]);
  });

  it("skips the rule when a key part is missing and on_missing_key is skip", async () => {
    const { send } = await start({
      rules: [perSecond(1, { key: [{ source: "cookie", name: "session" }] })],
      default_rule: perSecond(2, { name: "anonymous" }),
    });
    expect([send(), send(), send()].map(outcome)).toEqual(["allow", "allow", "429"]);
    expect(outcome(send({ cookie: "a=1; session=s1" }))).toBe("allow");
    expect(outcome(send({ cookie: "session=s1" }))).toBe("429");
  });

  it("puts requests missing a key part in one default bucket when on_missing_key is default", async () => {
    const { send } = await start({ rules: [perSecond(1, { key: [{ source: "query", name: "tenant" }], on_missing_key: "default" })] });
    expect([send(), send()].map(outcome)).toEqual(["allow", "429"]);
    expect(outcome(send({ ":path": "/api?tenant=a" }))).toBe("allow");
  });

  it("keys on the Nth x-forwarded-for hop from the right and treats a malformed hop as missing", async () => {
    const { send } = await start({
      rules: [perSecond(1, { key: [{ source: "client_ip", trusted_hops: 2 }] })],
    });
    const xff = (v: string) => ({ "x-forwarded-for": v });
    expect(outcome(send(xff("1.1.1.1, 203.0.113.7, 10.0.0.2")))).toBe("allow");
    expect(outcome(send(xff("9.9.9.9,203.0.113.7 ,10.0.0.3")))).toBe("429");
    expect(outcome(send(xff("203.0.113.8, 10.0.0.2")))).toBe("allow");
    for (const bad of ["10.0.0.2", "junk, 10.0.0.2", ", 10.0.0.2", "", "1.2.3.4:80, 10.0.0.2"]) {
      expect([send(xff(bad)), send(xff(bad))].map(outcome)).toEqual(["allow", "allow"]);
    }
  });

  it("keys on the peer address without its port", async () => {
    const { send } = await start({ rules: [perSecond(1, { key: [{ source: "client_ip" }] })] });
    expect(outcome(send({}, { "source.address": "[2001:db8::1]:1000" }))).toBe("allow");
    expect(outcome(send({}, { "source.address": "[2001:db8::1]:2000" }))).toBe("429");
    expect(outcome(send({}, { "source.address": "10.0.0.1:1000" }))).toBe("allow");
  });

  it("keys on CIDR groups: one bucket per group", async () => {
    const { send } = await start({
      rules: [perSecond(1, {
        key: [{ source: "cidr", groups: [{ name: "office", ranges: ["10.0.0.0/8"] }, { name: "vpn", ranges: ["192.168.0.0/16"] }] }],
      })],
    });
    const from = (ip: string) => outcome(send({}, { "source.address": `${ip}:1` }));
    expect([from("10.1.1.1"), from("10.2.2.2"), from("192.168.1.1"), from("8.8.8.8"), from("8.8.8.8")])
      .toEqual(["allow", "429", "allow", "allow", "allow"]);
  });

  it("keys on the peer's SPIFFE namespace and treats an invalid SPIFFE ID as missing", async () => {
    const { send } = await start({ rules: [perSecond(1, { key: [{ source: "peer_namespace" }], match: { peer_id: "spiffe://cluster.local/**" } })] });
    const peer = (id: string) => outcome(send({}, { "connection.uri_san_peer_certificate": id }));
    expect(peer("spiffe://cluster.local/ns/a/sa/x")).toBe("allow");
    expect(peer("spiffe://cluster.local/ns/a/sa/y")).toBe("429");
    expect(peer("spiffe://cluster.local/ns/b/sa/x")).toBe("allow");
    expect([peer("spiffe://cluster.local/ns//sa/x"), peer("spiffe://cluster.local/ns//sa/x")]).toEqual(["allow", "allow"]);
    expect([outcome(send()), outcome(send())]).toEqual(["allow", "allow"]);
  });

  it("keeps shared-data keys bounded by max_keys (ceil(max_keys / 2) sets of 16, and the seed) and counts evictions and overflows", async () => {
    const { proxy, send } = await start({ rules: [perSecond(1, { key: [{ source: "header", name: "x-user" }], max_keys: 20 })] }, 2);
    // 1,000 keys a round over 10 sets: every set gets at least 16 (the odds otherwise are below 1e-20)
    for (let i = 0; i < 1000; i++) send({ "x-user": `u${i}` });
    proxy.advance(1000);
    for (let i = 1000; i < 2000; i++) send({ "x-user": `u${i}` });
    const keys = [...proxy.sharedData("rate-limit").keys()].sort();
    expect(keys.length).toBe(11);
    expect(keys.slice(0, 10).every((k, i) => new RegExp(`^sluice:rate-limit:[0-9a-f]{16}:0000000${i}$`).test(k))).toBe(true);
    expect(keys[10]).toBe("sluice:rate-limit:seed");
    proxy.advance(1000);
    expect(proxy.metric("sluice.rate_limit.api.evicted")).toBe(160);
    expect(proxy.metric("sluice.rate_limit.api.overflow")).toBe(2000 - 2 * 160);
  });
});

describe("cost", () => {
  const config = { rules: [{ name: "api", limits: [{ requests: 10, per: "1s" }], cost: { header: "x-cost", max: 5 } }] };

  it("takes the number of tokens a cost header asks for", async () => {
    const { send } = await start(config);
    expect([send({ "x-cost": "5" }), send({ "x-cost": "4" }), send({ "x-cost": "2" }), send()].map(outcome))
      .toEqual(["allow", "allow", "429", "allow"]);
  });

  it.each(["6", "-1", "1.5", "", " 3", "99999999999", "0x2"])("rejects the cost %j with 400", async (value) => {
    const { send } = await start(config);
    const r = send({ "x-cost": value });
    expect(r.localResponse).toMatchObject({ status: 400, details: "rate_limit_invalid_cost" });
  });

  it("clamps invalid costs when on_invalid is clamp", async () => {
    const { send } = await start({ rules: [{ ...config.rules[0], cost: { header: "x-cost", max: 5, amount: 2, on_invalid: "clamp" } }] });
    expect([send({ "x-cost": "99" }), send({ "x-cost": "junk" }), send({ "x-cost": "2" }), send({ "x-cost": "2" })].map(outcome))
      .toEqual(["allow", "allow", "allow", "429"]);
  });
});

describe("shadow and enforcement", () => {
  it("lets shadow-limited requests through with a header for the upstream, a log line and a counter", async () => {
    const { proxy, send } = await start({ rules: [perSecond(1, { mode: "shadow" })] });
    send();
    const r = send();
    expect(outcome(r)).toBe("allow");
    expect(r.requestHeaders).toEqual(expect.arrayContaining([["x-sluice-rate-limited", "api"]]));
    expect(r.logs.map((l: { message: string }) => l.message)).toEqual(["rate-limit: shadow limited by rule api"]);
    proxy.advance(1000);
    expect(proxy.metric("sluice.rate_limit.api.shadow_limited")).toBe(1);
    expect(proxy.metric("sluice.rate_limit.api.limited")).toBe(0);
  });

  it("enforces exactly enforce_percent of limited requests", async () => {
    const { send } = await start({ rules: [perSecond(1)], enforce_percent: 25 });
    send();
    const limited = Array.from({ length: 8 }, () => outcome(send()));
    expect(limited).toEqual(["allow", "allow", "allow", "429", "allow", "allow", "allow", "429"]);
  });
});

describe("store failures", () => {
  const failingStore = (proxy: Proxy) => {
    proxy.shared.set = () => Result.CasMismatch;
  };

  it("allows and counts store_error when the store keeps failing (failure_mode_deny false)", async () => {
    const { proxy, send } = await start({ rules: [perSecond(1)] });
    failingStore(proxy);
    expect([send(), send(), send()].map(outcome)).toEqual(["allow", "allow", "allow"]);
    proxy.advance(1000);
    expect(proxy.metric("sluice.rate_limit.api.store_error")).toBe(3);
  });

  it("rejects when the store fails and failure_mode_deny is true", async () => {
    const { proxy, send } = await start({ rules: [perSecond(1)], failure_mode_deny: true });
    failingStore(proxy);
    const r = send();
    expect(r.localResponse).toMatchObject({ status: 429, details: "rate_limited" });
    expect(headersNamed(r, "retry-after")).toEqual([]);
  });
});

describe("rate-limit headers", () => {
  it("adds nothing with headers_mode none", async () => {
    const { send } = await start({ rules: [perSecond(2)] });
    expect(headersNamed(send(), "x-ratelimit", "ratelimit")).toEqual([]);
  });

  it("adds draft03 headers to allowed and rejected responses", async () => {
    const { send } = await start({ rules: [perSecond(2)], headers_mode: "draft03" });
    const names = ["x-ratelimit", "retry-after"];
    expect(headersNamed(send(), ...names)).toEqual([
      ["x-ratelimit-limit", "2, 2;w=1"], ["x-ratelimit-remaining", "1"], ["x-ratelimit-reset", "1"],
    ]);
    send();
    expect(headersNamed(send(), ...names)).toEqual([
      ["x-ratelimit-limit", "2, 2;w=1"], ["x-ratelimit-remaining", "0"], ["x-ratelimit-reset", "1"], ["retry-after", "1"],
    ]);
  });

  it("adds IETF RateLimit-Policy and RateLimit with the partition key of keyed rules", async () => {
    const { send } = await start({
      rules: [{ name: "per-user", limits: [{ requests: 1, per: "6s", burst: 10 }], key: [{ source: "header", name: "x-user" }] }],
      headers_mode: "ietf",
    });
    const r = send({ "x-user": "alice" });
    const got = headersNamed(r, "ratelimit");
    expect(got).toHaveLength(2);
    const pk = /;pk=(:[A-Za-z0-9+/]{11}=:)$/.exec(got[0][1])![1];
    expect(got).toEqual([["ratelimit-policy", `"per-user";q=10;w=60;pk=${pk}`], ["ratelimit", `"per-user";r=9;t=6;pk=${pk}`]]);
    expect(headersNamed(send({ "x-user": "alice" }), "ratelimit")[1][1]).toBe(`"per-user";r=8;t=12;pk=${pk}`);
    expect(headersNamed(send({ "x-user": "bob" }), "ratelimit")[1][1]).not.toContain(pk);
  });

  it("adds IETF headers without pk for an unkeyed rule, and retry-after on rejects", async () => {
    const { send } = await start({ rules: [perSecond(1, { name: "all" })], headers_mode: "ietf" });
    send();
    expect(headersNamed(send(), "ratelimit", "retry-after")).toEqual([
      ["ratelimit-policy", "\"all\";q=1;w=1"], ["ratelimit", "\"all\";r=0;t=1"], ["retry-after", "1"],
    ]);
  });
});

describe("metrics", () => {
  it("counts allowed and limited per rule, flushed on the tick", async () => {
    const { proxy, send } = await start({ rules: [perSecond(2)] }, 2);
    for (let i = 0; i < 5; i++) send();
    expect(proxy.metric("sluice.rate_limit.api.allowed")).toBe(0);
    proxy.advance(1000);
    expect(proxy.metric("sluice.rate_limit.api.allowed")).toBe(2);
    expect(proxy.metric("sluice.rate_limit.api.limited")).toBe(3);
  });
});

describe("host calls", () => {
  it("makes at most 4 host calls for an allowed request of a simple rule", async () => {
    const { send } = await start({ rules: [perSecond(1000, { key: [{ source: "header", name: "x-user" }] })] });
    send({ "x-user": "a" });
    expect(send({ "x-user": "a" }).hostCalls).toBe(4); // header, time, get, set
    const { send: sendUnkeyed } = await start({ rules: [perSecond(1000)] });
    sendUnkeyed();
    expect(sendUnkeyed().hostCalls).toBe(3); // time, get, set
  });
});

describe("configuration", () => {
  it("rejects a bad configuration with one critical log line", async () => {
    const proxy = new Proxy({ workers: 1 });
    const plugin = await proxy.addPlugin({
      name: "rate-limit", wasm: WASM, rootId: "rate-limit",
      config: { rules: [{ name: "r", limits: [{ requests: 0, per: "1s" }] }] },
    });
    expect(plugin.ok).toBe(false);
    expect(plugin.error).toContain("proxy_on_configure returned false");
    expect(plugin.logs("critical")).toEqual(["rate-limit: rules[0].limits[0].requests: must be >= 1, got 0"]);
  });
});
