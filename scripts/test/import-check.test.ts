import { spawnSync } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { checkModules, moduleProblems } from "../import-check.js";

const BUILD = join(import.meta.dirname, "../../build");
const work = mkdtempSync(join(tmpdir(), "sluice-import-check-"));

/** Assembles WAT text with Debian wabt's wat2wasm into a file; returns its path. */
function wat(name: string, text: string): string {
  const src = join(work, `${name}.wat`);
  const out = join(work, `${name}.wasm`);
  writeFileSync(src, text);
  const run = spawnSync("wat2wasm", [src, "-o", out], { encoding: "utf8" });
  if (run.status !== 0) throw new Error(`wat2wasm ${name}: ${run.stderr}`);
  return out;
}

const abiExports = `(memory (export "memory") 1)
  (func (export "proxy_abi_version_0_2_1"))
  (func (export "malloc") (param i32) (result i32) i32.const 0)`;

describe("import check", () => {
  it("accepts every module the build ships", () => {
    const shipped = readdirSync(BUILD).filter((f) => f.endsWith(".wasm"));
    expect(shipped).toContain("noop.wasm");
    expect(checkModules(shipped.map((f) => join(BUILD, f)))).toEqual([]);
  });

  it("accepts a module importing only proxy_* and WASI functions Envoy links", () => {
    const file = wat("ok", `(module
      (import "env" "proxy_log" (func (param i32 i32 i32) (result i32)))
      (import "env" "proxy_get_log_level" (func (param i32) (result i32)))
      (import "wasi_unstable" "fd_write" (func (param i32 i32 i32 i32) (result i32)))
      (import "wasi_snapshot_preview1" "proc_exit" (func (param i32)))
      ${abiExports})`);
    expect(checkModules([file])).toEqual([]);
  });

  it.each([
    ["env", "proxy_clear_route_cache"],
    ["env", "proxy_get_configuration"],
    ["env", "proxy_continue_request"],
    ["env", "abort"],
    ["env", "proxy_kv_store_open"],
    ["wasi_snapshot_preview1", "sock_open"],
  ])("rejects a module importing %s.%s, which Envoy does not provide", (mod, name) => {
    const file = wat(`bad-${name}`, `(module (import "${mod}" "${name}" (func)) ${abiExports})`);
    expect(checkModules([file])).toEqual([`${file}: Failed to load Wasm module due to a missing import: ${mod}.${name}`]);
  });

  it("rejects a global import, which Envoy never links", () => {
    const file = wat("global", `(module (import "env" "table_base" (global i32)) ${abiExports})`);
    expect(checkModules([file])).toEqual([`${file}: Failed to load Wasm module due to a missing import: env.table_base`]);
  });

  it("rejects a host function imported with another signature than Envoy's (the SDK's 10-argument proxy_grpc_call)", () => {
    const params = "i32 ".repeat(10);
    const file = wat("grpc10", `(module (import "env" "proxy_grpc_call" (func (param ${params}) (result i32))) ${abiExports})`);
    expect(checkModules([file])).toEqual([`${file}: Failed to load Wasm module due to an import type mismatch`]);
  });

  it("rejects a module without the ABI marker", () => {
    const file = wat("bare", `(module (memory (export "memory") 1) (func (export "malloc") (param i32) (result i32) i32.const 0))`);
    expect(checkModules([file])).toEqual([`${file}: Missing or unknown Proxy-Wasm ABI version`]);
  });

  it("rejects a module that allocates only through proxy_on_memory_allocate: Sluice modules export malloc", () => {
    const file = wat("no-malloc", `(module (memory (export "memory") 1) (func (export "proxy_abi_version_0_2_1"))
      (func (export "proxy_on_memory_allocate") (param i32) (result i32) i32.const 0))`);
    expect(checkModules([file])).toEqual([`${file}: does not export malloc`]);
  });

  it("rejects a callback exported with a signature Envoy refuses", () => {
    const file = wat("bad-sig", `(module ${abiExports} (func (export "proxy_on_request_headers") (param i32 i32) (result i32) i32.const 0))`);
    expect(checkModules([file])).toEqual([`${file}: Bad function signature for: proxy_on_request_headers`]);
  });

  it("reports bytes that are not WebAssembly", () => {
    expect(moduleProblems(new Uint8Array([1, 2, 3]))[0]).toMatch(/^not a valid WebAssembly module: /);
  });

  it("runs wasm-validate on every module", () => {
    const file = join(work, "truncated.wasm");
    writeFileSync(file, readFileSync(join(BUILD, "noop.wasm")).subarray(0, 200));
    const problems = checkModules([file]);
    expect(problems.some((p) => p.startsWith(`${file}: wasm-validate: `))).toBe(true);
  });
});
