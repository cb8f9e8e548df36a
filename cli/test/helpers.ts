// Runs the bundled CLI (cli/bundle.mjs into a temporary directory) in a child process.
import { execFile, spawn } from "node:child_process";
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
