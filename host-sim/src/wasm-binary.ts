// Minimal reader for the parts of a Wasm binary the loader checks: function types, imports and
// exports. Node 20's WebAssembly API does not expose import/export signatures.

/** Signature as "params:results", one letter per value type: i=i32 I=i64 f=f32 F=f64 ?=other. */
export type Signature = string;

export interface ImportEntry {
  module: string;
  name: string;
  kind: "function" | "table" | "memory" | "global" | "tag";
  signature?: Signature;
}

export interface ModuleShape {
  imports: ImportEntry[];
  /** Function exports by name → signature; other export kinds map to their kind name. */
  exports: Map<string, Signature>;
}

const KINDS = ["function", "table", "memory", "global", "tag"] as const;
const VALTYPES: Record<number, string> = { 0x7f: "i", 0x7e: "I", 0x7d: "f", 0x7c: "F" };

class Reader {
  pos = 0;
  constructor(private readonly b: Uint8Array) {}
  byte(): number {
    if (this.pos >= this.b.length) throw new Error("unexpected end of module");
    return this.b[this.pos++];
  }
  u32(): number {
    let result = 0;
    let shift = 0;
    for (;;) {
      const byte = this.byte();
      result |= (byte & 0x7f) << shift;
      if ((byte & 0x80) === 0) return result >>> 0;
      shift += 7;
    }
  }
  name(): string {
    const len = this.u32();
    const s = Buffer.from(this.b.subarray(this.pos, this.pos + len)).toString("utf8");
    this.pos += len;
    return s;
  }
  skipLimits(): void {
    const flags = this.byte();
    this.u32();
    if (flags & 1) this.u32();
  }
}

export function readModuleShape(bytes: Uint8Array): ModuleShape {
  const r = new Reader(bytes);
  r.pos = 8;
  const types: Signature[] = [];
  const funcTypes: number[] = [];
  const imports: ImportEntry[] = [];
  const rawExports: { name: string; kind: number; index: number }[] = [];
  while (r.pos < bytes.length) {
    const id = r.byte();
    const size = r.u32();
    const end = r.pos + size;
    if (id === 1) {
      for (let n = r.u32(); n > 0; n--) {
        if (r.byte() !== 0x60) throw new Error("unsupported type form");
        let sig = "";
        for (let p = r.u32(); p > 0; p--) sig += VALTYPES[r.byte()] ?? "?";
        sig += ":";
        for (let p = r.u32(); p > 0; p--) sig += VALTYPES[r.byte()] ?? "?";
        types.push(sig);
      }
    } else if (id === 2) {
      for (let n = r.u32(); n > 0; n--) {
        const module = r.name();
        const name = r.name();
        const kind = r.byte();
        const entry: ImportEntry = { module, name, kind: KINDS[kind] ?? "tag" };
        if (kind === 0) {
          const t = r.u32();
          entry.signature = types[t];
          funcTypes.push(t);
        } else if (kind === 1) {
          r.byte();
          r.skipLimits();
        } else if (kind === 2) {
          r.skipLimits();
        } else if (kind === 3) {
          r.byte();
          r.byte();
        } else {
          r.byte();
          r.u32();
        }
        imports.push(entry);
      }
    } else if (id === 3) {
      for (let n = r.u32(); n > 0; n--) funcTypes.push(r.u32());
    } else if (id === 7) {
      for (let n = r.u32(); n > 0; n--) {
        const name = r.name();
        const kind = r.byte();
        rawExports.push({ name, kind, index: r.u32() });
      }
    }
    r.pos = end;
  }
  const exports = new Map<string, Signature>();
  for (const e of rawExports) {
    exports.set(e.name, e.kind === 0 ? types[funcTypes[e.index]] : KINDS[e.kind]);
  }
  return { imports, exports };
}
