// Import check: every shipped module must load in Envoy. host-sim's loader applies
// proxy-wasm-cpp-host's rules (the exact import set with signatures, ABI export, export
// signatures, allocator) and answers with Envoy's own message; on top of that Sluice modules
// must export `malloc` itself, and wabt's validator must accept them (the `wabt` npm package, so
// the build needs nothing outside npm).
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import wabtInit from "wabt";
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

const wabt = await wabtInit();

/** The features Debian's `wasm-validate` (wabt) enables by default; Envoy's V8 runs all of them. */
export const WABT_FEATURES = {
  mutable_globals: true, sat_float_to_int: true, sign_extension: true, multi_value: true, bulk_memory: true, reference_types: true,
};

/** wabt's complaint about the module (its first line), or null when it validates. */
export function wasmValidate(bytes: Uint8Array): string | null {
  let module: ReturnType<typeof wabt.readWasm> | undefined;
  try {
    // a copy: wabt.js reads the whole underlying ArrayBuffer, and small Node buffers share a pool
    module = wabt.readWasm(new Uint8Array(bytes), { readDebugNames: false, ...WABT_FEATURES });
    module.validate();
    return null;
  } catch (e) {
    const lines = (e as Error).message.split("\n").map((l) => l.trim()).filter((l) => l !== "" && !l.endsWith("failed:"));
    return lines[0] ?? (e as Error).message;
  } finally {
    module?.destroy();
  }
}

function wasmFiles(target: string): string[] {
  if (!statSync(target).isDirectory()) return [target];
  return readdirSync(target).filter((f) => f.endsWith(".wasm")).sort().map((f) => join(target, f));
}

/** Every problem of every module named (files, or directories of .wasm files), as "<file>: <problem>". */
export function checkModules(targets: string[]): string[] {
  const failures: string[] = [];
  for (const file of targets.flatMap(wasmFiles)) {
    const bytes = readFileSync(file);
    const problems = moduleProblems(bytes);
    const invalid = wasmValidate(bytes);
    if (invalid) problems.push(`wabt validate: ${invalid}`);
    for (const p of problems) failures.push(`${file}: ${p}`);
  }
  return failures;
}
