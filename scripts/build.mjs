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
  ];
  for (const f of sources) hash.update(relative(ROOT, f)).update("\0").update(readFileSync(f)).update("\0");
  return hash.digest("hex");
}

/** The transforms every module is compiled with (a plain `asc` run without them also works, larger).
 *  asc takes transform classes here, though its types declare instances. @type {any[]} */
export const TRANSFORMS = [RuntimeTransform, LiteralTableTransform, AbortFileNamesTransform];

/** The release target's last step, after asc: Binaryen's inlining once more, with no size limit
 *  for a function called from one place (asc's optimizer stops at 80 bytes at shrinkLevel 2). A
 *  function inlined into its only caller costs no call on any path and saves its header and
 *  locals (0.2–0.9 KB a module, ARCHITECTURE.md "Module size"). `names` keeps the name section
 *  (the bench's named twin of a release module, bench/allocations.ts).
 *  @param {string} file @param {boolean} [names] */
export async function inlineOnceCalled(file, names = false) {
  const binaryen = (await import("binaryen")).default;
  const module = binaryen.readBinary(readFileSync(file));
  try {
    module.setFeatures(binaryen.Features.All); // what asc emits (bulk memory, sign extension, ...)
    binaryen.setOptimizeLevel(3);
    binaryen.setShrinkLevel(2);
    binaryen.setDebugInfo(names);
    // asc's inlining limits at shrinkLevel 2, but for functions called once
    binaryen.setAlwaysInlineMaxSize(2);
    binaryen.setFlexibleInlineMaxSize(65);
    binaryen.setOneCallerInlineMaxSize(-1);
    binaryen.setAllowInliningFunctionsWithLoops(false);
    module.runPasses(["inlining-optimizing"]);
    writeFileSync(file, module.emitBinary());
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
  if (job.target === "release") await inlineOnceCalled(job.out);
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
