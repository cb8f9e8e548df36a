// The Node echo upstream of the local-process backend: mendhak/http-https-echo's shape, failures
// and delays on request headers or query, every header value reported.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ECHO_HEADER, startEchoServer, type EchoServer } from "../support/echo-server.js";
import { request } from "../support/http.js";
import { DELAY_HEADER, FAIL_HEADER, parseEcho } from "../support/upstream.js";

describe("echo upstream", () => {
  let echo: EchoServer;
  const url = (path: string): string => `http://127.0.0.1:${echo.port}${path}`;
  beforeAll(async () => {
    echo = await startEchoServer("api-canary");
  });
  afterAll(async () => {
    await echo.stop();
  });

  it("answers 200 with the request as JSON and its name", async () => {
    const res = await request(url("/orders?id=7"), { headers: { "x-user-id": "u1" } });
    expect(res.status).toBe(200);
    expect(res.headers[ECHO_HEADER]).toBe("api-canary");
    const e = parseEcho(res)!;
    expect(e.path).toBe("/orders");
    expect(e.hostname).toBe("api-canary");
    expect(e.headers["x-user-id"]).toBe("u1");
  });

  it("reports every value of a repeated header in order", async () => {
    const res = await request(url("/"), { headers: [["x-sluice-colour", "stable"], ["x-other", "1"], ["x-sluice-colour", "canary"]] });
    expect(parseEcho(res)!.headerValues!.filter(([k]) => k.startsWith("x-"))).toEqual([
      ["x-sluice-colour", "stable"],
      ["x-other", "1"],
      ["x-sluice-colour", "canary"],
    ]);
  });

  it.each([
    ["header", { [FAIL_HEADER]: "503" }, "/"],
    ["query parameter", {}, `/?${FAIL_HEADER}=503`],
  ])("fails on demand by %s", async (_how, headers, path) => {
    expect((await request(url(path), { headers })).status).toBe(503);
  });

  it("delays on demand", async () => {
    const t0 = Date.now();
    await request(url("/"), { headers: { [DELAY_HEADER]: "300" } });
    expect(Date.now() - t0).toBeGreaterThanOrEqual(290);
  });

  it("counts the requests it answered", () => {
    expect(echo.requests()).toBeGreaterThanOrEqual(5);
  });
});
