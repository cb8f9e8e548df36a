// `sluice dev` end to end: the bundled CLI in a child process on an ephemeral port, real HTTP
// requests through the example chain to the built-in echo upstream.
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { connect } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { guest } from "../../host-sim/test/helpers/guest.js";
import { bundleCli, ROOT, type Cli } from "./helpers.js";

interface Dev {
  url: string;
  child: ChildProcess;
  log: () => string[];
  stop(): Promise<number | null>;
}

function startDev(cli: Cli, args: string[]): Promise<Dev> {
  return new Promise((done, fail) => {
    const child = spawn(process.execPath, [cli.bin, "dev", "--listen", "127.0.0.1:0", ...args], {
      cwd: ROOT, env: { ...process.env, SLUICE_ROOT: ROOT }, stdio: ["ignore", "pipe", "pipe"],
    });
    let out = "";
    let err = "";
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      fail(new Error(`dev did not start: ${out}${err}`));
    }, 10_000);
    child.stderr!.setEncoding("utf8").on("data", (d: string) => (err += d));
    child.stdout!.setEncoding("utf8").on("data", (d: string) => {
      out += d;
      const m = /listening on (http:\/\/\S+)/.exec(out);
      if (m && timer) {
        clearTimeout(timer);
        done({
          url: m[1]!, child,
          log: () => out.trim().split("\n").slice(1),
          stop: () => new Promise((stopped) => {
            const kill = setTimeout(() => child.kill("SIGKILL"), 5_000);
            child.once("exit", (code) => {
              clearTimeout(kill);
              stopped(code);
            });
            child.kill("SIGTERM");
          }),
        });
      }
    });
    child.once("exit", (code) => fail(new Error(`dev exited with ${code}: ${out}${err}`)));
  });
}

const get = (url: string, headers: Record<string, string> = {}) => fetch(url, { headers, signal: AbortSignal.timeout(5_000) });

let cli: Cli;
let tmp: string;
beforeAll(async () => {
  cli = await bundleCli();
  tmp = mkdtempSync(join(tmpdir(), "sluice-dev-"));
});
afterAll(() => {
  cli?.cleanup();
  rmSync(tmp, { recursive: true, force: true });
});

describe("sluice dev with the embedded example chain", () => {
  let dev: Dev;
  beforeAll(async () => {
    dev = await startDev(cli, ["--trust-identity-header"]);
  });
  afterAll(async () => {
    expect(await dev?.stop()).toBe(0);
  });

  it("forwards allowed requests to the echo upstream, which shows what it saw", async () => {
    const r = await get(`${dev.url}/hello?x=1`, { "x-env": "canary" });
    expect(r.status).toBe(200);
    expect(r.headers.get("x-sluice-colour")).toBe("canary");
    const seen = (await r.json()) as { method: string; path: string; headers: Record<string, string> };
    expect(seen.method).toBe("GET");
    expect(seen.path).toBe("/hello?x=1");
    expect(seen.headers["x-sluice-colour"]).toBe("canary");
    expect(seen.headers["x-env"]).toBe("canary");
  });

  it("colours everyone else stable and replaces a forged colour", async () => {
    const r = await get(`${dev.url}/`, { "x-sluice-colour": "canary" });
    expect(((await r.json()) as { headers: Record<string, string> }).headers["x-sluice-colour"]).toBe("stable");
  });

  it("denies /admin with 403 unless the caller is the ops admin workload", async () => {
    const denied = await get(`${dev.url}/admin/users`);
    expect(denied.status).toBe(403);
    expect(denied.headers.get("x-sluice-rbac")).toBe("denied_by_policy; policy=admin-only-ops");
    expect(await denied.text()).toBe("RBAC: access denied");
    const admin = await get(`${dev.url}/admin/users`, { "x-sluice-dev-identity": "spiffe://example.org/ns/ops/sa/admin" });
    expect(admin.status).toBe(200);
    // the identity header is the dev proxy's own: never forwarded
    expect(((await admin.json()) as { headers: Record<string, string> }).headers["x-sluice-dev-identity"]).toBeUndefined();
  });

  it("answers 429 after 5 requests in a second from one user", async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 6; i++) statuses.push((await get(`${dev.url}/api`, { "x-user-id": "rl-user" })).status);
    expect(statuses).toEqual([200, 200, 200, 200, 200, 429]);
  });

  it("opens the canary circuit after 3 upstream failures; stable still passes", async () => {
    const failing = { "x-env": "canary", "x-echo-status": "503" };
    const statuses: number[] = [];
    for (let i = 0; i < 3; i++) statuses.push((await get(`${dev.url}/orders`, failing)).status);
    const open = await get(`${dev.url}/orders`, { "x-env": "canary" });
    expect([...statuses, open.status]).toEqual([503, 503, 503, 503]);
    expect(open.headers.get("x-sluice-circuit")).toBe(`api; key="canary"; state=open`);
    expect(await open.text()).toBe("circuit open\n");
    expect((await get(`${dev.url}/orders`)).status).toBe(200);
  });

  it("answers malformed HTTP with 400", async () => {
    const url = new URL(dev.url);
    const answer = await new Promise<string>((done, fail) => {
      const socket = connect(Number(url.port), url.hostname, () => socket.write("NOT HTTP AT ALL\r\n\r\n"));
      let text = "";
      socket.setTimeout(5_000, () => socket.destroy(new Error("timeout")));
      socket.on("data", (d) => (text += d));
      socket.on("end", () => done(text));
      socket.on("error", fail);
    });
    expect(answer.split("\r\n")[0]).toBe("HTTP/1.1 400 Bad Request");
  });

  it("prints one access-log line per request", () => {
    const lines = dev.log();
    expect(lines[0]).toMatch(/^GET \/hello\?x=1 200 continue colour=canary \d+ms$/);
    expect(lines).toContainEqual(expect.stringMatching(/^GET \/admin\/users 403 local_response:rbac_access_denied colour=- \d+ms$/));
    expect(lines).toContainEqual(expect.stringMatching(/^GET \/api 429 local_response:rate_limited colour=- \d+ms$/));
    expect(lines).toContainEqual(expect.stringMatching(/^GET \/orders 503 local_response:circuit_open colour=- \d+ms$/));
  });
});

describe("sluice dev failures", () => {
  it("ignores the identity header unless --trust-identity-header, and honours --identity", async () => {
    const dev = await startDev(cli, ["--identity", "spiffe://example.org/ns/ops/sa/admin"]);
    try {
      expect((await get(`${dev.url}/admin`)).status).toBe(200);
    } finally {
      await dev.stop();
    }
    const plain = await startDev(cli, []);
    try {
      expect((await get(`${plain.url}/admin`, { "x-sluice-dev-identity": "spiffe://example.org/ns/ops/sa/admin" })).status).toBe(403);
    } finally {
      await plain.stop();
    }
  });

  it("answers 502 when the upstream is down", async () => {
    const dev = await startDev(cli, ["--upstream", "http://127.0.0.1:1"]);
    try {
      const r = await get(`${dev.url}/x`);
      expect(r.status).toBe(502);
      expect(await r.text()).toMatch(/^upstream unavailable: connect ECONNREFUSED 127\.0\.0\.1:1\n$/);
    } finally {
      await dev.stop();
    }
  });

  it("answers 503 and logs a line when a filter traps", async () => {
    const wasm = await guest()
      .on("proxy_on_configure", 2, "(i32.const 1)")
      .on("proxy_on_request_headers", 3, "unreachable")
      .build();
    writeFileSync(join(tmp, "trap.wasm"), wasm);
    writeFileSync(join(tmp, "trap.yaml"), "filters:\n  - id: traffic-colour\n    wasm: trap.wasm\n    fail_strategy: FAIL_CLOSE\n    config: { colours: [stable] }\n");
    const dev = await startDev(cli, ["--config", join(tmp, "trap.yaml")]);
    try {
      expect((await get(`${dev.url}/x`)).status).toBe(503);
      await new Promise((r) => setTimeout(r, 50));
      expect(dev.log()).toEqual([
        "traffic-colour: trap: Function: proxy_on_request_headers failed: Uncaught RuntimeError: unreachable",
        expect.stringMatching(/^GET \/x 503 local_response:wasm_fail_stream colour=- \d+ms$/),
      ]);
    } finally {
      await dev.stop();
    }
  });

  it("gives one clear line for a bad listen address", async () => {
    const r = await new Promise<{ code: number | null; err: string }>((done) => {
      const child = spawn(process.execPath, [cli.bin, "dev", "--listen", "nowhere"], { cwd: ROOT, env: { ...process.env, SLUICE_ROOT: ROOT } });
      let err = "";
      child.stderr.setEncoding("utf8").on("data", (d: string) => (err += d));
      child.on("exit", (code) => done({ code, err }));
    });
    expect(r).toEqual({ code: 2, err: 'sluice: dev: --listen must be host:port, got "nowhere"\n' });
  });
});
