// Import check: every shipped module must load in Envoy. It exports the ABI marker and malloc,
// imports only what proxy-wasm-cpp-host provides for ABI 0.2.1, and wasm-validate accepts it.
import { spawnSync } from "node:child_process";
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { isProvidedImport } from "./envoy-abi.mjs";

/** Problems that would stop Envoy from loading the module (empty when it is fine). */
/**
 * @param {Uint8Array} bytes
 * @returns {string[]}
 */
export function moduleProblems(bytes) {
  let module;
  try {
    module = new WebAssembly.Module(bytes);
  } catch (e) {
    return [`not a valid WebAssembly module: ${e.message}`];
  }
  const problems = [];
  for (const i of WebAssembly.Module.imports(module)) {
    if (i.kind !== "function") problems.push(`imports ${i.kind} ${i.module}.${i.name} (Envoy links functions only)`);
    else if (!isProvidedImport(i.module, i.name)) problems.push(`imports ${i.module}.${i.name}, which Envoy does not provide`);
  }
  const exports = new Map(WebAssembly.Module.exports(module).map((e) => [e.name, e.kind]));
  for (const name of ["proxy_abi_version_0_2_1", "malloc"]) {
    if (exports.get(name) !== "function") problems.push(`does not export function ${name}`);
  }
  if (exports.get("memory") !== "memory") problems.push("does not export memory");
  return problems;
}

/** wasm-validate's complaint about the file, or null when it validates. */
/**
 * @param {string} path
 * @returns {string | null}
 */
export function wasmValidate(path) {
  const run = spawnSync("wasm-validate", [path], { encoding: "utf8" });
  if (run.error) return `wasm-validate could not run (${run.error.message}); install Debian's wabt`;
  return run.status === 0 ? null : (run.stderr || run.stdout).trim();
}

/** @param {string} target */
function wasmFiles(target) {
  if (!statSync(target).isDirectory()) return [target];
  return readdirSync(target).filter((f) => f.endsWith(".wasm")).sort().map((f) => join(target, f));
}

/**
 * Every problem of every module named (files or directories of .wasm files).
 * @param {string[]} targets
 * @returns {string[]}
 */
export function checkModules(targets) {
  const failures = [];
  for (const file of targets.flatMap(wasmFiles)) {
    const problems = moduleProblems(readFileSync(file));
    const invalid = wasmValidate(file);
    if (invalid) problems.push(`wasm-validate: ${invalid}`);
    for (const p of problems) failures.push(`${file}: ${p}`);
  }
  return failures;
}
