// Compiler transform (scripts/build.mjs passes it to asc with the literal table's): compiles
// filters/shared/allocator.ts as the minimal runtime's allocator, ~lib/rt/tlsf. asc keeps the
// standard library's sources in one table (`libraryFiles`) that it reads after making the
// transforms, and the runtime must stay "minimal" for the compiler to emit what the collector
// needs (a custom runtime path compiles as the incremental one); replacing that one entry is the
// way to swap the allocator alone. The AssemblyScript version is pinned exactly, so the
// interface the collector calls (__alloc, __realloc, __free and the block header) is fixed.
import asc from "assemblyscript/asc";
import { readFileSync } from "node:fs";
import { join } from "node:path";

const ALLOCATOR = readFileSync(join(import.meta.dirname, "../filters/shared/allocator.ts"), "utf8");

export default class AllocatorTransform {
  constructor() {
    asc.libraryFiles["rt/tlsf"] = ALLOCATOR;
  }
}
