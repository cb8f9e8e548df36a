import asc from "assemblyscript/asc";
import { existsSync, mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { readModuleShape } from "../../host-sim/src/wasm-binary.js";
import { entryOptions, filterIds, TRANSFORMS } from "../build.mjs";

const ROOT = join(import.meta.dirname, "../..");

/** Compiles `entry` again with the release target into a temporary file and returns the bytes. */
async function rebuild(entry: string): Promise<Buffer> {
  const out = join(mkdtempSync(join(tmpdir(), "sluice-build-")), "module.wasm");
  const { error } = await asc.main([entry, "--config", "asconfig.json", "--target", "release", "--outFile", out, ...entryOptions(entry)], {
    stdout: process.stdout,
    stderr: process.stderr,
    transforms: TRANSFORMS,
  });
  if (error) throw error;
  return readFileSync(out);
}

describe("build", () => {
  const shipped = [...filterIds().map((id) => [`filters/${id}/index.ts`, `build/${id}.wasm`]), ["bench/noop.ts", "build/noop.wasm"]];

  it.each(shipped)("compiles %s to %s with a debug twin for filters", (entry, out) => {
    expect(existsSync(join(ROOT, out))).toBe(true);
    if (entry.startsWith("filters/")) expect(existsSync(join(ROOT, out.replace(".wasm", ".debug.wasm")))).toBe(true);
  });

  it.each(shipped.map(([entry]) => entry))("is reproducible: %s compiles to the same bytes twice", async (entry) => {
    process.chdir(ROOT);
    const [first, second] = [await rebuild(entry), await rebuild(entry)];
    expect(first.length).toBeGreaterThan(0);
    expect(first.equals(second)).toBe(true);
  });

  const CALLOUT_CALLBACKS = ["proxy_on_grpc_receive", "proxy_on_grpc_close"];
  // callbacks no filter answers: the host treats a missing one as "continue" or a no-op
  const UNUSED_CALLBACKS = ["proxy_on_vm_start", "proxy_on_request_body", "proxy_on_request_trailers",
    "proxy_on_response_body", "proxy_on_response_trailers", "proxy_on_queue_ready", "proxy_on_foreign_function",
    "proxy_on_http_call_response", "proxy_on_grpc_receive_initial_metadata", "proxy_on_grpc_receive_trailing_metadata",
    "proxy_on_new_connection", "proxy_on_downstream_data", "proxy_on_upstream_data",
    "proxy_on_downstream_connection_close", "proxy_on_upstream_connection_close", "proxy_on_request_metadata",
    "proxy_on_response_metadata"];

  it.each(shipped)("%s exports the callbacks of calls only when it makes them (%s)", (entry, out) => {
    const exports = [...readModuleShape(readFileSync(join(ROOT, out))).exports.keys()];
    expect(exports).toEqual(expect.arrayContaining(["proxy_abi_version_0_2_1", "malloc", "memory", "proxy_on_request_headers"]));
    expect(exports.filter((name) => UNUSED_CALLBACKS.includes(name))).toEqual([]);
    // gRPC calls to the rate limit service (the bundle runs rate-limit)
    const makesCalls = entry === "filters/rate-limit/index.ts" || entry === "filters/sluice/index.ts";
    expect(exports.filter((name) => CALLOUT_CALLBACKS.includes(name))).toEqual(makesCalls ? CALLOUT_CALLBACKS : []);
    // access-log time: circuit-breaker records its outcomes there (the bundle runs circuit-breaker)
    const logs = entry === "filters/circuit-breaker/index.ts" || entry === "filters/sluice/index.ts";
    expect(exports.includes("proxy_on_log")).toBe(logs);
  });
});
