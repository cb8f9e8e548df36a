// Allocation counting: a copy of each release module whose allocator entry points count their
// calls in exported globals, so the bench can read heap allocations and GC objects per request.
//
// The release module has no function names, so the filter is compiled once more with the release
// target plus --debug (names only): every section but the name section must equal the release
// module's, byte for byte, which proves it is the same code. Binaryen then prepends a counter
// increment to the allocator functions of that copy. The copy is kept in build/bench/ and
// compiled again only when it no longer matches the release module.
import binaryen from "binaryen";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { Proxy } from "../host-sim/src/index.js";
import { entryOptions, inlineOnceCalled, TRANSFORMS } from "../scripts/build.mjs";
import { ROOT, wasmPath } from "./setup.js";

/** Every heap block the allocator hands out (objects, buffers, host values over the scratch
 *  block, reallocations that move); a reallocation that fits its block allocates nothing. */
const HEAP_FUNCTIONS = ["~lib/rt/tlsf/__alloc"];
/** Every garbage-collected object (the minimal runtime's __new; arrays and strings go through it). */
const GC_FUNCTIONS = ["~lib/rt/tcms/__new"];
const HEAP_GLOBAL = "sluice_bench_heap_allocations";
const GC_GLOBAL = "sluice_bench_gc_objects";

export interface AllocationCounts {
  heap: number;
  gc: number;
}

/** The entry file of a module (bench/noop.ts for the no-op filter). */
function entryOf(filter: string): string {
  return filter === "noop" ? "bench/noop.ts" : `filters/${filter}/index.ts`;
}

/** A module's sections other than custom ones (names), as one comparable string. */
function codeSections(bytes: Uint8Array): string {
  const parts: string[] = [];
  let at = 8;
  const leb = (): number => {
    let value = 0;
    let shift = 0;
    let byte: number;
    do {
      byte = bytes[at++];
      value += (byte & 0x7f) * 2 ** shift;
      shift += 7;
    } while (byte & 0x80);
    return value;
  };
  while (at < bytes.length) {
    const id = bytes[at++];
    const size = leb();
    if (id !== 0) parts.push(`${id}:${Buffer.from(bytes.subarray(at, at + size)).toString("base64")}`);
    at += size;
  }
  return parts.join("|");
}

async function compileNamed(filter: string, out: string): Promise<void> {
  const asc = (await import("assemblyscript/asc")).default;
  const argv = [entryOf(filter), "--config", "asconfig.json", "--target", "release", "--debug", "--outFile", out, ...entryOptions(entryOf(filter))];
  const cwd = process.cwd();
  process.chdir(ROOT);
  try {
    // asc takes transform classes here, though its types declare instances
    const { error, stderr } = await asc.main(argv, { transforms: TRANSFORMS as never[] });
    if (error) throw new Error(`asc ${argv.join(" ")} failed: ${error.message}\n${stderr.toString()}`);
    await inlineOnceCalled(out, entryOf(filter), true); // as scripts/build.mjs finishes a release module
  } finally {
    process.chdir(cwd);
  }
}

/** binaryen.js has Function.setBody at run time; its typings list it under Module. */
const setBody = (binaryen as unknown as { Function: { setBody(fn: binaryen.FunctionRef, body: binaryen.ExpressionRef): void } }).Function.setBody;

/** Prepends `global += 1` to each function of `names` present in `mod`; returns how many it found. */
function countCalls(mod: binaryen.Module, names: string[], global: string): number {
  mod.addGlobal(global, binaryen.i32, true, mod.i32.const(0));
  mod.addGlobalExport(global, global);
  let found = 0;
  for (const name of names) {
    const fn = mod.getFunction(name);
    if (!fn) continue;
    const { body, results } = binaryen.getFunctionInfo(fn);
    const increment = mod.global.set(global, mod.i32.add(mod.global.get(global, binaryen.i32), mod.i32.const(1)));
    setBody(fn, mod.block(null, [increment, body], results));
    found++;
  }
  return found;
}

/** The counting copy of `filter`'s release module (built when missing or stale). */
export async function countingModule(filter: string): Promise<string> {
  const dir = join(ROOT, "build", "bench");
  mkdirSync(dir, { recursive: true });
  const named = join(dir, `${filter}.named.wasm`);
  const counting = join(dir, `${filter}.counting.wasm`);
  const release = codeSections(readFileSync(wasmPath(filter)));
  if (!existsSync(named) || codeSections(readFileSync(named)) !== release) {
    await compileNamed(filter, named);
    if (codeSections(readFileSync(named)) !== release) {
      throw new Error(`${filter}: the named build differs from ${wasmPath(filter)} beyond its names; allocation counts need the release module of this tree (npm run build)`);
    }
  }
  const mod = binaryen.readBinary(readFileSync(named));
  mod.setFeatures(binaryen.Features.All); // what asc emits (bulk memory, sign extension, ...) and mutable global exports
  if (countCalls(mod, HEAP_FUNCTIONS, HEAP_GLOBAL) === 0 || countCalls(mod, GC_FUNCTIONS, GC_GLOBAL) === 0) {
    throw new Error(`${filter}: no allocator function to count in ${named}`);
  }
  if (!mod.validate()) throw new Error(`${filter}: the counting module does not validate`);
  writeFileSync(counting, mod.emitBinary());
  mod.dispose();
  return counting;
}

/** Allocations so far, summed over every live VM of the proxy (counting modules only). */
export function allocationsSoFar(proxy: Proxy): AllocationCounts {
  let heap = 0;
  let gc = 0;
  for (const vm of proxy.vms()) {
    if (!vm.alive) continue;
    const exports = vm.instance.exports as Record<string, WebAssembly.Global>;
    heap += exports[HEAP_GLOBAL].value as number;
    gc += exports[GC_GLOBAL].value as number;
  }
  return { heap, gc };
}
