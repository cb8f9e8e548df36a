// `sluice build` and `sluice bench`: the repository's own scripts, arguments passed through.
import { spawn } from "node:child_process";
import { existsSync, statSync, writeFileSync } from "node:fs";
import { relative, resolve } from "node:path";
import { parseArgs, str } from "../args.js";
import { out, type Command } from "../command.js";
import { loadConfig } from "../config.js";
import { CliError } from "../errors.js";
import { repoRoot } from "../paths.js";
import { bundlePluginConfig, bundleWasm, BUNDLE_ID } from "../sluice-bundle.js";
import { wasmErrors } from "../wasm-check.js";
import { loadCheckedConfig } from "./validate.js";

/** Runs a script of the repository; `quiet`: its stdout goes to stderr (stdout is the command's). */
function runNode(nodeArgs: string[], script: string, args: string[], quiet = false): Promise<number> {
  const root = repoRoot();
  if (!existsSync(resolve(root, script))) throw new CliError(`${resolve(root, script)}: no such file (run sluice from the repository)`);
  return new Promise((done, fail) => {
    const child = spawn(process.execPath, [...nodeArgs, script, ...args], { cwd: root, stdio: quiet ? ["ignore", process.stderr, "inherit"] : "inherit" });
    child.on("error", (e) => fail(new CliError(`cannot run ${script}: ${e.message}`)));
    child.on("exit", (code, signal) => done(code ?? (signal ? 1 : 0)));
  });
}

/** `sluice build --bundle [sluice.yaml] [--out file]`: builds, then (with a sluice.yaml) checks
 *  the chain with every filter's checks and the bundle's own proxy_on_configure, and writes the
 *  bundle's plugin configuration (stdout, or --out). */
async function buildBundle(args: string[]): Promise<number> {
  const p = parseArgs("build", args, { bundle: {}, out: { value: true } });
  if (p.positionals.length > 1) throw new CliError("build --bundle: expected at most one sluice.yaml");
  const file = p.positionals[0];
  if (file !== undefined) loadConfig(file); // the file's own problems before a long build
  const code = await runNode([], "scripts/build.mjs", [], true);
  if (code !== 0) return code;
  const wasm = bundleWasm();
  process.stderr.write(`${relative(process.cwd(), wasm)}: ${statSync(wasm).size} bytes\n`);
  if (file === undefined) return 0;
  const config = await loadCheckedConfig(file);
  const pluginConfig = bundlePluginConfig(config);
  const lines = await wasmErrors(BUNDLE_ID, wasm, pluginConfig);
  if (lines.length > 0) throw new CliError(lines.map((l) => `${file}: ${l}`).join("\n"), 1);
  const text = `${JSON.stringify(pluginConfig)}\n`;
  const target = str(p, "out");
  if (target === undefined) {
    await out(text);
  } else {
    try {
      writeFileSync(target, text);
    } catch (e) {
      throw new CliError(`build: cannot write ${target}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
    }
    process.stderr.write(`wrote ${target}: the plugin configuration of ${pluginConfig.filters.map((f) => f.id).join(" -> ")}\n`);
  }
  return 0;
}

export const build: Command = {
  name: "build",
  summary: "compile the filters (node scripts/build.mjs), then the import check",
  help: `Usage: sluice build [-- <args of scripts/build.mjs>]
       sluice build --bundle [sluice.yaml] [--out file]

Runs node scripts/build.mjs in the repository: every filter to build/<id>.wasm and
build/<id>.debug.wasm, the bundle (every filter in one module) to build/sluice.wasm, then the
import check. Arguments are passed on, e.g.
  sluice build --only rate-limit

--bundle: the same build (its output on stderr), then the size of build/sluice.wasm. With a
sluice.yaml, its chain is checked as render checks it and by the bundle's own proxy_on_configure,
and the bundle's plugin configuration ({"filters": [{"id", "config"}, ...]}, the Envoy
configuration / Istio pluginConfig of build/sluice.wasm) goes to stdout, or to --out.
`,
  run: (args) => {
    const rest = args.filter((a) => a !== "--");
    return rest.includes("--bundle") ? buildBundle(rest) : runNode([], "scripts/build.mjs", rest);
  },
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
