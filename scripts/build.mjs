// npm run build: regenerates the config validation tables (scripts/config-table.mjs, from each
// schema.json), compiles every AssemblyScript entry through the asconfig.json targets, then runs
// the import check (scripts/check-imports.ts) on the shipped modules. Skips the work when no AS input changed since the
// last build (hash of all inputs in build/.inputs-hash); `--force` rebuilds everything and
// `--only <text>` compiles just the modules whose entry or output path contains <text>.
// Plain JavaScript on purpose: the compiler loads in under a second in plain Node.
import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { basename, join, relative } from "node:path";
import AbortFileNamesTransform from "./abort-file-names.mjs";
import RuntimeTransform from "./runtime-transform.mjs";
import { NAME, printedFunctions, unquote } from "./printed-functions.mjs";
import LiteralTableTransform from "./literal-table.mjs";
import { writeTables } from "./config-table.mjs";

const ROOT = join(import.meta.dirname, "..");
const BUILD = join(ROOT, "build");

/** @typedef {{ entry: string, out: string, target: "release" | "debug", extra?: string[] }} Job */

/** @param {string} dir @param {(file: string) => boolean} keep */
function filesUnder(dir, keep) {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { recursive: true, encoding: "utf8" })
    .map((f) => join(dir, f))
    .filter((f) => statSync(f).isFile() && keep(f))
    .sort();
}

/** Filter ids: the folders of filters/ (except shared) that have an index.ts. */
export function filterIds() {
  return readdirSync(join(ROOT, "filters"))
    .filter((id) => id !== "shared" && existsSync(join(ROOT, "filters", id, "index.ts")))
    .sort();
}

/** The bundle's entry: the shared code's bundle-only parts are compiled in by a constant. */
const BUNDLE_ENTRY = "filters/sluice/index.ts";

/** asc options an entry needs beyond asconfig.json (the bundle's SLUICE_BUNDLE constant).
 *  @param {string} entry @returns {string[]} */
export function entryOptions(entry) {
  return entry === BUNDLE_ENTRY ? ["--use", "SLUICE_BUNDLE=1"] : [];
}

/** @returns {Job[]} */
function jobs() {
  /** @type {Job[]} */
  const list = [];
  for (const id of filterIds()) {
    const entry = `filters/${id}/index.ts`;
    list.push({ entry, out: `build/${id}.wasm`, target: "release", extra: entryOptions(entry) });
    list.push({ entry, out: `build/${id}.debug.wasm`, target: "debug", extra: entryOptions(entry) });
  }
  list.push({ entry: "bench/noop.ts", out: "build/noop.wasm", target: "release" });
  for (const f of filesUnder(join(ROOT, "host-sim/test/fixtures"), (f) => f.endsWith(".ts"))) {
    list.push({ entry: relative(ROOT, f), out: `build/fixtures/${basename(f, ".ts")}.wasm`, target: "release" });
  }
  for (const id of filterIds()) {
    for (const f of filesUnder(join(ROOT, "filters", id, "test"), (f) => f.endsWith(".entry.ts"))) {
      list.push({ entry: relative(ROOT, f), out: `build/test/${id}/${basename(f, ".entry.ts")}.wasm`, target: "release", extra: ["--bindings", "raw"] });
    }
  }
  for (const f of filesUnder(join(ROOT, "filters/shared/test"), (f) => f.endsWith(".fixture.ts"))) {
    list.push({ entry: relative(ROOT, f), out: `build/shared-test/${basename(f, ".fixture.ts")}.wasm`, target: "release" });
  }
  for (const f of filesUnder(join(ROOT, "filters/shared/test"), (f) => f.endsWith(".entry.ts"))) {
    const name = basename(f, ".entry.ts");
    list.push({ entry: relative(ROOT, f), out: `build/shared-test/${name}.wasm`, target: "release", extra: ["--bindings", "raw"] });
  }
  return list;
}

function inputsHash() {
  const hash = createHash("sha256");
  const sources = [
    ...filesUnder(join(ROOT, "filters"), (f) => f.endsWith(".ts") && !f.endsWith(".test.ts")),
    ...filesUnder(join(ROOT, "host-sim/test/fixtures"), (f) => f.endsWith(".ts")),
    join(ROOT, "bench/noop.ts"),
    join(ROOT, "asconfig.json"),
    join(ROOT, "package-lock.json"),
    join(ROOT, "scripts/build.mjs"),
    join(ROOT, "scripts/literal-table.mjs"),
    join(ROOT, "scripts/runtime-transform.mjs"),
    join(ROOT, "scripts/abort-file-names.mjs"),
    join(ROOT, "scripts/printed-functions.mjs"),
  ];
  for (const f of sources) hash.update(relative(ROOT, f)).update("\0").update(readFileSync(f)).update("\0");
  return hash.digest("hex");
}

/** The transforms every module is compiled with (a plain `asc` run without them also works, larger).
 *  asc takes transform classes here, though its types declare instances. @type {any[]} */
export const TRANSFORMS = [RuntimeTransform, LiteralTableTransform, AbortFileNamesTransform];

/** Entries whose request code is inlined too, as measured by `npm run bench`: every scenario of
 *  these filters then runs fewer guest instructions (rate-limit 120-445 fewer a request,
 *  traffic-colour 2-121); circuit-breaker's and spiffe-rbac's get up to 27 and 65 more, so theirs
 *  (and the others') is left as asc compiled it. */
const INLINE_REQUEST_CODE = new Set(["filters/rate-limit/index.ts", "filters/traffic-colour/index.ts"]);

/** Exports that run only when a plugin starts or is configured, never for a request. */
const CONFIGURE_EXPORTS = new Set(["_start", "proxy_on_configure"]);

/** The functions of `text` (a module as binaryen prints it) that a request can run: all but those
 *  reachable only from CONFIGURE_EXPORTS and the start function. Functions in the table (called
 *  indirectly) count as reachable from a request. */
function requestFunctions(text) {
  const callees = new Map();
  for (const [f, printed] of printedFunctions(text)) {
    callees.set(f, [...printed.matchAll(new RegExp(String.raw`\((?:call|return_call|ref\.func) ${NAME}`, "g"))].map((c) => unquote(c[1])));
  }
  const roots = [];
  for (const m of text.matchAll(new RegExp(String.raw`\(export "([^"]+)" \(func ${NAME}\)\)`, "g"))) {
    if (!CONFIGURE_EXPORTS.has(m[1])) roots.push(unquote(m[2]));
  }
  for (const m of text.matchAll(/\(elem [^\n]*/g)) roots.push(...[...m[0].matchAll(new RegExp(NAME, "g"))].map((r) => unquote(r[1])));
  const reached = new Set();
  while (roots.length > 0) {
    const f = roots.pop();
    if (reached.has(f) || !callees.has(f)) continue;
    reached.add(f);
    roots.push(...callees.get(f));
  }
  return reached;
}

/** @param {Uint8Array} bytes @param {number} at @returns {[number, number]} an unsigned LEB128 and where it ends */
function readLeb(bytes, at) {
  let value = 0;
  let shift = 0;
  let byte;
  do {
    byte = bytes[at++];
    value += (byte & 0x7f) * 2 ** shift;
    shift += 7;
  } while (byte & 0x80);
  return [value, at];
}

/** @param {number} value @returns {number[]} */
function leb(value) {
  const out = [];
  do {
    let byte = value & 0x7f;
    value = Math.floor(value / 128);
    if (value > 0) byte |= 0x80;
    out.push(byte);
  } while (value > 0);
  return out;
}

/** @param {Uint8Array} bytes @param {number} at @returns {number} where the signed LEB128 at `at` ends */
function skipLeb(bytes, at) {
  while (bytes[at] & 0x80) at++;
  return at + 1;
}

/** The instructions of a function body from `at` to `end`, as [opcode start, local index or -1,
 *  index start, index end] (asc's instruction set: MVP, sign extension, saturating conversions,
 *  bulk memory). @param {Uint8Array} bytes @param {number} at @param {number} end */
function instructions(bytes, at, end) {
  const list = [];
  while (at < end) {
    const start = at;
    const op = bytes[at++];
    let local = -1;
    let indexAt = 0;
    if (op >= 0x20 && op <= 0x22) { // local.get, local.set, local.tee
      indexAt = at;
      [local, at] = readLeb(bytes, at);
    } else if (op >= 0x02 && op <= 0x04) { // block, loop, if: a block type
      at = bytes[at] === 0x40 || bytes[at] >= 0x6f ? at + 1 : skipLeb(bytes, at);
    } else if (op === 0x0c || op === 0x0d || op === 0x10 || (op >= 0x23 && op <= 0x26) || op === 0xd2 || op === 0x41 || op === 0x42) {
      at = skipLeb(bytes, at);
    } else if (op === 0x0e) { // br_table
      let [n, p] = readLeb(bytes, at);
      for (; n >= 0; n--) p = skipLeb(bytes, p);
      at = p;
    } else if (op === 0x11) { // call_indirect
      at = skipLeb(bytes, skipLeb(bytes, at));
    } else if (op === 0x1c) { // select with types
      let [n, p] = readLeb(bytes, at);
      at = p + n;
    } else if (op >= 0x28 && op <= 0x3e) { // loads and stores: alignment, offset
      at = skipLeb(bytes, skipLeb(bytes, at));
    } else if (op === 0x3f || op === 0x40 || op === 0xd0) {
      at++;
    } else if (op === 0x43) {
      at += 4;
    } else if (op === 0x44) {
      at += 8;
    } else if (op === 0xfc) {
      let sub;
      [sub, at] = readLeb(bytes, at);
      if (sub === 8) at = skipLeb(bytes, at) + 1; // memory.init
      else if (sub === 10) at += 2; // memory.copy
      else if (sub === 11) at += 1; // memory.fill
      else if (sub === 9 || sub === 13 || (sub >= 15 && sub <= 17)) at = skipLeb(bytes, at);
      else if (sub === 12 || sub === 14) at = skipLeb(bytes, skipLeb(bytes, at));
      else if (sub > 7) throw new Error(`build: instruction 0xfc ${sub} not known`);
    } else if (op >= 0xfd) {
      throw new Error(`build: instruction 0x${op.toString(16)} not known`);
    }
    list.push([start, local, indexAt, at]);
  }
  return list;
}

/** `bytes` with the locals no instruction names left out of every function (the others
 *  renumbered). Binaryen's reading and writing of a module declares such locals (scratch locals
 *  it needed on the way) in many functions, and V8 initializes every local on each call; asc
 *  leaves a few too. Local names (debug builds) are left out of the name section with them.
 *  @param {Uint8Array} bytes */
function dropUnusedLocals(bytes) {
  // the parameter count of each type, and the type of each function the module defines
  const paramsOfType = [];
  const typeOfFunction = [];
  const out = [...bytes.subarray(0, 8)];
  let at = 8;
  while (at < bytes.length) {
    const id = bytes[at];
    const [size, start] = readLeb(bytes, at + 1);
    const end = start + size;
    let section = [...bytes.subarray(start, end)];
    if (id === 1) {
      let [n, p] = readLeb(bytes, start);
      for (; n > 0; n--) {
        const [params, q] = readLeb(bytes, p + 1); // 0x60, params, results
        const [results, r] = readLeb(bytes, q + params);
        paramsOfType.push(params);
        p = r + results;
      }
    } else if (id === 3) {
      let [n, p] = readLeb(bytes, start);
      for (; n > 0; n--) {
        let type;
        [type, p] = readLeb(bytes, p);
        typeOfFunction.push(type);
      }
    } else if (id === 10) {
      const [count, first] = readLeb(bytes, start);
      section = leb(count);
      let p = first;
      for (let f = 0; f < count; f++) {
        const [bodySize, bodyStart] = readLeb(bytes, p);
        const bodyEnd = bodyStart + bodySize;
        let [groups, q] = readLeb(bytes, bodyStart);
        const types = [];
        for (let g = 0; g < groups; g++) {
          const [n, r] = readLeb(bytes, q);
          for (let k = 0; k < n; k++) types.push(bytes[r]);
          q = r + 1;
        }
        const params = paramsOfType[typeOfFunction[f]];
        const code = instructions(bytes, q, bodyEnd);
        const used = new Set(code.filter(([, local]) => local >= 0).map(([, local]) => local));
        // new index of each local (params keep theirs)
        const renumbered = [];
        const kept = [];
        types.forEach((type, k) => {
          if (used.has(params + k)) { renumbered[params + k] = params + kept.length; kept.push(type); }
        });
        const decls = [];
        for (const type of kept) {
          if (decls.length > 0 && decls[decls.length - 1][1] === type) decls[decls.length - 1][0]++;
          else decls.push([1, type]);
        }
        const body = [...leb(decls.length), ...decls.flatMap(([n, type]) => [...leb(n), type])];
        let copied = q;
        for (const [, local, indexAt, next] of code) {
          if (local < params) continue;
          body.push(...bytes.subarray(copied, indexAt), ...leb(renumbered[local]));
          copied = next;
        }
        body.push(...bytes.subarray(copied, bodyEnd));
        section.push(...leb(body.length), ...body);
        p = bodyEnd;
      }
    } else if (id === 0) {
      const [nameLength, nameAt] = readLeb(bytes, start);
      if (new TextDecoder().decode(bytes.subarray(nameAt, nameAt + nameLength)) === "name") {
        // the subsections but local names (2)
        section = [...bytes.subarray(start, nameAt + nameLength)];
        let p = nameAt + nameLength;
        while (p < end) {
          const [subSize, subStart] = readLeb(bytes, p + 1);
          if (bytes[p] !== 2) section.push(...bytes.subarray(p, subStart + subSize));
          p = subStart + subSize;
        }
      }
    }
    out.push(id, ...leb(section.length), ...section);
    at = end;
  }
  return Uint8Array.from(out);
}

/** The release target's last step, after asc: Binaryen's inlining once more, with no size limit
 *  for a function called from one place (asc's optimizer stops at 80 bytes at shrinkLevel 2),
 *  0.1-0.4 KB a module (ARCHITECTURE.md, "Module size"). Unless `entry` is in
 *  INLINE_REQUEST_CODE, every function a request can run is marked not to be inlined, so request
 *  paths keep their code and their instruction counts. `names` keeps the name section (the
 *  bench's named twin of a release module, bench/allocations.ts).
 *  @param {string} file @param {string} entry @param {boolean} [names] */
export async function inlineOnceCalled(file, entry, names = false) {
  const binaryen = (await import("binaryen")).default;
  const module = binaryen.readBinary(readFileSync(file));
  try {
    module.setFeatures(binaryen.Features.All); // what asc emits (bulk memory, sign extension, ...)
    // asc's settings at optimizeLevel 3, shrinkLevel 2 (its Module#optimize)
    binaryen.setOptimizeLevel(3);
    binaryen.setShrinkLevel(2);
    binaryen.setDebugInfo(names);
    binaryen.setLowMemoryUnused(true);
    binaryen.setFastMath(true);
    binaryen.setZeroFilledMemory(false);
    binaryen.setGenerateStackIR(true);
    binaryen.setOptimizeStackIR(true);
    binaryen.setAlwaysInlineMaxSize(2);
    binaryen.setFlexibleInlineMaxSize(65);
    binaryen.setAllowInliningFunctionsWithLoops(false);
    binaryen.setOneCallerInlineMaxSize(-1);
    for (const f of INLINE_REQUEST_CODE.has(entry) ? [] : requestFunctions(module.emitText())) {
      binaryen.setPassArgument("no-inline", f);
      module.runPasses(["no-inline"]);
    }
    binaryen.clearPassArguments();
    // then one copy of functions that came out the same (calls to the others redirected to it)
    module.runPasses(["inlining-optimizing", "duplicate-function-elimination"]);
    writeFileSync(file, dropUnusedLocals(module.emitBinary()));
  } finally {
    module.dispose();
    binaryen.setDebugInfo(false);
  }
}

/** @param {any} asc @param {Job} job */
async function compile(asc, job) {
  mkdirSync(join(ROOT, job.out, ".."), { recursive: true });
  const argv = [job.entry, "--config", "asconfig.json", "--target", job.target, "--outFile", job.out, ...(job.extra ?? [])];
  const { error, stderr } = await asc.main(argv, { stdout: process.stdout, stderr: process.stderr, transforms: TRANSFORMS });
  if (error) throw new Error(`asc ${argv.join(" ")} failed: ${error.message}\n${stderr.toString()}`);
  if (job.target === "release") await inlineOnceCalled(job.out, job.entry);
}

async function main() {
  process.chdir(ROOT);
  const written = writeTables();
  if (written.length > 0) console.log(`build: regenerated ${written.map((f) => relative(ROOT, f)).join(", ")}`);
  const onlyAt = process.argv.indexOf("--only");
  if (onlyAt > 0) {
    const only = process.argv[onlyAt + 1] ?? "";
    const asc = (await import("assemblyscript/asc")).default;
    const chosen = jobs().filter((j) => j.entry.includes(only) || j.out.includes(only));
    for (const job of chosen) await compile(asc, job);
    console.log(`build: ${chosen.length} modules matching "${only}" compiled`);
    return;
  }
  const list = jobs();
  const hash = inputsHash();
  const stamp = join(BUILD, ".inputs-hash");
  const upToDate = !process.argv.includes("--force") && existsSync(stamp) &&
    readFileSync(stamp, "utf8") === hash && list.every((j) => existsSync(j.out));
  if (upToDate) {
    console.log("build: up to date");
  } else {
    const asc = (await import("assemblyscript/asc")).default;
    for (const job of list) await compile(asc, job);
    writeFileSync(stamp, hash);
    console.log(`build: ${list.length} modules compiled`);
  }
  const shipped = list.filter((j) => /^build\/[^/]+\.wasm$/.test(j.out)).map((j) => j.out);
  // The check reuses host-sim's loader rules (TypeScript), so it runs as its own process.
  const check = spawnSync(process.execPath, ["--import", "tsx", "scripts/check-imports.ts", ...shipped], { stdio: "inherit" });
  if (check.status !== 0) process.exit(1);
}

if (process.argv[1] === import.meta.filename) await main();
