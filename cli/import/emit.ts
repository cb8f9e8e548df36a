// Writing an import: a sluice.yaml with one filter entry (or that entry added to an existing
// sluice.yaml), a comment before every rule, checked as `sluice validate` checks it before it is
// written anywhere.
import { existsSync } from "node:fs";
import { Document, isMap, isSeq, parseDocument, type Node, type ScalarTag } from "yaml";
import { parseText, readText, toConfig } from "../config.js";
import { CliError } from "../errors.js";
import { FILTER_IDS, type FilterId } from "../paths.js";
import { problems } from "../commands/validate.js";

/** A number written exactly as `text` (a threshold whose digits matter). */
export class ExactNumber {
  constructor(readonly text: string) {}
}

const exactNumberTag: ScalarTag = {
  tag: "tag:yaml.org,2002:float",
  default: true,
  identify: (v) => v instanceof ExactNumber,
  resolve: (s) => Number(s),
  stringify: (item) => (item.value as ExactNumber).text,
};

/** What an importer produces: one filter's config, with comments for the objects in it. */
export interface Imported {
  filter: FilterId;
  config: Record<string, unknown>;
  /** Comment lines written before an object of `config` (a rule, a circuit, a policy). */
  comments: Map<object, string[]>;
  /** Comment lines before the filter entry: what applies to every rule. */
  header: string[];
  /** sluice.yaml's namespace and selector (an Istio policy's), service (a VirtualService's host). */
  top?: { namespace?: string; selector?: Record<string, string>; service?: string };
  /** "2 circuits", for the summary line. */
  summary: string;
}

const COMMENT_WIDTH = 110;

/** Comment lines wrapped at word boundaries; continuation lines are indented by two spaces. */
function wrap(line: string): string[] {
  const out: string[] = [];
  let rest = line;
  let indent = "";
  while (indent.length + rest.length > COMMENT_WIDTH) {
    const cut = rest.lastIndexOf(" ", COMMENT_WIDTH - indent.length);
    if (cut <= 0) break;
    out.push(indent + rest.slice(0, cut));
    rest = rest.slice(cut + 1);
    indent = "  ";
  }
  out.push(indent + rest);
  return out;
}

function commentText(lines: string[]): string {
  return lines.flatMap((l) => l.split("\n")).flatMap(wrap).map((l) => ` ${l}`).join("\n");
}

/** Puts the comments of `imported.comments` on the nodes made from those objects. */
function attachComments(node: unknown, value: unknown, comments: Map<object, string[]>): void {
  if (value === null || typeof value !== "object" || value instanceof ExactNumber) return;
  const lines = comments.get(value);
  if (lines && lines.length > 0 && node && typeof node === "object") (node as Node).commentBefore = commentText(lines);
  if (Array.isArray(value) && isSeq(node)) value.forEach((v, i) => attachComments(node.items[i], v, comments));
  else if (isMap(node)) {
    for (const pair of node.items) {
      const key = String((pair.key as { value?: unknown }).value);
      attachComments(pair.value, (value as Record<string, unknown>)[key], comments);
    }
  }
}

/** The new filter entry as a node of `doc`. */
function entryNode(doc: Document, imported: Imported): Node {
  const node = doc.createNode({ id: imported.filter, config: imported.config }, { aliasDuplicateObjects: false }) as Node;
  attachComments((node as unknown as { get(k: string, keep: true): Node }).get("config", true), imported.config, imported.comments);
  if (imported.header.length > 0) node.commentBefore = commentText(imported.header);
  return node;
}

/** A fresh sluice.yaml holding the import. */
function freshFile(imported: Imported, title: string): string {
  const doc = new Document({}, { customTags: [exactNumberTag] });
  const top: Record<string, unknown> = {};
  if (imported.top?.namespace !== undefined) top.namespace = imported.top.namespace;
  if (imported.top?.selector !== undefined) top.selector = imported.top.selector;
  if (imported.top?.service !== undefined) top.service = imported.top.service;
  doc.contents = doc.createNode({ ...top, filters: [] }) as typeof doc.contents;
  (doc.get("filters", true) as unknown as { items: Node[] }).items.push(entryNode(doc, imported));
  doc.commentBefore = commentText([title]);
  return doc.toString({ lineWidth: 0 });
}

/** `existing` (a sluice.yaml's text) with the import added in chain order, its comments kept. */
function mergedFile(file: string, imported: Imported): string {
  const text = readText(file);
  parseText(file, text); // one located line per YAML problem
  const doc = parseDocument(text, { customTags: [exactNumberTag] });
  const filters = doc.get("filters", true);
  if (!isMap(doc.contents) || !isSeq(filters)) throw new CliError(`${file}: not a sluice.yaml (no "filters" list): import into a new file`);
  const ids = filters.items.map((f) => (isMap(f) ? String(f.get("id")) : ""));
  if (ids.includes(imported.filter)) {
    throw new CliError(`${file}: already configures ${imported.filter}: import into another file, or remove that entry first`);
  }
  for (const [key, value] of Object.entries(imported.top ?? {})) {
    const current = doc.get(key);
    const have = current === undefined ? undefined : JSON.stringify((doc.get(key, true) as Node).toJSON());
    if (have === undefined) (doc.contents as unknown as { items: unknown[] }).items.unshift(doc.createPair(key, value));
    else if (have !== JSON.stringify(value)) throw new CliError(`${file}: ${key} is ${have}, the imported policies need ${JSON.stringify(value)}: import into another file`);
  }
  // chain order as in examples/sluice.yaml: before the first listed filter that comes later
  const rank = (id: string) => FILTER_IDS.indexOf(id as FilterId);
  const later = ids.findIndex((id) => rank(id) > rank(imported.filter));
  filters.items.splice(later < 0 ? filters.items.length : later, 0, entryNode(doc, imported));
  return doc.toString({ lineWidth: 0 });
}

/** The sluice.yaml text to write: `output`'s content with the import added when it exists,
 *  otherwise a new file. */
export function importedFile(imported: Imported, title: string, output: string | undefined): string {
  if (output !== undefined && existsSync(output)) return mergedFile(output, imported);
  return freshFile(imported, title);
}

/** Every problem `sluice validate` would print for `text` as the file `file` (its own and every
 *  filter's, the real filter in host-sim included). */
export async function validationProblems(file: string, text: string): Promise<string[]> {
  let config;
  try {
    config = toConfig(file, parseText(file, text));
  } catch (e) {
    if (e instanceof CliError) return e.message.split("\n");
    throw e;
  }
  const lines: string[] = [];
  for (const [i, f] of config.filters.entries()) {
    lines.push(...(await problems({ id: f.id, wasm: f.wasm, text: f.configText, prefix: `filters[${i}].config`, where: f.where, converted: true })));
  }
  return lines;
}
