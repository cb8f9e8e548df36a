// `sluice build` and `sluice bench`: the repository's own scripts, arguments passed through.
import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { resolve } from "node:path";
import type { Command } from "../command.js";
import { CliError } from "../errors.js";
import { repoRoot } from "../paths.js";

function runNode(nodeArgs: string[], script: string, args: string[]): Promise<number> {
  const root = repoRoot();
  if (!existsSync(resolve(root, script))) throw new CliError(`${resolve(root, script)}: no such file (run sluice from the repository)`);
  return new Promise((done, fail) => {
    const child = spawn(process.execPath, [...nodeArgs, script, ...args], { cwd: root, stdio: "inherit" });
    child.on("error", (e) => fail(new CliError(`cannot run ${script}: ${e.message}`)));
    child.on("exit", (code, signal) => done(code ?? (signal ? 1 : 0)));
  });
}

export const build: Command = {
  name: "build",
  summary: "compile the filters (node scripts/build.mjs), then the import check",
  help: `Usage: sluice build [-- <args of scripts/build.mjs>]

Runs node scripts/build.mjs in the repository: every filter to build/<id>.wasm and
build/<id>.debug.wasm, then the import check. Arguments are passed on, e.g.
  sluice build --only rate-limit
`,
  run: (args) => runNode([], "scripts/build.mjs", args.filter((a) => a !== "--")),
};

export const bench: Command = {
  name: "bench",
  summary: "run the benchmarks (node --import tsx bench/run.ts)",
  help: `Usage: sluice bench [-- <args of bench/run.ts>]

Runs node --import tsx bench/run.ts in the repository (host calls, instructions, size and memory
per filter; see bench/README.md). Build first (sluice build). Arguments are passed on.
`,
  run: (args) => runNode(["--import", "tsx"], "bench/run.ts", args.filter((a) => a !== "--")),
};
