// Compiler transform (scripts/build.mjs passes it to asc with the literal table's): two changes to
// AssemblyScript's minimal runtime that keep its behaviour and cost less of every module
// (ARCHITECTURE.md, "Module size"). The AssemblyScript version is pinned exactly, so the runtime
// code they rely on is fixed; either change is skipped when that code is not as expected.
//
// 1. filters/shared/allocator.ts is compiled as the runtime's allocator, ~lib/rt/tlsf. asc keeps
//    the standard library's sources in one table (`libraryFiles`) that it reads after making the
//    transforms, and the runtime must stay "minimal" for the compiler to emit what the collector
//    needs (a custom runtime path compiles as the incremental one), so replacing that one entry
//    is the way to swap the allocator alone.
// 2. The collector's root scan, __visit_globals, tests each global for null before it visits it
//    (12 bytes a global); the visit itself returns at once for null (rt/tcms.ts __visit), so the
//    scan is rewritten as one plain visit a global (5 bytes), in the same order.
import asc from "assemblyscript/asc";
import binaryen from "binaryen";
import { readFileSync } from "node:fs";
import { join } from "node:path";

const ALLOCATOR = readFileSync(join(import.meta.dirname, "../filters/shared/allocator.ts"), "utf8");
const VISIT_GLOBALS = "~lib/rt/__visit_globals";
const VISIT = "~lib/rt/tcms/__visit";
/** One global of the compiler's root scan, as binaryen prints it before optimizing. */
const GUARDED_VISIT = String.raw`  \(if\n   \(local\.tee \$1\n    \(global\.get \$(\S+)\)\n   \)\n   \(then\n    \(call \$~lib\/rt\/tcms\/__visit\n     \(local\.get \$1\)\n     \(local\.get \$0\)\n    \)\n   \)\n  \)\n`;

/** The globals the root scan at `text` (its printed function) visits, or null if it does more. */
function scannedGlobals(text) {
  const whole = new RegExp(String.raw`^ \(func \$${VISIT_GLOBALS.replace(/[/~]/g, "\\$&")} \(param \$0 i32\)\n  \(local \$1 i32\)\n(?:${GUARDED_VISIT})* \)$`);
  if (!whole.test(text)) return null;
  return [...text.matchAll(new RegExp(GUARDED_VISIT, "g"))].map((m) => m[1]);
}

export default class RuntimeTransform {
  constructor() {
    asc.libraryFiles["rt/tlsf"] = ALLOCATOR;
  }

  afterCompile(module) {
    const text = module.emitText();
    const start = text.indexOf(` (func $${VISIT_GLOBALS} `);
    if (start < 0) return;
    const end = text.indexOf("\n (func", start + 1);
    const globals = scannedGlobals(text.slice(start, end < 0 ? undefined : end));
    if (globals === null || globals.length === 0) return;
    const visits = globals.map((name) =>
      module.call(VISIT, [module.global.get(name, binaryen.i32), module.local.get(0, binaryen.i32)], binaryen.none));
    module.removeFunction(VISIT_GLOBALS);
    module.addFunction(VISIT_GLOBALS, binaryen.i32, binaryen.none, [], module.block(null, visits, binaryen.none));
  }
}
