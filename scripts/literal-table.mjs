// Compiler transform (scripts/build.mjs passes it to asc): stores the string literals of our
// AssemblyScript sources once, a byte a character and packed (scripts/lz.mjs), instead of one
// UTF-16 data segment each (ARCHITECTURE.md, "Module size"). After parsing, every non-empty ASCII
// string literal outside the standard library becomes `sluiceLiteral(<id>)`, every array of such
// literals `sluiceLiteralList(<start>, <count>)` (`sluiceLiteralStaticList` where a StaticArray is
// declared; filters/shared/literals.ts), and the placeholder filters/shared/literal-table.ts gives
// way to the table of every literal parsed. After compiling, the table is made again with only the
// literals the compiled code names (a file's unused functions keep theirs out of the module).
// Left alone: decorator arguments, import and export paths, `@inline` constants, template literals
// and literals with other characters.
import { LiteralKind, Node, NodeKind, Parser } from "assemblyscript";
import { pack } from "./lz.mjs";

const TABLE_PATH = "filters/shared/literal-table.ts";
const RUNTIME_PATH = "filters/shared/literals.ts";
// The standard library's error messages (`@inline` constants the aborts of bounds checks and
// allocations name): stored here too, so an abort makes its message when it happens.
const STD_MESSAGES_PATH = "~lib/util/error.ts";
// The object of literal i starts at 20 * i + 2 * start(i) in LITERAL_OBJECTS (literals.ts), where
// start(i) counts the bytes before it with each literal padded to an even length; u16 starts.
const MAX_BYTES = 0xffff;
// Lengths are stored a byte each.
const MAX_LENGTH = 0xff;

/** A string a literal may hold in the table: ASCII (the byte 0x80 marks padding). */
function storable(text) {
  return text.length > 0 && /^[\x00-\x7f]*$/.test(text);
}

function isNode(value) {
  return value !== null && typeof value === "object" && typeof value.kind === "number" && "range" in value;
}

function isStorableLiteral(node) {
  return node !== null && node.kind === NodeKind.Literal && node.literalKind === LiteralKind.String && storable(node.value);
}

/** An array literal of storable string literals only. */
function isLiteralList(node) {
  return node.kind === NodeKind.Literal && node.literalKind === LiteralKind.Array &&
    node.elementExpressions.length > 0 && node.elementExpressions.every(isStorableLiteral);
}

/** The name of a declared type (`StaticArray` for `StaticArray<string>`), or null. */
function typeName(type) {
  return type?.kind === NodeKind.NamedType ? type.name.identifier.text : null;
}

/** The AST of `name(args...)` for integer arguments. */
function call(name, args, range) {
  const values = args.map((v) => Node.createIntegerLiteralExpression(i64_new(v, 0), range));
  return Node.createCallExpression(Node.createIdentifierExpression(name, range), null, values, range);
}

function hasDecorator(node, name) {
  return (node.decorators ?? []).some((d) => d.name?.kind === NodeKind.Identifier && d.name.text === name);
}

class LiteralTable {
  ids = new Map();
  texts = [];
  /** Literal ids of the arrays of literals, one after another. */
  lists = [];

  idOf(text) {
    let id = this.ids.get(text);
    if (id === undefined) {
      id = this.texts.length;
      this.ids.set(text, id);
      this.texts.push(text);
    }
    return id;
  }

  /** Replaces the literals under `node` (fields and arrays, in place). */
  rewrite(node) {
    for (const key of Object.keys(node)) {
      if (key === "range") continue;
      if (key === "path" && (node.kind === NodeKind.Import || node.kind === NodeKind.Export)) continue;
      const value = node[key];
      if (Array.isArray(value)) {
        for (let i = 0; i < value.length; i++) {
          if (isNode(value[i])) value[i] = this.visit(value[i]);
        }
      } else if (isNode(value)) {
        node[key] = this.visit(value);
      }
    }
  }

  visit(node) {
    if (node.kind === NodeKind.Decorator) return node;
    if (node.kind === NodeKind.Variable && hasDecorator(node, "inline")) return node;
    if (isStorableLiteral(node)) return call("sluiceLiteral", [this.idOf(node.value)], node.range);
    if (isLiteralList(node)) return this.list(node, "sluiceLiteralList");
    if (node.initializer && isLiteralList(node.initializer) && typeName(node.type) === "StaticArray") {
      node.initializer = this.list(node.initializer, "sluiceLiteralStaticList");
      return node;
    }
    this.rewrite(node);
    return node;
  }

  /** Replaces the string constants of the standard library's messages (`@inline`, so each use
   *  becomes the call). */
  messages(source) {
    for (const statement of source.statements) {
      for (const declaration of statement.declarations ?? []) {
        if (isStorableLiteral(declaration.initializer)) {
          declaration.initializer = call("sluiceLiteral", [this.idOf(declaration.initializer.value)], declaration.initializer.range);
          declaration.decorators = declaration.decorators.filter((d) => d.name.text !== "inline");
        }
      }
    }
  }

  /** The call that makes the array of literals `node` with `maker`. */
  list(node, maker) {
    const start = this.lists.length;
    for (const element of node.elementExpressions) this.lists.push(this.idOf(element.value));
    return call(maker, [start, node.elementExpressions.length], node.range);
  }

  /** The unpacked table with the literals `keep(id)` allows (the others are stored empty):
   *  u8 length of each literal, their bytes each padded to an even length, then the u16 literal
   *  ids of the arrays of literals. */
  raw(keep = () => true) {
    const bytes = this.texts.map((t) => t.length);
    this.texts.forEach((text, id) => {
      if (!keep(id)) {
        bytes[id] = 0;
        return;
      }
      for (let i = 0; i < text.length; i++) bytes.push(text.charCodeAt(i));
      if (text.length % 2 === 1) bytes.push(0);
    });
    for (const id of this.lists) bytes.push(id & 0xff, id >> 8);
    return bytes;
  }

  /** The packed form of `raw`: its u16 length, then scripts/lz.mjs's code. */
  packed(raw) {
    return [raw.length & 0xff, raw.length >> 8, ...pack(raw)];
  }

  /** The AssemblyScript text of literal-table.ts for the literals collected. */
  source() {
    const long = this.texts.find((t) => t.length > MAX_LENGTH);
    if (long !== undefined) throw new Error(`literal-table: a literal of ${long.length} characters, at most ${MAX_LENGTH}: ${long.slice(0, 40)}...`);
    const raw = this.raw();
    if (raw.length > MAX_BYTES) throw new Error(`literal-table: ${raw.length} bytes of literals, at most ${MAX_BYTES}`);
    this.fullPacked = this.packed(raw);
    const padded = this.texts.reduce((n, t) => n + t.length + (t.length % 2), 0);
    const objectBytes = 20 * this.texts.length + 2 * padded;
    return [
      `export const LITERAL_PACKED = memory.data<u8>([${this.fullPacked.join(",")}]);`,
      `export const LITERAL_RAW = memory.data(${Math.max(raw.length, 16)});`,
      `export const LITERAL_STARTS = memory.data(${2 * this.texts.length + 2}, 2);`,
      `export const LITERAL_OBJECTS = memory.data(${Math.max(objectBytes, 16)}, 16);`,
      "// @ts-ignore: decorator",
      `@inline export const LITERAL_COUNT: i32 = ${this.texts.length};`,
    ].join("\n");
  }

  /** The literal ids the compiled module names, from its text (before optimization, every call
   *  the transform made still has its constant arguments); null when a call is not understood. */
  usedIds(moduleText) {
    const used = new Set();
    const calls = moduleText.match(/\(call \$\S*\/sluiceLiteral(List|StaticList)?\b/g) ?? [];
    const understood = [...moduleText.matchAll(/\(call \$\S*\/sluiceLiteral(List|StaticList)?\s+\(i32\.const (\d+)\)(?:\s+\(i32\.const (\d+)\))?/g)];
    if (understood.length !== calls.length) return null;
    for (const [, list, first, count] of understood) {
      if (list === undefined) used.add(Number(first));
      else for (let i = 0; i < Number(count); i++) used.add(this.lists[Number(first) + i]);
    }
    return used;
  }
}

/** Points the ranges of parsed nodes at `source` (the file they now belong to). */
function reassignSource(nodes, source) {
  for (const node of nodes) {
    node.range.source = source;
    for (const value of Object.values(node)) {
      if (Array.isArray(value)) reassignSource(value.filter(isNode), source);
      else if (isNode(value)) reassignSource([value], source);
    }
  }
}

export default class LiteralTableTransform {
  /** @type {LiteralTable | null} */
  table = null;

  afterParse(parser) {
    const table = new LiteralTable();
    const placeholder = parser.sources.find((s) => s.normalizedPath === TABLE_PATH);
    if (placeholder === undefined) return;
    for (const source of parser.sources) {
      const path = source.normalizedPath;
      if ((path.startsWith("~lib/") && path !== STD_MESSAGES_PATH) || path === TABLE_PATH || path === RUNTIME_PATH) continue;
      if (path === STD_MESSAGES_PATH) table.messages(source);
      else for (let i = 0; i < source.statements.length; i++) source.statements[i] = table.visit(source.statements[i]);
    }
    // The placeholder's statements give way to the filled-in tables, parsed on the side.
    const filled = new Parser();
    filled.parseFile(table.source(), TABLE_PATH, false);
    placeholder.statements = filled.sources[0].statements;
    reassignSource(placeholder.statements, placeholder);
    this.table = table;
  }

  /** Stores only the literals the compiled code names: the data segment of the packed table is
   *  replaced (the other segments are set again unchanged). */
  afterCompile(module) {
    const table = this.table;
    if (table === null) return;
    const text = module.emitText();
    const used = table.usedIds(text);
    if (used === null) throw new Error("literal-table: a call of sluiceLiteral without constant arguments");
    const full = table.fullPacked;
    const segments = [];
    let found = 0;
    for (let i = 0, n = module.getNumDataSegments(); i < n; i++) {
      const info = module.getDataSegmentInfo(module.getDataSegmentByIndex(i));
      let data = new Uint8Array(info.data);
      if (data.length === full.length && data.every((b, k) => b === full[k])) {
        data = Uint8Array.from(table.packed(table.raw((id) => used.has(id))));
        found++;
      }
      segments.push({ name: info.name, data, offset: module.i32.const(info.offset), passive: info.passive });
    }
    if (found !== 1) throw new Error(`literal-table: ${found} data segments hold the packed table, expected 1`);
    const memory = module.getMemoryInfo();
    const name = text.match(/\(memory \$(\S+)/)?.[1] ?? "0";
    module.setMemory(memory.initial, memory.max ?? -1, null, segments, memory.shared, memory.is64, name);
  }
}
