// Import check: every shipped module must load in Envoy. host-sim's loader applies
// proxy-wasm-cpp-host's rules (the exact import set with signatures, ABI export, export
// signatures, allocator) and answers with Envoy's own message; on top of that Sluice modules
// must export `malloc` itself, and wasm-validate must accept them.
import { spawnSync } from "node:child_process";
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { checkModule } from "../host-sim/src/plugin.js";
import { readModuleShape } from "../host-sim/src/wasm-binary.js";

/** Why Envoy would refuse the module (empty when it loads). */
export function moduleProblems(bytes: Uint8Array): string[] {
  try {
    new WebAssembly.Module(new Uint8Array(bytes));
  } catch (e) {
    return [`not a valid WebAssembly module: ${(e as Error).message}`];
  }
  const problems: string[] = [];
  const envoy = checkModule(bytes);
  if (envoy) problems.push(envoy);
  if (readModuleShape(bytes).exports.get("malloc") === undefined) problems.push("does not export malloc");
  return problems;
}

/** wasm-validate's complaint about the file, or null when it validates. */
export function wasmValidate(path: string): string | null {
  const run = spawnSync("wasm-validate", [path], { encoding: "utf8" });
  if (run.error) return `wasm-validate could not run (${run.error.message}); install Debian's wabt`;
  return run.status === 0 ? null : (run.stderr || run.stdout).trim();
}

function wasmFiles(target: string): string[] {
  if (!statSync(target).isDirectory()) return [target];
  return readdirSync(target).filter((f) => f.endsWith(".wasm")).sort().map((f) => join(target, f));
}

/** Every problem of every module named (files, or directories of .wasm files), as "<file>: <problem>". */
export function checkModules(targets: string[]): string[] {
  const failures: string[] = [];
  for (const file of targets.flatMap(wasmFiles)) {
    const problems = moduleProblems(readFileSync(file));
    const invalid = wasmValidate(file);
    if (invalid) problems.push(`wasm-validate: ${invalid}`);
    for (const p of problems) failures.push(`${file}: ${p}`);
  }
  return failures;
}
