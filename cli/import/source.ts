// Reading another tool's config: YAML or JSON (one or many documents), every value with its line,
// so that what cannot be imported is reported as `file:line: what, why`.
import { basename } from "node:path";
import { isMap, isScalar, isSeq, LineCounter, parseAllDocuments, type Document, type Node } from "yaml";
import { CliError } from "../errors.js";
import { readText } from "../config.js";

export interface SourceFile {
  /** The path as given on the command line. */
  path: string;
  /** The file name (what comments in the output name). */
  name: string;
  lines: LineCounter;
}

/** One value of a source document, with where it is. */
export class Value {
  constructor(
    readonly file: SourceFile,
    readonly node: Node | null,
    /** Where the value is when the node has no position (a missing key: its parent). */
    private readonly fallback: number,
  ) {}

  get line(): number {
    const offset = this.node?.range?.[0] ?? this.fallback;
    return this.file.lines.linePos(offset).line;
  }

  /** `file:line`. */
  get at(): string {
    return `${this.file.name}:${this.line}`;
  }

  get isMap(): boolean {
    return isMap(this.node);
  }

  get isList(): boolean {
    return isSeq(this.node);
  }

  /** The plain value (mappings and lists as objects and arrays). */
  get js(): unknown {
    return this.node === null ? undefined : (this.node as Node).toJSON();
  }

  /** The value of key `key` of a mapping, or undefined. */
  get(key: string): Value | undefined {
    if (!isMap(this.node)) return undefined;
    const pair = this.node.items.find((p) => isScalar(p.key) && String(p.key.value) === key);
    if (!pair) return undefined;
    return new Value(this.file, (pair.value as Node | null) ?? null, (pair.key as Node).range?.[0] ?? this.start);
  }

  /** The keys of a mapping, each with the line of the key. */
  keys(): { key: string; at: Value }[] {
    if (!isMap(this.node)) return [];
    return this.node.items.map((p) => ({
      key: isScalar(p.key) ? String(p.key.value) : String(p.key),
      at: new Value(this.file, p.key as Node, this.start),
    }));
  }

  /** The items of a list. */
  items(): Value[] {
    if (!isSeq(this.node)) return [];
    return this.node.items.map((item) => new Value(this.file, item as Node, this.start));
  }

  private get start(): number {
    return this.node?.range?.[0] ?? this.fallback;
  }

  /** A string scalar, or undefined. */
  str(): string | undefined {
    return isScalar(this.node) && typeof this.node.value === "string" ? this.node.value : undefined;
  }

  /** A number scalar (also a numeric string, as protobuf JSON writes 64-bit integers), or undefined. */
  num(): number | undefined {
    if (!isScalar(this.node)) return undefined;
    const v = this.node.value;
    if (typeof v === "number") return v;
    if (typeof v === "string" && /^-?\d+(\.\d+)?$/.test(v)) return Number(v);
    return undefined;
  }

  bool(): boolean | undefined {
    return isScalar(this.node) && typeof this.node.value === "boolean" ? this.node.value : undefined;
  }

  /** The value as the source wrote it, for messages: scalars as text, mappings and lists as {...}/[...]. */
  get shown(): string {
    if (isMap(this.node)) return "{...}";
    if (isSeq(this.node)) return "[...]";
    const v = this.js;
    return typeof v === "string" ? JSON.stringify(v) : String(v);
  }
}

/** Reads every document of a YAML or JSON file; a file that is not readable YAML is a one-line
 *  CliError per problem with its line. */
export function readSourceDocuments(path: string): Value[] {
  const text = readText(path);
  const lines = new LineCounter();
  const file: SourceFile = { path, name: basename(path), lines };
  const docs = parseAllDocuments(text, { lineCounter: lines, uniqueKeys: true, prettyErrors: false });
  const list = Array.isArray(docs) ? docs : [docs];
  const errors = (list as Document[]).flatMap((d) => d.errors.map((e) => `${file.name}:${lines.linePos(Math.min(e.pos[0], text.length)).line}: not valid YAML or JSON: ${e.message.split("\n")[0]}`));
  if (errors.length > 0) throw new CliError(errors.join("\n"));
  return (list as Document[])
    .filter((d) => d.contents !== null)
    .map((d) => new Value(file, d.contents as Node, 0));
}
