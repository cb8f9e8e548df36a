import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { Proxy, type PropertyInput, type RequestResult } from "../../../host-sim/src/index.js";
import { colourProxy, FILTER_WASM } from "./load.js";

const COLOURS = ["stable", "canary", "v2.1"];
const MESH_PEER = "spiffe://cluster.local/ns/shop/sa/frontend";
const EDGE_PEER = "spiffe://cluster.local/ns/istio-system/sa/ingressgateway";

type Headers = Record<string, string>;

function send(proxy: Proxy, headers: Headers = {}, properties?: PropertyInput, response?: Headers): RequestResult {
  return proxy.request({
    headers: { ":method": "GET", ":path": "/", ":authority": "shop.example", ...headers },
    properties,
    response: { headers: { ":status": "200", ...response } },
  });
}

function header(pairs: [string, string][] | undefined, name: string): string | undefined {
  return pairs?.find(([k]) => k === name)?.[1];
}

function allValues(pairs: [string, string][] | undefined, name: string): string[] {
  return (pairs ?? []).filter(([k]) => k === name).map(([, v]) => v);
}

/** The colour header as the upstream saw it. */
const colourOf = (r: RequestResult, name = "x-sluice-colour") => header(r.requestHeaders, name);

function fixture(name: string): unknown {
  return JSON.parse(readFileSync(resolve(import.meta.dirname, "fixtures/valid", `${name}.json`), "utf8"));
}

/** A config whose single rule colours `canary` when `condition` holds. */
const oneCondition = (condition: Record<string, unknown>) => ({
  colours: COLOURS,
  rules: [{ name: "r", colour: "canary", match: { op: "all", conditions: [condition] } }],
});

describe("traffic-colour › operators", () => {
  const cases: [string, Record<string, unknown>, string | undefined, boolean][] = [
    ["equals matches the exact value", { op: "equals", value: "canary" }, "canary", true],
    ["equals is case-sensitive", { op: "equals", value: "canary" }, "Canary", false],
    ["equals with ignore_case folds ASCII case", { op: "equals", value: "canary", ignore_case: true }, "CANARY", true],
    ["equals is false when the header is absent", { op: "equals", value: "canary" }, undefined, false],
    ["not_equals matches a different value", { op: "not_equals", value: "prod" }, "canary", true],
    ["not_equals does not match the same value", { op: "not_equals", value: "canary" }, "canary", false],
    ["not_equals is false when the header is absent", { op: "not_equals", value: "prod" }, undefined, false],
    ["prefix matches the start", { op: "prefix", value: "can" }, "canary", true],
    ["prefix does not match the middle", { op: "prefix", value: "nar" }, "canary", false],
    ["suffix matches the end", { op: "suffix", value: "ary" }, "canary", true],
    ["suffix does not match the start", { op: "suffix", value: "can" }, "canary", false],
    ["contains matches the middle", { op: "contains", value: "nar" }, "canary", true],
    ["contains fails when absent from the value", { op: "contains", value: "xyz" }, "canary", false],
    ["in matches a listed value", { op: "in", values: ["beta", "canary"] }, "canary", true],
    ["in fails for an unlisted value", { op: "in", values: ["beta"] }, "canary", false],
    ["not_in matches an unlisted value", { op: "not_in", values: ["beta"] }, "canary", true],
    ["not_in fails for a listed value", { op: "not_in", values: ["canary"] }, "canary", false],
    ["present matches any value, even empty", { op: "present" }, "", true],
    ["present fails when absent", { op: "present" }, undefined, false],
    ["absent matches when absent", { op: "absent" }, undefined, true],
    ["absent fails when present", { op: "absent" }, "x", false],
    ["glob matches * and ?", { op: "glob", value: "can?ry-*" }, "canary-eu-1", true],
    ["glob anchors both ends", { op: "glob", value: "can*" }, "xcanary", false],
    ["range matches the lower bound", { op: "range", min: 1001, max: 2000 }, "1001", true],
    ["range matches the upper bound", { op: "range", min: 1001, max: 2000 }, "2000", true],
    ["range fails below the range", { op: "range", min: 1001, max: 2000 }, "1000", false],
    ["range fails above the range", { op: "range", min: 1001, max: 2000 }, "2001", false],
    ["range reads negative ids", { op: "range", min: -5, max: -1 }, "-3", true],
    ["range treats non-numeric ids as no match", { op: "range", min: 1, max: 2000 }, "12abc", false],
    ["range treats ids with spaces as no match", { op: "range", min: 1, max: 2000 }, " 12", false],
    ["range treats ids over 18 digits as no match", { op: "range", min: 1, max: 2000 }, "0000000000000000001", false],
    ["range treats an empty id as no match", { op: "range", min: 0, max: 2000 }, "", false],
  ];

  it.each(cases)("%s", async (_name, operator, value, matches) => {
    const proxy = await colourProxy(oneCondition({ source: "header", name: "x-test", ...operator }));
    const r = send(proxy, value === undefined ? {} : { "x-test": value });
    expect(colourOf(r)).toBe(matches ? "canary" : undefined);
  });
});

describe("traffic-colour › request fields", () => {
  const cases: [string, Record<string, unknown>, Headers, PropertyInput | undefined][] = [
    ["a query parameter (percent-decoded)", { source: "query", name: "version", op: "equals", value: "can ary" }, { ":path": "/p?a=1&version=can%20ary" }, undefined],
    ["a cookie", { source: "cookie", name: "beta", op: "equals", value: "yes" }, { cookie: "a=1; beta=yes; c=3" }, undefined],
    ["the path without its query", { source: "path", op: "equals", value: "/checkout" }, { ":path": "/checkout?step=2" }, undefined],
    ["the method", { source: "method", op: "in", values: ["POST", "PUT"] }, { ":method": "POST" }, undefined],
    ["the host", { source: "host", op: "prefix", value: "beta." }, { ":authority": "beta.shop.example" }, undefined],
    ["the host without its port", { source: "host", op: "equals", value: "beta.shop.example" }, { ":authority": "beta.shop.example:8443" }, undefined],
    ["an IPv6 host without brackets and port", { source: "host", op: "equals", value: "::1" }, { ":authority": "[::1]:8080" }, undefined],
    ["the peer SPIFFE ID", { source: "peer_id", op: "prefix", value: "spiffe://cluster.local/ns/shop/" }, {}, { "connection.uri_san_peer_certificate": MESH_PEER }],
  ];

  it.each(cases)("colours by %s", async (_name, condition, headers, properties) => {
    const proxy = await colourProxy(oneCondition(condition));
    expect(colourOf(send(proxy, headers, properties))).toBe("canary");
    expect(colourOf(send(proxy))).toBeUndefined();
  });

  it("treats a peer without a client certificate as absent", async () => {
    const proxy = await colourProxy(oneCondition({ source: "peer_id", op: "absent" }));
    expect(colourOf(send(proxy))).toBe("canary");
    expect(colourOf(send(proxy, {}, { "connection.uri_san_peer_certificate": MESH_PEER }))).toBeUndefined();
  });
});

describe("traffic-colour › groups and rule order", () => {
  const config = {
    colours: COLOURS,
    rules: [
      {
        name: "beta-testers",
        colour: "v2.1",
        match: {
          op: "all",
          conditions: [
            { source: "header", name: "x-beta", op: "equals", value: "1" },
            { op: "any", conditions: [{ source: "method", op: "equals", value: "GET" }, { source: "path", op: "prefix", value: "/api" }] },
          ],
        },
      },
      { name: "api", colour: "canary", match: { op: "any", conditions: [{ source: "path", op: "prefix", value: "/api" }] } },
    ],
  };
  const cases: [string, Headers, string | undefined][] = [
    ["all with a nested any: every part holds", { "x-beta": "1", ":method": "POST", ":path": "/api/x" }, "v2.1"],
    ["all with a nested any: the any holds through its first item", { "x-beta": "1", ":path": "/web" }, "v2.1"],
    ["all fails when one part fails, so the next rule decides", { "x-beta": "0", ":path": "/api/x" }, "canary"],
    ["all fails when the nested any fails", { "x-beta": "1", ":method": "POST", ":path": "/web" }, undefined],
    ["the first matching rule wins over a later one", { "x-beta": "1", ":path": "/api" }, "v2.1"],
  ];

  it.each(cases)("%s", async (_name, headers, expected) => {
    const proxy = await colourProxy(config);
    expect(colourOf(send(proxy, headers))).toBe(expected);
  });

  it("applies the default colour when no rule matches, and leaves it unset without one", async () => {
    const withDefault = await colourProxy({ ...config, default_colour: "stable" });
    expect(colourOf(send(withDefault, { ":path": "/web" }))).toBe("stable");
    const withoutDefault = await colourProxy(config);
    expect(colourOf(send(withoutDefault, { ":path": "/web" }))).toBeUndefined();
  });

  it("writes the colour into the configured header", async () => {
    const proxy = await colourProxy({ colours: COLOURS, header: "X-Env", default_colour: "canary" });
    expect(colourOf(send(proxy), "x-env")).toBe("canary");
  });
});

describe("traffic-colour › activation windows", () => {
  const start = Date.parse("2026-06-01T08:00:00Z");
  const config = {
    colours: COLOURS,
    default_colour: "stable",
    rules: [{ name: "launch", colour: "canary", not_before: "2026-06-01T09:00:00Z", not_after: "2026-06-01T10:00:00+00:00" }],
  };

  it("colours only between not_before (inclusive) and not_after (exclusive) on the proxy clock", async () => {
    const proxy = await colourProxy(config, { startTimeMs: start });
    expect(colourOf(send(proxy))).toBe("stable");
    proxy.advance(60 * 60 * 1000 - 1);
    expect(colourOf(send(proxy))).toBe("stable");
    proxy.advance(1);
    expect(colourOf(send(proxy))).toBe("canary");
    proxy.advance(60 * 60 * 1000 - 1);
    expect(colourOf(send(proxy))).toBe("canary");
    proxy.advance(1);
    expect(colourOf(send(proxy))).toBe("stable");
  });

  it("reads the clock only when a rule has a window", async () => {
    const timed = await colourProxy(config, { startTimeMs: start, trace: true });
    const untimed = await colourProxy({ colours: COLOURS, default_colour: "stable" }, { trace: true });
    const clockCalls = (r: RequestResult) => r.trace.filter((t) => t.name === "proxy_get_current_time_nanoseconds").length;
    expect(clockCalls(send(timed))).toBe(1);
    expect(clockCalls(send(untimed))).toBe(0);
  });
});

describe("traffic-colour › percentage splits", () => {
  const keyed = (basisPoints: number, salt = "canary-2026-05") => ({
    colours: COLOURS,
    default_colour: "stable",
    rules: [{ name: "canary", split: { key: { source: "header", name: "x-user-id" }, salt, weights: [{ colour: "canary", basis_points: basisPoints }] } }],
  });

  it("sends about 5% of users to canary (2,000 users through the filter)", async () => {
    const proxy = await colourProxy(keyed(500));
    let canary = 0;
    for (let i = 0; i < 2000; i++) if (colourOf(send(proxy, { "x-user-id": `user-${i}` })) === "canary") canary++;
    expect(Math.abs(canary / 2000 - 0.05)).toBeLessThan(0.015);
  });

  it("gives a user the same colour on every worker VM and after a restart", async () => {
    const colours = (proxy: Proxy) => Array.from({ length: 300 }, (_, i) => colourOf(send(proxy, { "x-user-id": `user-${i}` })));
    const twoWorkers = await colourProxy(keyed(5000), { workers: 2 });
    const first = colours(twoWorkers); // round-robin: even ids on worker 0, odd on worker 1
    const again = colours(twoWorkers); // now each id on the other worker
    const restarted = colours(await colourProxy(keyed(5000), { workers: 3 }));
    expect(again).toEqual(first);
    expect(restarted).toEqual(first);
    expect(new Set(first)).toEqual(new Set(["canary", "stable"]));
  });

  it("gives independent assignments to splits with different salts", async () => {
    const a = await colourProxy(keyed(5000, "experiment-a"));
    const b = await colourProxy(keyed(5000, "experiment-b"));
    let agree = 0;
    for (let i = 0; i < 2000; i++) {
      const id = { "x-user-id": `user-${i}` };
      if (colourOf(send(a, id)) === colourOf(send(b, id))) agree++;
    }
    expect(Math.abs(agree / 2000 - 0.5)).toBeLessThan(0.05); // independent 50% splits agree half the time
  });

  it("skips a keyed split when the key is absent, so later rules and the default decide", async () => {
    const proxy = await colourProxy(keyed(10_000));
    expect(colourOf(send(proxy))).toBe("stable");
    expect(colourOf(send(proxy, { "x-user-id": "u1" }))).toBe("canary");
  });

  it("splits several colours by weight and lets the rest fall through", async () => {
    const proxy = await colourProxy({
      colours: COLOURS,
      default_colour: "stable",
      rules: [{ name: "ab", split: { key: { source: "cookie", name: "uid" }, weights: [{ colour: "canary", basis_points: 2000 }, { colour: "v2.1", basis_points: 3000 }] } }],
    });
    const counts: Record<string, number> = {};
    for (let i = 0; i < 2000; i++) {
      const colour = colourOf(send(proxy, { cookie: `uid=${i}` }))!;
      counts[colour] = (counts[colour] ?? 0) + 1;
    }
    expect(Math.abs(counts.canary / 2000 - 0.2)).toBeLessThan(0.04);
    expect(Math.abs(counts["v2.1"] / 2000 - 0.3)).toBeLessThan(0.04);
    expect(Math.abs(counts.stable / 2000 - 0.5)).toBeLessThan(0.04);
  });
});

describe("traffic-colour › random splits with sticky cookies", () => {
  const config = {
    colours: COLOURS,
    default_colour: "stable",
    rules: [{
      name: "anonymous",
      split: { weights: [{ colour: "canary", basis_points: 5000 }], sticky: { cookie: "sluice-colour", max_age: 3600 } },
    }],
  };
  const setCookie = (r: RequestResult) => header(r.responseHeaders, "set-cookie");

  it("assigns a colour at random and sets a cookie that keeps it on the next request", async () => {
    const proxy = await colourProxy(config);
    const seen = new Set<string>();
    for (let i = 0; i < 40; i++) {
      const first = send(proxy);
      const colour = colourOf(first) ?? "";
      seen.add(colour);
      const cookie = setCookie(first)!;
      const remembered = colour === "canary" ? "canary" : "-";
      expect(cookie).toBe(`sluice-colour=${remembered}; Max-Age=3600; Path=/; Secure; HttpOnly; SameSite=Lax`);
      const next = send(proxy, { cookie: `session=abc; sluice-colour=${remembered}` });
      expect(colourOf(next)).toBe(colour);
      expect(setCookie(next)).toBeUndefined();
    }
    expect(seen).toEqual(new Set(["canary", "stable"]));
  });

  it("keeps a user out of the split once the cookie says they were not selected", async () => {
    const proxy = await colourProxy({ ...config, rules: [{ ...config.rules[0], split: { ...config.rules[0].split, weights: [{ colour: "canary", basis_points: 10_000 }] } }] });
    expect(colourOf(send(proxy, { cookie: "sluice-colour=-" }))).toBe("stable");
    expect(colourOf(send(proxy))).toBe("canary");
  });

  it("draws again and counts invalid for a cookie naming a colour outside the split", async () => {
    const proxy = await colourProxy(config);
    const r = send(proxy, { cookie: "sluice-colour=v2.1" });
    expect(["canary", "stable"]).toContain(colourOf(r));
    expect(setCookie(r)).toMatch(/^sluice-colour=(canary|-);/);
    proxy.advance(1000);
    expect(proxy.metric("sluice.traffic_colour.invalid")).toBe(1);
  });

  it("adds its cookie next to the upstream's own Set-Cookie headers", async () => {
    const proxy = await colourProxy(config);
    const r = send(proxy, {}, undefined, { "set-cookie": "app=1" });
    expect(allValues(r.responseHeaders, "set-cookie")).toEqual(["app=1", expect.stringMatching(/^sluice-colour=/)]);
  });
});

describe("traffic-colour › inbound trust", () => {
  const config = (inbound: Record<string, unknown>) => ({ colours: COLOURS, default_colour: "stable", baggage_key: "colour", ...inbound });
  const forged = { "x-sluice-colour": "canary" };
  const peer = (id: string) => ({ "connection.uri_san_peer_certificate": id });

  it("strips a client-supplied colour by default and colours by the rules", async () => {
    const proxy = await colourProxy(config({}));
    const r = send(proxy, { ...forged, baggage: "colour=canary,other=1" });
    expect(colourOf(r)).toBe("stable");
    expect(header(r.requestHeaders, "baggage")).toBe("other=1,colour=stable");
    proxy.advance(1000);
    expect(proxy.metric("sluice.traffic_colour.untrusted_stripped")).toBe(1);
  });

  it("removes a forged colour and leaves the request uncoloured when nothing matches", async () => {
    const proxy = await colourProxy({ colours: COLOURS });
    const r = send(proxy, forged);
    expect(colourOf(r)).toBeUndefined();
    expect(r.routeCacheCleared).toBeGreaterThan(0);
  });

  it("keeps a valid inbound colour from everyone with inbound keep", async () => {
    const proxy = await colourProxy(config({ inbound: "keep" }));
    expect(colourOf(send(proxy, forged))).toBe("canary");
  });

  it("keeps the colour a trusted mesh peer set, and strips the same header from the edge", async () => {
    const proxy = await colourProxy(config({ inbound: "keep_from", trusted_peers: ["spiffe://cluster.local/ns/shop/sa/*"] }));
    expect(colourOf(send(proxy, forged, peer(MESH_PEER)))).toBe("canary");
    expect(colourOf(send(proxy, forged, peer(EDGE_PEER)))).toBe("stable");
    expect(colourOf(send(proxy, forged))).toBe("stable"); // no client certificate
    expect(colourOf(send(proxy, forged, peer("spiffe://cluster.local/ns/shop/sa/../x")))).toBe("stable"); // not a valid ID
    proxy.advance(1000);
    expect(proxy.metric("sluice.traffic_colour.untrusted_stripped")).toBe(3);
  });

  it("takes a trusted colour from the baggage member when the header is absent", async () => {
    const proxy = await colourProxy(config({ inbound: "keep" }));
    const r = send(proxy, { baggage: "a=1,colour=v2.1" });
    expect(colourOf(r)).toBe("v2.1");
    expect(header(r.requestHeaders, "baggage")).toBe("a=1,colour=v2.1");
  });

  it.each([
    ["a colour that is not configured", "blue"],
    ["an empty colour", ""],
    ["a colour with a different case", "Canary"],
    ["a very long colour", "c".repeat(10_000)],
  ])("treats %s from a trusted peer as absent and counts it invalid", async (_name, value) => {
    const proxy = await colourProxy(config({ inbound: "keep" }));
    expect(colourOf(send(proxy, { "x-sluice-colour": value }))).toBe("stable");
    proxy.advance(1000);
    expect(proxy.metric("sluice.traffic_colour.invalid")).toBe(1);
  });
});

describe("traffic-colour › one colour header, one colour member, whatever arrived", () => {
  const config = (inbound: Record<string, unknown>) => ({ colours: COLOURS, default_colour: "stable", baggage_key: "colour", ...inbound });
  const pairs = (...extra: [string, string][]): [string, string][] =>
    [[":method", "GET"], [":path", "/"], [":authority", "shop.example"], ...extra];
  const colours = (...values: string[]) => values.map((v): [string, string] => ["x-sluice-colour", v]);

  // [case, inbound, request headers, colour header values upstream, baggage values upstream, invalid count]
  const CASES: [string, string, [string, string][], string[], string[], number][] = [
    ["two conflicting colours from an untrusted peer", "strip", colours("stable", "canary"), ["stable"], ["colour=stable"], 0],
    ["the decided colour second", "strip", colours("canary", "stable"), ["stable"], ["colour=stable"], 0],
    ["the decided colour twice", "strip", colours("stable", "stable"), ["stable"], ["colour=stable"], 0],
    ["two conflicting colours from a trusted peer: no one colour claimed, the rules decide", "keep", colours("canary", "v2.1"), ["stable"], ["colour=stable"], 1],
    ["the same colour twice from a trusted peer: still not one value", "keep", colours("canary", "canary"), ["stable"], ["colour=stable"], 1],
    ["a colour and an empty value from a trusted peer", "keep", colours("canary", ""), ["stable"], ["colour=stable"], 1],
    ["one colour from a trusted peer: kept", "keep", colours("canary"), ["canary"], ["colour=canary"], 0],
    ["two colour members in one baggage header from a trusted peer", "keep", [["baggage", "colour=canary,a=1,colour=v2.1"]], ["stable"],
      ["a=1,colour=stable"], 1],
    ["two colour members in two baggage headers from a trusted peer", "keep", [["baggage", "colour=canary"], ["baggage", "b=2,colour=v2.1"]],
      ["stable"], ["b=2,colour=stable"], 1],
    ["two baggage headers from an untrusted peer, the colour member in the second", "strip", [["baggage", "a=1"], ["baggage", "colour=canary"]],
      ["stable"], ["a=1,colour=stable"], 0],
    ["a colour header and a conflicting baggage member from a trusted peer: the header wins", "keep",
      [...colours("v2.1"), ["baggage", "colour=canary"]], ["v2.1"], ["colour=v2.1"], 0],
  ];

  it.each(CASES)("%s (inbound %s) goes upstream as one value", async (_name, inbound, headers, upstream, baggage, invalid) => {
    const proxy = await colourProxy(config({ inbound }));
    const r = proxy.request({ headers: pairs(...headers), response: { headers: { ":status": "200" } } });
    expect({ colour: allValues(r.requestHeaders, "x-sluice-colour"), baggage: allValues(r.requestHeaders, "baggage") })
      .toEqual({ colour: upstream, baggage });
    proxy.advance(1000);
    expect(proxy.metric("sluice.traffic_colour.invalid")).toBe(invalid);
  });

  it("removes every value of a forged colour header when the request stays uncoloured", async () => {
    const proxy = await colourProxy({ colours: COLOURS });
    const r = proxy.request({ headers: pairs(...colours("canary", "stable")), response: { headers: { ":status": "200" } } });
    expect(allValues(r.requestHeaders, "x-sluice-colour")).toEqual([]);
  });
});

describe("traffic-colour › baggage", () => {
  const config = { colours: COLOURS, default_colour: "canary", baggage_key: "sluice.colour" };

  it.each([
    ["adds a baggage header when there is none", undefined, "sluice.colour=canary"],
    ["appends the member keeping other members byte-for-byte", "userId=alice;p=1,  trace=%20x", "userId=alice;p=1,  trace=%20x,sluice.colour=canary"],
    ["replaces a stale colour member", "a=1,sluice.colour=stable,b=2", "a=1,b=2,sluice.colour=canary"],
    ["replaces a malformed header with the colour member alone", "a=1,,=broken", "sluice.colour=canary"],
  ])("%s", async (_name, baggage, expected) => {
    const proxy = await colourProxy(config);
    const r = send(proxy, baggage === undefined ? {} : { baggage });
    expect(header(r.requestHeaders, "baggage")).toBe(expected);
  });

  it("leaves a baggage header that already carries the colour untouched", async () => {
    const proxy = await colourProxy({ ...config, inbound: "keep" });
    const r = send(proxy, { baggage: "a=1, sluice.colour=canary", "x-sluice-colour": "canary" });
    expect(header(r.requestHeaders, "baggage")).toBe("a=1, sluice.colour=canary");
    expect(r.routeCacheCleared).toBe(0);
  });

  it("keeps a full baggage header as it is and still sets the colour header", async () => {
    const proxy = await colourProxy(config);
    const full = Array.from({ length: 64 }, (_, i) => `k${i}=v`).join(",");
    const r = send(proxy, { baggage: full });
    expect(header(r.requestHeaders, "baggage")).toBe(full);
    expect(colourOf(r)).toBe("canary");
  });

  it("drops a malformed baggage header when no colour is set", async () => {
    const proxy = await colourProxy({ colours: COLOURS, baggage_key: "sluice.colour" });
    expect(header(send(proxy, { baggage: "a b c" }).requestHeaders, "baggage")).toBeUndefined();
  });
});

describe("traffic-colour › route refresh and echo", () => {
  it("clears the route cache through clear_route_cache after setting the colour header", async () => {
    const proxy = await colourProxy({ colours: COLOURS, default_colour: "canary" });
    const r = send(proxy);
    expect(r.events).toEqual(expect.arrayContaining([
      expect.objectContaining({ type: "routeCacheCleared", via: "header_mutation" }),
      expect.objectContaining({ type: "routeCacheCleared", via: "foreign_function" }),
    ]));
    expect(proxy.foreignCalls.filter((c) => c.name === "clear_route_cache")).toHaveLength(1);
  });

  it("leaves the route alone when a trusted colour arrives unchanged", async () => {
    const proxy = await colourProxy({ colours: COLOURS, inbound: "keep" });
    const r = send(proxy, { "x-sluice-colour": "v2.1" });
    expect(colourOf(r)).toBe("v2.1");
    expect(r.routeCacheCleared).toBe(0);
  });

  it("echoes the colour in a response header when asked", async () => {
    const proxy = await colourProxy({ colours: COLOURS, default_colour: "v2.1", response_header: "x-colour" });
    expect(header(send(proxy).responseHeaders, "x-colour")).toBe("v2.1");
  });
});

describe("traffic-colour › logging", () => {
  it("logs each decision at debug level only", async () => {
    const config = { colours: COLOURS, inbound: "keep", default_colour: "stable" };
    const debug = await colourProxy(config, { logLevel: "debug" });
    send(debug, { "x-sluice-colour": "canary" });
    send(debug);
    expect(debug.plugin("traffic-colour")!.logs("debug")).toEqual([
      "traffic-colour: colour canary kept from a trusted peer",
      "traffic-colour: colour stable",
    ]);
    const info = await colourProxy(config);
    send(info);
    expect(info.plugin("traffic-colour")!.logs({ min: "trace" })).toEqual([]);
  });
});

describe("traffic-colour › metrics", () => {
  it("counts requests per colour, flushed to the host once per second", async () => {
    const proxy = await colourProxy({
      colours: COLOURS,
      rules: [{ name: "r", colour: "canary", match: { op: "all", conditions: [{ source: "header", name: "x-env", op: "equals", value: "canary" }] } }],
    }, { workers: 2 });
    for (let i = 0; i < 5; i++) send(proxy, { "x-env": "canary" });
    send(proxy);
    expect(proxy.metric("sluice.traffic_colour.canary.requests")).toBe(0);
    proxy.advance(1000);
    expect(proxy.metrics()).toMatchObject({
      "sluice.traffic_colour.stable.requests": 0,
      "sluice.traffic_colour.canary.requests": 5,
      "sluice.traffic_colour.v2.1.requests": 0,
      "sluice.traffic_colour.untrusted_stripped": 0,
      "sluice.traffic_colour.invalid": 0,
    });
  });
});

describe("traffic-colour › scenarios from teams moving to the mesh", () => {
  it("X-Release: v2.1 → colour v2.1", async () => {
    const proxy = await colourProxy(fixture("release-header"));
    expect(colourOf(send(proxy, { "x-release": "v2.1" }))).toBe("v2.1");
    expect(colourOf(send(proxy, { "x-release": "v2.0" }))).toBe("stable");
  });

  it("user id in 1001-2000 → v2.1", async () => {
    const proxy = await colourProxy(fixture("user-id-range"));
    expect(["1000", "1001", "1500", "2000", "2001", "abc"].map((id) => colourOf(send(proxy, { "x-user-id": id }))))
      .toEqual([undefined, "v2.1", "v2.1", "v2.1", undefined, undefined]);
  });

  it("5% of users → canary", async () => {
    const proxy = await colourProxy(fixture("canary-5-percent"));
    let canary = 0;
    for (let i = 0; i < 2000; i++) if (colourOf(send(proxy, { "x-user-id": String(100_000 + i) })) === "canary") canary++;
    expect(Math.abs(canary / 2000 - 0.05)).toBeLessThan(0.015);
  });

  it("?version=canary and x-env: canary → canary", async () => {
    const proxy = await colourProxy(fixture("query-or-env-header"));
    expect(colourOf(send(proxy, { ":path": "/shop?version=canary" }))).toBe("canary");
    expect(colourOf(send(proxy, { "x-env": "Canary" }))).toBe("canary");
    expect(colourOf(send(proxy, { ":path": "/shop?version=stable" }))).toBeUndefined();
  });
});

describe("traffic-colour › hostile input", () => {
  const config = {
    colours: COLOURS,
    default_colour: "stable",
    baggage_key: "colour",
    rules: [
      { name: "range", colour: "v2.1", match: { op: "all", conditions: [{ source: "header", name: "x-user-id", op: "range", min: 1, max: 10 }] } },
      { name: "cookie", colour: "canary", match: { op: "any", conditions: [{ source: "cookie", name: "beta", op: "equals", value: "1" }, { source: "query", name: "v", op: "glob", value: "*a*b*c*d*e*f*" }] } },
      { name: "sticky", split: { weights: [{ colour: "canary", basis_points: 100 }], sticky: { cookie: "sc" } } },
    ],
  };
  const cases: [string, Headers][] = [
    ["a 60 KB cookie header", { cookie: `${"x=1; ".repeat(10_000)}beta=1` }],
    ["a cookie header without pairs", { cookie: ";;;====;;; ;" }],
    ["a 60 KB malformed baggage header", { baggage: ",".repeat(60_000) }],
    ["baggage with 1,000 members", { baggage: Array.from({ length: 1000 }, (_, i) => `k${i}=v`).join(",") }],
    ["a non-numeric user id", { "x-user-id": "1e3" }],
    ["a user id beyond i64", { "x-user-id": "99999999999999999999999" }],
    ["bytes above 0x7f in headers", { "x-user-id": "\u00ff\u00fe", cookie: "sc=\u00e9", baggage: "colour=\u00ff" }],
    ["a glob-hostile query value", { ":path": `/?v=${"a".repeat(5000)}` }],
    ["a forged colour of 60 KB", { "x-sluice-colour": "c".repeat(60_000) }],
    ["a path of percent signs", { ":path": `/?${"%".repeat(10_000)}=1&v=%zz` }],
  ];

  it.each(cases)("answers %s without a trap", async (_name, headers) => {
    const proxy = await colourProxy(config);
    const plugin = proxy.plugin("traffic-colour")!;
    const r = send(proxy, headers);
    expect(r.decision).toBe("continue");
    expect(["stable", "canary", "v2.1"]).toContain(colourOf(r));
    expect(plugin.failures).toEqual([]);
  });
});

describe("traffic-colour › hostile input cost", () => {
  // Each value is read in one linear pass; a quadratic scan took seconds on these headers.
  it.each([
    ["15,000 baggage members", { baggage: `${"a=1,".repeat(15_000)}a=1` }],
    ["30,000 baggage properties", { baggage: `a=1${";p".repeat(30_000)}` }],
    ["6,000 colour members", { baggage: `${"colour=canary,".repeat(6_000)}x=1` }],
    ["15,000 members and a colour member to remove", { baggage: `${"a=1,".repeat(15_000)}colour=canary` }],
    ["a 60 KB cookie header of separators", { cookie: ";".repeat(60_000) }],
    ["a 60 KB query of separators", { ":path": `/?${"&".repeat(60_000)}` }],
  ])("reads %s in well under a second", async (_name, headers) => {
    const proxy = await colourProxy({
      colours: COLOURS, baggage_key: "colour",
      rules: [{ name: "r", colour: "canary", match: { op: "any", conditions: [{ source: "cookie", name: "beta", op: "present" }, { source: "query", name: "v", op: "present" }] } }],
    });
    const started = performance.now();
    send(proxy, headers as Headers);
    expect(performance.now() - started).toBeLessThan(500);
  });
});

describe("traffic-colour › configuration in the host", () => {
  it("refuses a bad config with one critical log line", async () => {
    const proxy = new Proxy();
    const plugin = await proxy.addPlugin({
      name: "traffic-colour", wasm: FILTER_WASM, rootId: "traffic-colour",
      config: { colours: ["stable", "canary"], rules: [{ name: "r", split: { weights: [{ colour: "canary", basis_points: 10_001 }] } }] },
    });
    expect(plugin.ok).toBe(false);
    expect(plugin.error).toBe("Unable to create Wasm HTTP filter traffic-colour: proxy_on_configure returned false");
    expect(plugin.logs("critical")).toEqual([
      "traffic-colour: rules[0].split.weights[0].basis_points: must be <= 10000, got 10001",
    ]);
  });

  it("makes per-request host calls only for the values its rules read", async () => {
    const proxy = await colourProxy({
      colours: COLOURS,
      rules: [{ name: "r", colour: "v2.1", match: { op: "any", conditions: [{ source: "header", name: "x-release", op: "equals", value: "v2.1" }, { source: "header", name: "x-release", op: "prefix", value: "v2" }] } }],
    });
    // colour header read, x-release read once for both conditions, colour header set, clear_route_cache
    expect(send(proxy, { "x-release": "v2.1" }).hostCalls).toBe(4);
    // colour header read, x-release read: no colour, nothing written
    expect(send(proxy).hostCalls).toBe(2);
  });
});
