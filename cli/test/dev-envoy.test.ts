// `sluice dev --envoy`: the embedded example chain served by a local Envoy on 127.0.0.1, dev's
// access-log lines from Envoy's access log, identities over mTLS with a made client certificate.
// Without an Envoy (ENVOY_BIN or PATH) the file prints one line and skips.
import { readFileSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { request } from "../local-envoy/client.js";
import { envoyVersion } from "../local-envoy/envoy-process.js";
import { bundleCli, sluice, startSluice, type Cli, type Running } from "./helpers.js";

const version = await envoyVersion().catch((err: Error) => {
  process.stdout.write(`dev --envoy: skipped, no local Envoy (${err.message})\n`);
  return undefined;
});

const waitFor = async (cond: () => boolean, ms = 5_000): Promise<void> => {
  const deadline = Date.now() + ms;
  while (!cond() && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
};

describe.skipIf(version === undefined)("sluice dev --envoy", () => {
  let cli: Cli;
  let dev: Running;
  const admin = "spiffe://example.org/ns/ops/sa/admin";
  beforeAll(async () => {
    cli = await bundleCli();
    dev = await startSluice(cli, ["dev", "--envoy", "--listen", "127.0.0.1:0", "--identity", admin], /listening on (http:\/\/\S+)/);
  });
  afterAll(async () => {
    await dev?.stop();
    cli?.cleanup();
  });

  it("runs the example chain: colour, rate-limit headers, 429 after 5, /admin denied", async () => {
    const user = `u-${Date.now()}`;
    const first = await request(`${dev.ready}/api/x`, { headers: { "x-user-id": user } });
    expect(first.status).toBe(200);
    expect(first.headers["x-ratelimit-limit"]).toBe("5, 5;w=1");
    const codes = [first.status];
    for (let i = 0; i < 5; i++) codes.push((await request(`${dev.ready}/api/x`, { headers: { "x-user-id": user } })).status);
    expect(codes).toEqual([200, 200, 200, 200, 200, 429]);
    const denied = await request(`${dev.ready}/admin`);
    expect(denied.status).toBe(403);
    expect(denied.body).toBe("RBAC: access denied");
    expect(JSON.parse((await request(`${dev.ready}/api/x`, { headers: { "x-env": "canary" } })).body).headers["x-sluice-colour"]).toBe("canary");
  });

  it("prints dev's access-log line for each request", async () => {
    await waitFor(() => dev.stdout().includes("local_response:rbac_access_denied") && dev.stdout().includes("colour=canary"));
    const lines = dev.stdout().split("\n");
    expect(lines).toContainEqual(expect.stringMatching(/^GET \/api\/x 429 local_response:rate_limited colour=- \d+ms$/));
    expect(lines).toContainEqual(expect.stringMatching(/^GET \/admin 403 local_response:rbac_access_denied colour=- \d+ms$/));
    expect(lines).toContainEqual(expect.stringMatching(/^GET \/api\/x 200 continue colour=canary \d+ms$/));
  });

  it("serves --identity over mTLS with the client certificate it printed", async () => {
    const m = /--cacert (\S+) --cert (\S+) --key (\S+) (https:\/\/\S+)\/$/m.exec(dev.stdout());
    expect(m, dev.stdout()).not.toBeNull();
    const tls = { ca: readFileSync(m![1], "utf8"), cert: readFileSync(m![2], "utf8"), key: readFileSync(m![3], "utf8"), servername: "localhost" };
    expect((await request(`${m![4]}/admin`, { tls })).status).toBe(200);
  });

  it("refuses --trust-identity-header, which has no Envoy form", async () => {
    const r = await sluice(cli, ["dev", "--envoy", "--trust-identity-header"]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("dev: --trust-identity-header has no --envoy form");
  });

  it("stops Envoy with the dev proxy", async () => {
    expect(await dev.stop()).toBe(0);
    await expect(request(`${dev.ready}/api/x`, { timeoutMs: 1_000 })).rejects.toThrow();
  });
});
