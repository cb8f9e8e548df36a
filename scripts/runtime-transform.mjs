// Compiler transform (scripts/build.mjs passes it to asc with the literal table's): four changes
// to what AssemblyScript emits (its minimal runtime, its static data) that keep its behaviour and
// cost less of every module (ARCHITECTURE.md, "Module size"). The AssemblyScript version is
// pinned exactly, so the runtime code they rely on is fixed; the root scan is left as it is and
// the member scan fails the build when the compiled code is not of the shape expected.
//
// 1. filters/shared/allocator.ts is compiled as the runtime's allocator, ~lib/rt/tlsf. asc keeps
//    the standard library's sources in one table (`libraryFiles`) that it reads after making the
//    transforms, and the runtime must stay "minimal" for the compiler to emit what the collector
//    needs (a custom runtime path compiles as the incremental one), so replacing that one entry
//    is the way to swap the allocator alone.
// 2. The collector's root scan, __visit_globals, tests each global for null before it visits it
//    (12 bytes a global); the visit itself returns at once for null (rt/tcms.ts __visit), so the
//    scan is rewritten as one plain visit a global (5 bytes), in the same order.
// 3. The collector's member scan, __visit_members, is code per class: a visit of each reference
//    field (8 bytes a field, 60 and more a module). The field offsets go into a table instead, a
//    byte each, stored just above the static data (the heap starts after it), and one loop
//    visits them; what is not a plain field (the elements of arrays, maps, functions) is still
//    visited by the compiler's code, from which the field visits are taken out.
// 4. Every empty array literal (`[]`) gets a static buffer of its own, 16 bytes of header that
//    `__newArray` copies nothing from, each its own data segment (14-16 bytes of module). Empty
//    buffers of one class are the same, so the compiler is made to store one of each and point
//    every empty literal at it; a buffer of length 0 is never written (an array grows into a new
//    one), so sharing it changes nothing at run time.
import asc from "assemblyscript/asc";
import { Compiler } from "assemblyscript";
import binaryen from "binaryen";
import { NAME, printedFunctions, unquote } from "./printed-functions.mjs";
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

const VISIT_MEMBERS = "~lib/rt/__visit_members";
const HEAP_BASE = "~lib/memory/__heap_base";
const i32 = binaryen.i32;
const none = binaryen.none;

/** A printed class visitor (`<class>~visit`): its field offsets and the other calls it makes, or
 *  null when it does anything else. */
function classVisitor(text) {
  const lines = text.split("\n");
  if (!new RegExp(String.raw`^ \(func ${NAME} \(param \$0 i32\) \(param \$1 i32\)$`).test(lines[0]) || lines.at(-1) !== " )") return null;
  let body = lines.slice(1, -1).join("\n") + "\n";
  body = body.replace(/^  \(local \$2 i32\)\n/, "");
  const fields = [];
  const calls = [];
  const field = /^  \(call \$~lib\/rt\/tcms\/__visit\n   \(i32\.load(?: offset=(\d+))?\n    \(local\.get \$0\)\n   \)\n   \(local\.get \$1\)\n  \)\n/;
  const call = new RegExp(String.raw`^  \(call ${NAME}\n   \(local\.get \$0\)\n   \(local\.get \$1\)\n  \)\n`);
  while (body.length > 0) {
    let m;
    if ((m = field.exec(body)) !== null) fields.push(Number(m[1] ?? 0));
    else if ((m = call.exec(body)) !== null) calls.push(unquote(m[1]));
    else if ((m = /^  \(nop\)\n/.exec(body)) === null) return null;
    body = body.slice(m[0].length);
  }
  return { fields, calls };
}

/** Rewrites the member scan (3. above); null, or why the compiled code is not as expected. */
function tableMemberScan(module, text, functions) {
  const scan = functions.get(VISIT_MEMBERS);
  const heapBase = /\(global \$~lib\/memory\/__heap_base i32 \(i32\.const (\d+)\)\)/.exec(text);
  if (scan === undefined || heapBase === null) return "no member scan or heap base";
  const labels = /\(br_table ([^\n]*)/.exec(scan)?.[1].match(new RegExp(NAME, "g"))?.map((l) => unquote(l.slice(1)));
  if (labels === undefined || labels.at(-1) !== "invalid") return "no class dispatch";
  const classes = labels.slice(0, -1);
  // every class visitor, parsed
  const visitors = new Map();
  for (const [name, printed] of functions) {
    if (!name.endsWith("~visit")) continue;
    const visitor = classVisitor(printed);
    if (visitor === null) return `${name} does more than visit fields`;
    visitors.set(name, visitor);
  }
  /** @returns {{ fields: number[], calls: string[] }} what `name` visits, with its base classes'. */
  const flat = (name) => {
    const v = visitors.get(name);
    if (v === undefined) return { fields: [], calls: [name] };
    const parts = v.calls.map(flat);
    return { fields: [...parts.flatMap((p) => p.fields), ...v.fields], calls: parts.flatMap((p) => p.calls) };
  };
  const visits = (name) => visitors.has(name) && (flat(name).fields.length > 0 || flat(name).calls.length > 0);
  // the scan calls the visitor of each class that has anything to visit
  const scanned = [...scan.matchAll(new RegExp(String.raw`\(call ${NAME}`, "g"))].map((m) => unquote(m[1]));
  const expected = [...new Set(classes.map((c) => `${c}~visit`).filter(visits))];
  if (scanned.length !== expected.length || !expected.every((v) => scanned.includes(v))) return `it calls ${scanned.length} visitors, ${expected.length} expected: ${expected.filter((v) => !scanned.includes(v)).join(", ")} / ${scanned.filter((v) => !expected.includes(v)).join(", ")}`;
  // a visitor is called only by the scan and by other visitors (a class's by its subclasses')
  for (const name of visitors.keys()) {
    const calls = text.split(`(call $${name}\n`).length + text.split(`(call $"${name}"\n`).length - 2;
    const fromVisitors = [...visitors.values()].filter((v) => v.calls.includes(name)).length;
    if (calls !== fromVisitors + (scanned.includes(name) ? 1 : 0)) return `${name} is called elsewhere`;
  }
  const starts = [0];
  const offsets = [];
  for (const c of classes) {
    for (const offset of visitors.has(`${c}~visit`) ? flat(`${c}~visit`).fields : []) {
      if (offset % 4 !== 0 || offset >= 1024) return `a field at offset ${offset}`;
      offsets.push(offset / 4);
    }
    starts.push(offsets.length);
  }
  if (offsets.length > 0xffff) return `${offsets.length} fields`;
  // where each class's offsets start: a byte each, two when there are more than 255 offsets
  const wide = offsets.length > 0xff;
  // the table above the static data, the heap after it (its base stays 12 mod 16, as asc sets it)
  const base = Number(heapBase[1]);
  const table = Uint8Array.from([...(wide ? starts.flatMap((n) => [n & 0xff, n >> 8]) : starts), ...offsets]);
  const offsetsAt = base + (wide ? 2 : 1) * starts.length;
  const newBase = ((base + table.length + 4 + 15) & ~15) - 4;
  // the scan: the table's fields, then the other visits of the class (one case a distinct list)
  const cases = [];
  const caseOf = classes.map((c) => {
    const calls = visitors.has(`${c}~visit`) ? flat(`${c}~visit`).calls : [];
    if (calls.length === 0) return -1;
    const key = calls.join(" ");
    let k = cases.findIndex((other) => other.join(" ") === key);
    if (k < 0) k = cases.push(calls) - 1;
    return k;
  });
  const ptr = () => module.local.get(0, i32);
  const cookie = () => module.local.get(1, i32);
  const at = () => module.local.get(2, i32);
  const end = () => module.local.get(3, i32);
  const fieldVisit = module.call(VISIT, [
    module.i32.load(0, 4, module.i32.add(ptr(), module.i32.shl(module.i32.load8_u(offsetsAt, 1, at()), module.i32.const(2)))),
    cookie(),
  ], none);
  const fieldLoop = module.loop("field", module.if(module.i32.lt_u(at(), end()), module.block(null, [
    fieldVisit,
    module.local.set(2, module.i32.add(at(), module.i32.const(1))),
    module.br("field"),
  ], none)));
  let other = module.block("case0", [module.switch(caseOf.map((k) => (k < 0 ? "none" : `case${k}`)), "none", at())], none);
  cases.forEach((calls, k) => {
    other = module.block(k + 1 < cases.length ? `case${k + 1}` : "none", [
      other, ...calls.map((c) => module.call(c, [ptr(), cookie()], none)), module.return(),
    ], none);
  });
  /** Where the offsets of the class at local 4 (`next` 0) or of the next class (1) start. */
  const startOf = (next) => wide
    ? module.i32.load16_u(base + 2 * next, 1, module.i32.shl(module.local.get(4, i32), module.i32.const(1)))
    : module.i32.load8_u(base + next, 1, module.local.get(4, i32));
  if (cases.length === 0) other = module.block("none", [other], none);
  module.removeFunction(VISIT_MEMBERS);
  module.addFunction(VISIT_MEMBERS, binaryen.createType([i32, i32]), none, [i32, i32, i32], module.block(null, [
    module.local.set(4, module.i32.load(0, 4, module.i32.sub(ptr(), module.i32.const(8)))), // the class id
    module.if(module.i32.ge_u(module.local.get(4, i32), module.i32.const(classes.length)), module.unreachable()),
    module.local.set(2, startOf(0)),
    module.local.set(3, startOf(1)),
    fieldLoop,
    module.local.set(2, module.local.get(4, i32)),
    other,
  ], none));
  // the heap starts after the table
  module.removeGlobal(HEAP_BASE);
  module.addGlobal(HEAP_BASE, i32, false, module.i32.const(newBase));
  const memory = module.getMemoryInfo();
  const segments = [];
  for (let i = 0, n = module.getNumDataSegments(); i < n; i++) {
    const info = module.getDataSegmentInfo(module.getDataSegmentByIndex(i));
    segments.push({ name: info.name, data: new Uint8Array(info.data), offset: module.i32.const(info.offset), passive: info.passive });
  }
  segments.push({ name: "sluice/visit-table", data: table, offset: module.i32.const(base), passive: false });
  const initial = Math.max(memory.initial, Math.ceil(newBase / 65536));
  const name = text.match(/\(memory \$(\S+)/)?.[1] ?? "0";
  module.setMemory(initial, memory.max ?? -1, null, segments, memory.shared, memory.is64, name);
  return null;
}

const EMPTY_BUFFERS = Symbol("sluice empty static buffers");

/** 4. above: the compiler's addStaticBuffer, storing one empty buffer per class id. */
function shareEmptyBuffers() {
  const add = Compiler.prototype.addStaticBuffer;
  if (add[EMPTY_BUFFERS]) return;
  /** @this {any} @param {any} type @param {unknown[]} values @param {number} [classId] */
  const shared = function (type, values, classId) {
    if (values.length > 0) return add.apply(this, arguments);
    const id = classId ?? this.program.arrayBufferInstance.id;
    const buffers = (this[EMPTY_BUFFERS] ??= new Map());
    if (!buffers.has(id)) buffers.set(id, add.apply(this, arguments));
    return buffers.get(id);
  };
  shared[EMPTY_BUFFERS] = true;
  Compiler.prototype.addStaticBuffer = shared;
}

export default class RuntimeTransform {
  constructor() {
    asc.libraryFiles["rt/tlsf"] = ALLOCATOR;
    shareEmptyBuffers();
  }

  afterCompile(module) {
    const text = module.emitText();
    const functions = printedFunctions(text);
    const unexpected = tableMemberScan(module, text, functions);
    if (unexpected !== null) throw new Error(`runtime-transform: the collector's member scan is not as expected: ${unexpected}`);
    const rootScan = functions.get(VISIT_GLOBALS);
    if (rootScan === undefined) return;
    const globals = scannedGlobals(rootScan);
    if (globals === null || globals.length === 0) return;
    const visits = globals.map((name) =>
      module.call(VISIT, [module.global.get(name, binaryen.i32), module.local.get(0, binaryen.i32)], binaryen.none));
    module.removeFunction(VISIT_GLOBALS);
    module.addFunction(VISIT_GLOBALS, binaryen.i32, binaryen.none, [], module.block(null, visits, binaryen.none));
  }
}
