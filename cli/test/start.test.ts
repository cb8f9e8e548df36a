// `npm start` from a checkout: npm runs scripts/start.mjs (build, bundle, then `sluice dev` in the
// same process), and a SIGTERM to npm stops the proxy: the process npm started is the one that
// receives the signal, says so, and frees the port.
import { spawn } from "node:child_process";
import { connect } from "node:net";
import { describe, expect, it } from "vitest";
import { ROOT } from "./helpers.js";

/** Whether something accepts connections at host:port. */
function accepting(host: string, port: number): Promise<boolean> {
  return new Promise((done) => {
    const socket = connect({ host, port });
    socket.once("connect", () => {
      socket.destroy();
      done(true);
    });
    socket.once("error", () => done(false));
  });
}

describe("npm start", () => {
  it("runs the dev proxy in the process npm started, which stops on SIGTERM to npm with a line saying so", async () => {
    const npm = spawn("npm", ["start", "--silent", "--", "--listen", "127.0.0.1:0"], {
      cwd: ROOT, env: { ...process.env, SLUICE_ROOT: ROOT }, stdio: ["ignore", "pipe", "pipe"],
      detached: true, // its own process group, so the test can end everything it started
    });
    let out = "";
    let err = "";
    npm.stdout.setEncoding("utf8").on("data", (d: string) => (out += d));
    npm.stderr.setEncoding("utf8").on("data", (d: string) => (err += d));
    const exited = new Promise<number | null>((done) => npm.once("exit", (code) => done(code)));
    try {
      const url = await new Promise<URL>((done, fail) => {
        const timer = setTimeout(() => fail(new Error(`npm start did not listen: ${out}${err}`)), 90_000);
        npm.stdout.on("data", () => {
          const m = /listening on (http:\/\/\S+)/.exec(out);
          if (m) {
            clearTimeout(timer);
            done(new URL(m[1]!));
          }
        });
        void exited.then((code) => fail(new Error(`npm start exited with ${code}: ${out}${err}`)));
      });
      const r = await fetch(new URL("/hello", url), { signal: AbortSignal.timeout(5_000) });
      expect(r.status).toBe(200);

      npm.kill("SIGTERM");
      expect(await exited).toBe(0);
      expect(out).toContain("sluice dev: stopped (SIGTERM)\n");
      expect(await accepting(url.hostname, Number(url.port))).toBe(false);
    } finally {
      try {
        process.kill(-npm.pid!, "SIGKILL"); // npm and whatever it left behind
      } catch {
        // the group is gone already
      }
    }
  }, 120_000);
});
