import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import wabtInit from "wabt";
import { checkModules, moduleProblems, WABT_FEATURES } from "../import-check.js";

const BUILD = join(import.meta.dirname, "../../build");
const work = mkdtempSync(join(tmpdir(), "sluice-import-check-"));

const wabt = await wabtInit();

/** Assembles WAT text with the wabt npm package into a file; returns its path. */
function wat(name: string, text: string): string {
  const out = join(work, `${name}.wasm`);
  const module = wabt.parseWat(`${name}.wat`, text, WABT_FEATURES);
  try {
    writeFileSync(out, module.toBinary({}).buffer);
  } finally {
    module.destroy();
  }
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

  it("runs wabt's validator on every module: a truncated one is refused with wabt's reason", () => {
    const file = join(work, "truncated.wasm");
    writeFileSync(file, readFileSync(wat("whole", `(module ${abiExports})`)).subarray(0, -3));
    expect(checkModules([file])).toContain(`${file}: wabt validate: 000004e: error: invalid section size: extends past end`);
  });

  it("reports wabt's reason for a function body that leaves a value on the stack", () => {
    const file = wat("extra-value", `(module ${abiExports} (func (export "f") i32.const 1 drop))`);
    expect(checkModules([file])).toEqual([]);
    const bad = join(work, "bad-body.wasm");
    // the same module with the drop (0x1a) replaced by nop (0x01): the body ends with an i32 left over
    const bytes = readFileSync(file);
    const at = bytes.lastIndexOf(0x1a);
    bytes[at] = 0x01;
    writeFileSync(bad, bytes);
    expect(checkModules([bad]).some((p) => p.startsWith(`${bad}: wabt validate: `))).toBe(true);
  });
});
