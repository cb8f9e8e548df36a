// Generates filters/<id>/config-schema.ts from filters/<id>/schema.json (and the shared $defs of
// filters/shared/schema.json): the compact validation table that the shared walker
// (filters/shared/config-walker.ts) checks a configuration with, and the member index of every
// property by object type, which configure code reads the checked document with
// (`value(rule, Rule.max_keys)`). scripts/build.mjs runs it before compiling; the files are
// committed so that a plain asc run and a reader see them, and scripts/test/config-table.test.ts
// fails when one is out of date.
//
//   node scripts/config-table.mjs            writes every filter's file that changed
//   node scripts/config-table.mjs --check    exits 1 when one is out of date
//
// Table layout (offsets are u16 from the start of the table; 0 means "none"):
//   header: u16 root node, u16 format list
//   format list: u8 count, count x u16 format entry (indexed by format id - 1; 0: unused)
//   format entry: u16 first-character mask, u16 other-character mask (16 bytes each: bit c of
//     byte c >> 3), u16 message string (duration: masks unused)
//   string node:  u8 0, u8 format id, u16 minLength, u16 maxLength (0xffff: none), u16 enum list,
//                 u16 minimum duration string, u16 maximum duration string
//   integer / number node: u8 1 / 2, u8 flags (1 minimum exclusive, 2 maximum exclusive),
//                 u16 minimum number text, u16 maximum number text
//   boolean node: u8 3
//   array node:   u8 4, u8 0, u16 minItems, u16 maxItems (0xffff: none), u16 items node
//   object node:  u8 5, u8 property count P, u8 tag property (0xff: none), u8 branch count B,
//                 u8 default branch (0xff: none), u8 dependency count D, u32 key-group mask,
//                 u16 aliases, P x u16 name string, D x (u8 property, u8 required property),
//                 B x (u32 allowed mask, u32 required mask, u16 tag value list, u8 default count N,
//                      u16 node of each allowed property in order, N x (u8 property, u16 default
//                      JSON text))
//   aliases: u8 count, count x (u16 string, u8 property)
//   list: u8 count, count x u16 string;  string: u8 length, bytes
import { existsSync, readFileSync, readdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { buildModel, classCodes, FORMATS } from "./config-model.mjs";
import { pack } from "./lz.mjs";

const ROOT = join(import.meta.dirname, "..");
export const SHARED_SCHEMA = "filters/shared/schema.json";
const NONE8 = 0xff;
const NONE16 = 0xffff;
const KIND = { string: 0, integer: 1, number: 2, boolean: 3, array: 4, object: 5, any: 6 };

class Table {
  bytes = [0, 0, 0, 0];
  strings = new Map();
  lists = new Map();
  nodes = new Map();
  encoded = new Map();

  here() {
    if (this.bytes.length > NONE16) throw new Error("config table: more than 64 KB");
    return this.bytes.length;
  }
  u8(v) { this.bytes.push(v & 0xff); }
  u16(v) { this.u8(v); this.u8(v >> 8); }
  u32(v) { this.u16(v & 0xffff); this.u16(v >>> 16); }

  /** A block of bytes, stored once. */
  block(bytes) {
    const key = bytes.join(",");
    let at = this.encoded.get(key);
    if (at === undefined) {
      at = this.here();
      this.bytes.push(...bytes);
      this.encoded.set(key, at);
    }
    return at;
  }

  string(text) {
    if (text === undefined) return 0;
    const bytes = [...Buffer.from(text, "utf8")];
    if (bytes.length > 255) throw new Error(`config table: string longer than 255 bytes: ${text.slice(0, 40)}...`);
    return this.block([bytes.length, ...bytes]);
  }

  list(texts) {
    if (texts === undefined || texts.length === 0) return 0;
    const refs = texts.map((t) => this.string(t));
    const bytes = [texts.length];
    for (const r of refs) bytes.push(r & 0xff, r >> 8);
    return this.block(bytes);
  }

  /** The offset of `node`, encoded after its children. */
  node(node) {
    const done = this.nodes.get(node);
    if (done !== undefined) return done;
    const out = new Table();
    const w = { u8: (v) => out.u8(v), u16: (v) => out.u16(v), u32: (v) => out.u32(v) };
    out.bytes = [];
    switch (node.kind) {
      case "string": {
        const refs = [this.list(node.enum), this.string(node.formatMinimum), this.string(node.formatMaximum)];
        w.u8(KIND.string);
        w.u8(node.format ? FORMATS[node.format].id : 0);
        w.u16(node.minLength ?? 0);
        w.u16(node.maxLength ?? NONE16);
        for (const r of refs) w.u16(r);
        break;
      }
      case "integer":
      case "number": {
        const min = this.string(node.minimum?.text);
        const max = this.string(node.maximum?.text);
        w.u8(KIND[node.kind]);
        w.u8((node.minimum?.exclusive ? 1 : 0) | (node.maximum?.exclusive ? 2 : 0));
        w.u16(min);
        w.u16(max);
        break;
      }
      case "boolean":
        w.u8(KIND.boolean);
        break;
      case "any":
        w.u8(KIND.any);
        break;
      case "array": {
        const items = this.node(node.items);
        w.u8(KIND.array);
        w.u8(0);
        w.u16(node.minItems ?? 0);
        w.u16(node.maxItems ?? NONE16);
        w.u16(items);
        break;
      }
      case "object": {
        const names = node.props.map((p) => this.string(p.name));
        const aliases = node.props.flatMap((p, i) => p.aliases.map((a) => [this.string(a), i]));
        let aliasList = 0;
        if (aliases.length > 0) {
          const bytes = [aliases.length];
          for (const [ref, i] of aliases) bytes.push(ref & 0xff, ref >> 8, i);
          aliasList = this.block(bytes);
        }
        const branches = node.branches.map((b) => {
          const present = node.props.map((_, i) => i).filter((i) => b.nodes.has(i));
          return {
            values: this.list(b.values ?? undefined),
            nodes: present.map((i) => this.node(b.nodes.get(i).node)),
            defaults: present.filter((i) => b.nodes.get(i).default !== undefined).map((i) => [i, this.string(b.nodes.get(i).default)]),
            allowed: present.reduce((m, i) => m | (1 << i), 0) >>> 0,
            required: present.reduce((m, i) => (b.nodes.get(i).required ? m | (1 << i) : m), 0) >>> 0,
          };
        });
        w.u8(KIND.object);
        w.u8(node.props.length);
        w.u8(node.tag < 0 ? NONE8 : node.tag);
        w.u8(node.branches.length);
        w.u8(node.defaultBranch < 0 ? NONE8 : node.defaultBranch);
        w.u8(node.dependent.length);
        w.u32(node.group.reduce((m, i) => m | (1 << i), 0) >>> 0);
        w.u16(aliasList);
        for (const r of names) w.u16(r);
        for (const [a, b] of node.dependent) { w.u8(a); w.u8(b); }
        for (const b of branches) {
          w.u32(b.allowed);
          w.u32(b.required);
          w.u16(b.values);
          w.u8(b.defaults.length);
          for (const n of b.nodes) w.u16(n);
          for (const [i, d] of b.defaults) { w.u8(i); w.u16(d); }
        }
        break;
      }
    }
    const at = this.block(out.bytes);
    this.nodes.set(node, at);
    return at;
  }

  formats(used) {
    const max = Math.max(0, ...Object.values(FORMATS).map((f) => f.id));
    const entries = [];
    for (let id = 1; id <= max; id++) {
      const [name, f] = Object.entries(FORMATS).find(([, f]) => f.id === id);
      if (!used.has(name)) { entries.push(0); continue; }
      const mask = (spec) => {
        const m = new Array(16).fill(0);
        if (spec !== undefined) for (const c of classCodes(spec)) m[c >> 3] |= 1 << (c & 7);
        return m;
      };
      const refs = [this.block(mask(f.first)), this.block(mask(f.rest)), this.string(f.message)];
      entries.push(this.block(refs.flatMap((r) => [r & 0xff, r >> 8])));
    }
    const bytes = [entries.length];
    for (const e of entries) bytes.push(e & 0xff, e >> 8);
    return this.block(bytes);
  }
}

/** Every format the model uses. */
function usedFormats(model) {
  const used = new Set();
  const seen = new Set();
  const visit = (n) => {
    if (seen.has(n)) return;
    seen.add(n);
    if (n.format) used.add(n.format);
    if (n.items) visit(n.items);
    for (const b of n.branches ?? []) for (const e of b.nodes.values()) visit(e.node);
  };
  visit(model.root);
  return used;
}

/** The table bytes and the generated AssemblyScript source of filter `id`. */
export function generate(id, root = ROOT) {
  const schema = JSON.parse(readFileSync(join(root, "filters", id, "schema.json"), "utf8"));
  const shared = JSON.parse(readFileSync(join(root, SHARED_SCHEMA), "utf8"));
  const model = buildModel(schema, shared);
  const t = new Table();
  const rootNode = t.node(model.root);
  const formats = t.formats(usedFormats(model));
  t.bytes[0] = rootNode & 0xff;
  t.bytes[1] = rootNode >> 8;
  t.bytes[2] = formats & 0xff;
  t.bytes[3] = formats >> 8;
  const lines = [
    `// Generated by scripts/config-table.mjs from filters/${id}/schema.json and ${SHARED_SCHEMA}: do not edit.`,
    "// schema() is the validation table of filters/shared/config-walker.ts (stored packed, scripts/lz.mjs);",
    "// each namespace below gives the member index of an object type's properties in a checked",
    "// document (config-walker.ts, \"field\").",
    "import { unpack } from \"../shared/unpack\";",
    "",
    `const PACKED = memory.data<u8>([${pack(t.bytes).join(",")}]);`,
    `const TABLE = memory.data(${t.bytes.length});`,
    "",
    "/** The validation table, unpacked on first use. */",
    "export function schema(): usize {",
    `  if (load<u16>(TABLE) == 0) unpack(PACKED, TABLE, ${t.bytes.length});`,
    "  return TABLE;",
    "}",
  ];
  lines.push(...namespaces(model.objects.filter((o) => !o.shared)));
  return { bytes: t.bytes, source: lines.join("\n") + "\n", model };
}

/** The namespaces of the member indexes of named object types. */
function namespaces(objects) {
  const lines = [];
  const names = new Set();
  for (const o of objects) {
    if (o.name === undefined || names.has(o.name)) continue;
    names.add(o.name);
    lines.push("", `export namespace ${o.name} {`);
    o.props.forEach((p, i) => {
      lines.push("  // @ts-ignore: decorator", `  @inline export const ${p.name}: i32 = ${i};`);
    });
    lines.push("}");
  }
  return lines;
}

/** filters/shared/config-schema.ts: the member indexes of the shared object types (shared code
 *  reads them; every filter's table lays them out the same way). */
export function generateShared(root = ROOT) {
  const shared = JSON.parse(readFileSync(join(root, SHARED_SCHEMA), "utf8"));
  const model = buildModel(shared, shared);
  return [
    `// Generated by scripts/config-table.mjs from ${SHARED_SCHEMA}: do not edit.`,
    "// The member index of the shared object types' properties in a checked document (config-walker.ts).",
    ...namespaces(model.objects.filter((o) => !/^Key[A-Z]/.test(o.name))),
  ].join("\n") + "\n";
}

/** Filter ids with a schema.json. */
export function schemaIds(root = ROOT) {
  return readdirSync(join(root, "filters")).filter((id) => id !== "shared" && existsSync(join(root, "filters", id, "schema.json"))).sort();
}

/** Writes (or with `check` only compares) every generated file; returns the stale paths. */
export function writeTables(check = false, root = ROOT) {
  const files = [[join(root, "filters/shared/config-schema.ts"), generateShared(root)]];
  for (const id of schemaIds(root)) files.push([join(root, "filters", id, "config-schema.ts"), generate(id, root).source]);
  const stale = [];
  for (const [path, source] of files) {
    if (existsSync(path) && readFileSync(path, "utf8") === source) continue;
    stale.push(path);
    if (!check) writeFileSync(path, source);
  }
  return stale;
}

if (process.argv[1] === import.meta.filename) {
  const check = process.argv.includes("--check");
  const stale = writeTables(check);
  if (check && stale.length > 0) {
    console.error(`config-table: out of date (run node scripts/config-table.mjs): ${stale.join(", ")}`);
    process.exit(1);
  }
  console.log(stale.length === 0 ? "config-table: up to date" : `config-table: wrote ${stale.join(", ")}`);
}
