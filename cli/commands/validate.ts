import { existsSync, readFileSync } from "node:fs";
import { basename } from "node:path";
import { flag, parseArgs, str } from "../args.js";
import { checkChain } from "../chain-checks.js";
import { out, type Command } from "../command.js";
import { configJson, decodeUtf8, isSluiceConfig, loadConfig, parseText, readSource, toConfig, whereIn, type SluiceConfig, type SourceDocument } from "../config.js";
import { CliError } from "../errors.js";
import { JsonKind, JsonValue, lineColumn } from "../json-text.js";
import { FILTER_IDS, filterWasm, isFilterId, type FilterId } from "../paths.js";
import { offsetOfPath, parseConfig, schemaProblems, splitPath } from "../schema-check.js";
import { bundlePluginConfig, bundleWasm, BUNDLE_ID } from "../sluice-bundle.js";
import { wasmErrors } from "../wasm-check.js";

const HELP = `Usage: sluice validate <sluice.yaml | filter-config.json> [--filter <id>] [--bundle]

Checks every filter config twice: with the filters' own parser and walker over
filters/<id>/schema.json (confirmed by ajv), and by running proxy_on_configure of the real
build/<id>.wasm in host-sim. Every problem is printed once, where it is:
  <file>:<line>:<column>: <filter>: <path in the file>: <what is wrong>, got <value>

A sluice.yaml (a mapping with a "filters" list) checks each listed filter (--filter: only that one).
Any other file is one filter's config (JSON or YAML); --filter names the filter, otherwise the
file's path must contain a filter id (e.g. rate-limit.json).

--bundle: the chain as the bundle runs it (build/sluice.wasm, one module): after every filter's
checks, the bundle's own proxy_on_configure with the filters list (a sluice.yaml, or the bundle's
plugin configuration {"filters": [{"id", "config"}, ...]}).

Exit status: 0 valid, 1 a config problem, 2 a usage or file error.
`;

/** One filter config to check: its text as the filter receives it, and how to name places in it. */
export interface Target {
  id: FilterId;
  wasm: string;
  /** The config exactly as the filter gets it. */
  text: Uint8Array;
  /** The path of the config in the file ("" for a file that is the config). */
  prefix: string;
  /** `<file>:<line>:<column>` of byte `offset` of `text`. */
  where(offset: number): string;
  /** The text is ours (converted from YAML): the filters' JSON limits are reported by path. */
  converted: boolean;
}

/** The path of a config's path in the file. */
function fullPath(prefix: string, path: string): string {
  if (prefix === "") return path;
  if (path === "$") return prefix;
  return path.startsWith("[") ? prefix + path : `${prefix}.${path}`;
}

/** Every problem of one filter config, as printed: the walker's, then (`withFilter`) the filter's
 *  own (those the schema cannot see), each once. */
export async function problems(t: Target, withFilter = true): Promise<string[]> {
  const { problems: found, doc } = schemaProblems(t.id, t.text);
  const lines: string[] = [];
  const seen = new Set<string>();
  const add = (path: string, message: string, offset: number) => {
    const key = `${path}: ${message}`;
    if (seen.has(key)) return;
    seen.add(key);
    if (t.converted && doc === null) message = message.replace(/^invalid JSON at line \d+, column \d+: /, "");
    lines.push(`${t.where(offset)}: ${t.id}: ${fullPath(t.prefix, path)}: ${message}`);
  };
  for (const p of found) add(p.path, p.message, p.offset);
  if (t.converted && doc === null) return lines; // the filters' JSON limits, found in our own text
  if (!withFilter) return lines;
  for (const line of await wasmErrors(t.id, t.wasm, t.text)) {
    if (/^[a-z-]+: \$: \d+ more errors not shown$/.test(line)) continue; // the filter logs 20; we print every one
    const split = splitPath(line.startsWith(`${t.id}: `) ? line.slice(t.id.length + 2) : line);
    if (split === null) lines.push(`${t.where(0)}: ${line}`);
    else add(split.path, split.rest, offsetOfPath(doc, split.path));
  }
  return lines;
}

function guessFilter(file: string): FilterId {
  const hits = FILTER_IDS.filter((id) => file.includes(id));
  if (hits.length === 1) return hits[0]!;
  throw new CliError(`validate: cannot tell which filter ${file} configures: pass --filter <${FILTER_IDS.join("|")}>`);
}

function targets(file: string, only: string | undefined): Target[] {
  if (only !== undefined && !isFilterId(only)) throw new CliError(`validate: unknown filter "${only}" (known: ${FILTER_IDS.join(", ")})`);
  const onlyId = only as FilterId | undefined;
  if (file.endsWith(".json")) {
    let bytes: Uint8Array;
    try {
      bytes = readFileSync(file);
    } catch {
      readSource(file); // the one-line error for a missing or unreadable file
      throw new CliError(`${file}: cannot read`);
    }
    const doc = parseConfig(bytes);
    if (!(doc instanceof JsonValue) || doc.member("filters")?.kind !== JsonKind.Array) {
      // one filter's config: exactly these bytes, as Envoy would pass them
      const id = onlyId ?? guessFilter(file);
      const where = (offset: number) => {
        const { line, column } = lineColumn(bytes, offset);
        return `${file}:${line}:${column}`;
      };
      return [{ id, wasm: filterWasm(id), text: bytes, prefix: "", where, converted: false }];
    }
    return fromSluice(file, parseText(file, decodeUtf8(file, bytes)), onlyId);
  }
  const src = readSource(file);
  const plain = src.doc.toJS({ maxAliasCount: 100 });
  if (isSluiceConfig(plain)) return fromSluice(file, src, onlyId);
  const id = onlyId ?? guessFilter(file);
  const text = configJson(src, plain ?? {}, []);
  return [{ id, wasm: filterWasm(id), text: text.bytes, prefix: "", where: (o) => whereIn(src, text.sourceOffset(o)), converted: true }];
}

function fromSluice(file: string, src: SourceDocument, only: FilterId | undefined): Target[] {
  const config = toConfig(file, src);
  const list = config.filters.map((f, i) => ({ f, i })).filter(({ f }) => only === undefined || f.id === only);
  if (list.length === 0) throw new CliError(`validate: ${file} lists no filter "${only}"`);
  return list.map(({ f, i }) => ({
    id: f.id, wasm: f.wasm, text: f.configText, prefix: `filters[${i}].config`, where: f.where, converted: true,
  }));
}

/** Loads sluice.yaml for a command that runs or renders it (render, dev, replay --chain): the
 *  file's own problems and every filter config's, all at once and located as validate prints
 *  them (exit status 1). A filter whose module is not built is checked by its schema only. */
export async function loadCheckedConfig(file: string): Promise<SluiceConfig> {
  const config = loadConfig(file);
  const lines: string[] = [];
  for (const [i, f] of config.filters.entries()) {
    const target: Target = { id: f.id, wasm: f.wasm, text: f.configText, prefix: `filters[${i}].config`, where: f.where, converted: true };
    lines.push(...(await problems(target, existsSync(f.wasm))));
  }
  if (lines.length > 0) throw new CliError(lines.join("\n"), 1);
  return config;
}

export const validate: Command = {
  name: "validate",
  summary: "check filter configs with the filters' own checks and the real filter",
  help: HELP,
  async run(args) {
    const p = parseArgs("validate", args, { filter: { value: true }, bundle: {} });
    if (p.positionals.length !== 1) throw new CliError("validate: expected one file (see sluice validate --help)");
    const file = p.positionals[0]!;
    const list = targets(file, str(p, "filter"));
    const lines: string[] = [];
    for (const t of list) lines.push(...(await problems(t)));
    if (lines.length > 0) {
      await out(lines.map((l) => `${l}\n`).join(""));
      return 1;
    }
    // then every check sluice render makes on a sluice.yaml (cli/chain-checks.ts; a problem exits 1)
    const src = readSource(file);
    const isChain = isSluiceConfig(src.doc.toJS({ maxAliasCount: 100 }));
    if (isChain) checkChain(toConfig(file, src));
    if (flag(p, "bundle")) {
      if (!isChain || str(p, "filter") !== undefined) throw new CliError("validate: --bundle checks a whole chain (a sluice.yaml or the bundle's filters list), without --filter");
      const bundleLines = await wasmErrors(BUNDLE_ID, bundleWasm(), bundlePluginConfig(toConfig(file, src)));
      if (bundleLines.length > 0) {
        await out(bundleLines.map((l) => `${file}: ${l}\n`).join(""));
        return 1;
      }
    }
    await out(`${basename(file)}: ok (${list.map((t) => t.id).join(", ")}${flag(p, "bundle") ? "; as one module: sluice" : ""})\n`);
    return 0;
  },
};
