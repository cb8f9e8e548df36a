// Compiler transform (scripts/build.mjs passes it to asc): stores the string literals of our
// AssemblyScript sources once, a byte a character, instead of one UTF-16 data segment each
// (ARCHITECTURE.md, "Module size"). After parsing, every non-empty ASCII string literal outside the
// standard library becomes `sluiceLiteral(<id>)`, every array of such literals
// `sluiceLiteralList(<start>, <count>)` (`sluiceLiteralStaticList` where a StaticArray is declared;
// filters/shared/literals.ts), and the placeholder
// filters/shared/literal-table.ts gives way to the tables of this module's literals. Left alone:
// decorator arguments, import and export paths, `@inline` constants, template literals and
// literals with other characters.
import { LiteralKind, Node, NodeKind, Parser } from "assemblyscript";

const TABLE_PATH = "filters/shared/literal-table.ts";
const RUNTIME_PATH = "filters/shared/literals.ts";
// The object of literal i starts at 20 * i + 2 * start(i) in LITERAL_OBJECTS (literals.ts); u16 starts.
const MAX_BYTES = 0xffff;
const PADDING = 0x80;

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

  /** The call that makes the array of literals `node` with `maker`. */
  list(node, maker) {
    const start = this.lists.length;
    for (const element of node.elementExpressions) this.lists.push(this.idOf(element.value));
    return call(maker, [start, node.elementExpressions.length], node.range);
  }

  /** The AssemblyScript text of literal-table.ts for the literals collected. */
  source() {
    const bytes = [];
    const starts = [];
    for (const text of this.texts) {
      starts.push(bytes.length);
      for (let i = 0; i < text.length; i++) bytes.push(text.charCodeAt(i));
      if (text.length % 2 === 1) bytes.push(PADDING);
    }
    starts.push(bytes.length);
    if (bytes.length > MAX_BYTES) throw new Error(`literal-table: ${bytes.length} bytes of literals, at most ${MAX_BYTES}`);
    const objectBytes = 20 * this.texts.length + 2 * bytes.length;
    return [
      `export const LITERAL_BYTES = memory.data<u8>([${bytes.length ? bytes.join(",") : "0"}]);`,
      `export const LITERAL_STARTS = memory.data<u16>([${starts.join(",")}]);`,
      `export const LITERAL_LISTS = memory.data<u16>([${this.lists.length ? this.lists.join(",") : "0"}]);`,
      `export const LITERAL_OBJECTS = memory.data(${Math.max(objectBytes, 16)}, 16);`,
    ].join("\n");
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
  afterParse(parser) {
    const table = new LiteralTable();
    const placeholder = parser.sources.find((s) => s.normalizedPath === TABLE_PATH);
    if (placeholder === undefined) return;
    for (const source of parser.sources) {
      const path = source.normalizedPath;
      if (path.startsWith("~lib/") || path === TABLE_PATH || path === RUNTIME_PATH) continue;
      for (let i = 0; i < source.statements.length; i++) source.statements[i] = table.visit(source.statements[i]);
    }
    // The placeholder's statements give way to the filled-in tables, parsed on the side.
    const filled = new Parser();
    filled.parseFile(table.source(), TABLE_PATH, false);
    placeholder.statements = filled.sources[0].statements;
    reassignSource(placeholder.statements, placeholder);
  }
}
