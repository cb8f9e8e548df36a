import asc from "assemblyscript/asc";
import { existsSync, mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { filterIds, TRANSFORMS } from "../build.mjs";

const ROOT = join(import.meta.dirname, "../..");

/** Compiles `entry` again with the release target into a temporary file and returns the bytes. */
async function rebuild(entry: string): Promise<Buffer> {
  const out = join(mkdtempSync(join(tmpdir(), "sluice-build-")), "module.wasm");
  const { error } = await asc.main([entry, "--config", "asconfig.json", "--target", "release", "--outFile", out], {
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
});
