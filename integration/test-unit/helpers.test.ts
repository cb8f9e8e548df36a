// colour split prediction, the echo parser and the HTTP client.
import http from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { splitBucket, splitColour } from "../support/colour.js";
import { header, request, requestMany, statusCounts } from "../support/http.js";
import { parseEcho } from "../support/upstream.js";

describe("keyed split prediction", () => {
  it("is deterministic and within 0..9999", () => {
    for (let i = 0; i < 1000; i++) {
      const b = splitBucket("users-20pct", `user-${i}`);
      expect(b).toBe(splitBucket("users-20pct", `user-${i}`));
      expect(b).toBeGreaterThanOrEqual(0);
      expect(b).toBeLessThan(10_000);
    }
  });

  it("puts about 20% of 10,000 ids in a 2000 basis point split, and the salt matters", () => {
    const weights = [{ colour: "v2", basis_points: 2000 }];
    let n = 0;
    let same = 0;
    for (let i = 0; i < 10_000; i++) {
      const a = splitColour("users-20pct", `user-${i}`, weights);
      if (a === "v2") n++;
      if (a === splitColour("other-salt", `user-${i}`, weights)) same++;
    }
    expect(n).toBeGreaterThan(1850);
    expect(n).toBeLessThan(2150);
    expect(same).toBeLessThan(10_000);
  });

  it("walks the weights in order", () => {
    const b = splitBucket("s", "k");
    expect(splitColour("s", "k", [{ colour: "a", basis_points: b + 1 }])).toBe("a");
    expect(splitColour("s", "k", [{ colour: "a", basis_points: b }, { colour: "b", basis_points: 1 }])).toBe("b");
    expect(splitColour("s", "k", [{ colour: "a", basis_points: b }])).toBeUndefined();
  });
});

describe("parseEcho", () => {
  it("reads mendhak/http-https-echo's JSON", () => {
    const body = JSON.stringify({ path: "/catalog", headers: { host: "x", "x-sluice-colour": "v2" }, method: "GET", os: { hostname: "upstream-v2" } });
    expect(parseEcho({ status: 200, headers: {}, rawHeaders: [], body })).toEqual({ path: "/catalog", headers: { host: "x", "x-sluice-colour": "v2" }, hostname: "upstream-v2" });
  });

  it("is undefined for local replies", () => {
    expect(parseEcho({ status: 503, headers: {}, rawHeaders: [], body: "circuit open\n" })).toBeUndefined();
    expect(parseEcho({ status: 200, headers: {}, rawHeaders: [], body: "null" })).toBeUndefined();
  });
});

describe("request", () => {
  let srv: http.Server;
  let base: string;
  const sockets = new Set<unknown>();
  beforeAll(async () => {
    srv = http.createServer((req, res) => {
      sockets.add(req.socket);
      if (req.url === "/slow") return void setTimeout(() => res.end("late"), 2_000);
      res.setHeader("x-seen", String(req.headers["x-test"] ?? ""));
      res.statusCode = req.url === "/teapot" ? 418 : 200;
      res.end(req.method);
    });
    await new Promise<void>((r) => srv.listen(0, "127.0.0.1", r));
    base = `http://127.0.0.1:${(srv.address() as AddressInfo).port}`;
  });
  afterAll(
    () =>
      new Promise<void>((r) => {
        srv.closeAllConnections();
        srv.close(() => r());
      }),
  );

  it("sends headers and reads status, headers and body", async () => {
    const res = await request(`${base}/x`, { method: "POST", headers: { "x-test": "1" }, body: "b" });
    expect(res).toMatchObject({ status: 200, body: "POST" });
    expect(header(res, "x-seen")).toBe("1");
  });

  it("opens one connection per request (so Envoy spreads them over workers)", async () => {
    sockets.clear();
    const results = await requestMany(12, 4, (i) => request(`${base}/${i % 3 === 0 ? "teapot" : "ok"}`));
    expect(sockets.size).toBe(12);
    expect(statusCounts(results)).toEqual({ 200: 8, 418: 4 });
    expect(results.map((r) => r.status).slice(0, 4)).toEqual([418, 200, 200, 418]);
  });

  it("gives up after its timeout", async () => {
    await expect(request(`${base}/slow`, { timeoutMs: 100 })).rejects.toThrow("no answer within 100 ms");
  });
});
