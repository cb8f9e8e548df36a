import { readFileSync } from "node:fs";
import { basename } from "node:path";
import { parseArgs, str } from "../args.js";
import { checkChain } from "../chain-checks.js";
import { out, type Command } from "../command.js";
import { isSluiceConfig, readDocument, toConfig } from "../config.js";
import { CliError } from "../errors.js";
import { FILTER_IDS, filterWasm, isFilterId, type FilterId } from "../paths.js";
import { schemaError } from "../schema-check.js";
import { wasmErrors } from "../wasm-check.js";

const HELP = `Usage: sluice validate <sluice.yaml | filter-config.json> [--filter <id>]

Checks every filter config twice: against filters/<id>/schema.json (ajv) and by running
proxy_on_configure of the real build/<id>.wasm in host-sim. Each problem is printed once as
  <filter>: <json.path>: <what is wrong>, got <value>

A sluice.yaml (a mapping with a "filters" list) checks each listed filter (--filter: only that one).
Any other file is one filter's config (JSON or YAML); --filter names the filter, otherwise the
file's path must contain a filter id (e.g. rate-limit.json).

Exit status: 0 valid, 1 a config problem, 2 a usage or file error.
`;

interface Target {
  id: FilterId;
  wasm: string;
  /** Parsed config, or raw text when the file is not valid JSON (only the filter checks it). */
  config: unknown;
  raw: boolean;
}

/** Problems of one filter config: the schema's, then the filter's, identical lines once. */
export async function problems(t: Target): Promise<string[]> {
  const lines: string[] = [];
  if (!t.raw) {
    const s = schemaError(t.id, t.config);
    if (s) lines.push(s);
  }
  for (const line of await wasmErrors(t.id, t.wasm, t.config)) if (!lines.includes(line)) lines.push(line);
  return lines;
}

function guessFilter(file: string): FilterId {
  const hits = FILTER_IDS.filter((id) => file.includes(id));
  if (hits.length === 1) return hits[0]!;
  throw new CliError(`validate: cannot tell which filter ${file} configures: pass --filter <${FILTER_IDS.join("|")}>`);
}

function targets(file: string, only: string | undefined): Target[] {
  if (only !== undefined && !isFilterId(only)) throw new CliError(`validate: unknown filter "${only}" (known: ${FILTER_IDS.join(", ")})`);
  if (file.endsWith(".json")) {
    let text: string;
    try {
      text = readFileSync(file, "utf8");
    } catch {
      readDocument(file); // the one-line error for a missing or unreadable file
      throw new CliError(`${file}: cannot read`);
    }
    let doc: unknown;
    try {
      doc = JSON.parse(text);
    } catch {
      const id = (only as FilterId | undefined) ?? guessFilter(file);
      return [{ id, wasm: filterWasm(id), config: text, raw: true }];
    }
    if (!isSluiceConfig(doc)) {
      const id = (only as FilterId | undefined) ?? guessFilter(file);
      return [{ id, wasm: filterWasm(id), config: doc, raw: false }];
    }
    return fromSluice(file, doc, only);
  }
  const doc = readDocument(file);
  if (isSluiceConfig(doc)) return fromSluice(file, doc, only);
  const id = (only as FilterId | undefined) ?? guessFilter(file);
  return [{ id, wasm: filterWasm(id), config: doc ?? {}, raw: false }];
}

function fromSluice(file: string, doc: unknown, only: string | undefined): Target[] {
  const config = toConfig(file, doc);
  const list = config.filters.filter((f) => only === undefined || f.id === only);
  if (list.length === 0) throw new CliError(`validate: ${file} lists no filter "${only}"`);
  return list.map((f) => ({ id: f.id, wasm: f.wasm, config: f.config, raw: false }));
}

export const validate: Command = {
  name: "validate",
  summary: "check filter configs against the schema and the real filter",
  help: HELP,
  async run(args) {
    const p = parseArgs("validate", args, { filter: { value: true } });
    if (p.positionals.length !== 1) throw new CliError("validate: expected one file (see sluice validate --help)");
    const file = p.positionals[0]!;
    const list = targets(file, str(p, "filter"));
    const lines: string[] = [];
    for (const t of list) for (const line of await problems(t)) if (!lines.includes(line)) lines.push(line);
    if (lines.length > 0) {
      await out(lines.map((l) => `${l}\n`).join(""));
      return 1;
    }
    // then every check sluice render makes on a sluice.yaml (cli/chain-checks.ts; a problem exits 1)
    const doc = readDocument(file);
    if (isSluiceConfig(doc)) checkChain(toConfig(file, doc));
    await out(`${basename(file)}: ok (${list.map((t) => t.id).join(", ")})\n`);
    return 0;
  },
};
