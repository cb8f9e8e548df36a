// Runs the bundled CLI (cli/bundle.mjs into a temporary directory) in a child process.
import { execFile, spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { promisify } from "node:util";

export const ROOT = resolve(import.meta.dirname, "../..");
const run = promisify(execFile);

export interface Cli {
  bin: string;
  dir: string;
  cleanup(): void;
}

export async function bundleCli(): Promise<Cli> {
  const dir = mkdtempSync(join(tmpdir(), "sluice-cli-"));
  const bin = join(dir, "sluice.mjs");
  await run(process.execPath, [resolve(ROOT, "cli/bundle.mjs"), "--outfile", bin], { cwd: ROOT });
  return { bin, dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

export interface Outcome {
  code: number;
  stdout: string;
  stderr: string;
}

/** `sluice <args>` with optional stdin; cwd is the repository root. */
export function sluice(cli: Cli, args: string[], opts: { input?: string; timeoutMs?: number } = {}): Promise<Outcome> {
  return new Promise((done, fail) => {
    const child = spawn(process.execPath, [cli.bin, ...args], {
      cwd: ROOT, env: { ...process.env, SLUICE_ROOT: ROOT }, stdio: ["pipe", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.setEncoding("utf8").on("data", (d: string) => (stdout += d));
    child.stderr.setEncoding("utf8").on("data", (d: string) => (stderr += d));
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      fail(new Error(`sluice ${args.join(" ")} timed out; stderr: ${stderr}`));
    }, opts.timeoutMs ?? 20_000);
    child.on("error", fail);
    child.on("close", (code) => {
      clearTimeout(timer);
      done({ code: code ?? -1, stdout, stderr });
    });
    child.stdin.end(opts.input ?? "");
  });
}

export interface Running {
  /** The first capture of `ready` in stdout (e.g. the URL). */
  ready: string;
  child: ChildProcess;
  stdout(): string;
  /** SIGTERM; resolves with the exit code (SIGKILL after 10 s). */
  stop(): Promise<number | null>;
}

/** `sluice <args>` left running until stdout matches `ready` (bounded by `timeoutMs`). */
export function startSluice(cli: Cli, args: string[], ready: RegExp, timeoutMs = 30_000): Promise<Running> {
  return new Promise((done, fail) => {
    const child = spawn(process.execPath, [cli.bin, ...args], { cwd: ROOT, env: { ...process.env, SLUICE_ROOT: ROOT }, stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    let err = "";
    let started = false;
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      fail(new Error(`sluice ${args.join(" ")} did not get ready: ${out}${err}`));
    }, timeoutMs);
    child.stderr!.setEncoding("utf8").on("data", (d: string) => (err += d));
    child.stdout!.setEncoding("utf8").on("data", (d: string) => {
      out += d;
      const m = ready.exec(out);
      if (m === null || started) return;
      started = true;
      clearTimeout(timer);
      done({
        ready: m[1] ?? m[0],
        child,
        stdout: () => out,
        stop: () =>
          new Promise((stopped) => {
            if (child.exitCode !== null) return stopped(child.exitCode);
            const kill = setTimeout(() => child.kill("SIGKILL"), 10_000);
            child.once("exit", (code) => {
              clearTimeout(kill);
              stopped(code);
            });
            child.kill("SIGTERM");
          }),
      });
    });
    child.once("exit", (code) => {
      if (!started) {
        clearTimeout(timer);
        fail(new Error(`sluice ${args.join(" ")} exited with ${code}: ${out}${err}`));
      }
    });
  });
}
