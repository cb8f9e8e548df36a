// Builds small guest modules from WAT (compiled in-process with wabt.js), so each test states
// exactly which host calls a callback makes.
//
// Layout: result slots at RET (ptr) / RET + 4 (len) / RET + 8 (extra word), strings placed from
// 1024, a bump `malloc` from 32768 that grows memory as needed.

import wabtInit from "wabt";
import { PROVIDED_IMPORTS } from "../../src/index.js";

export const RET = 64;
export const RET2 = RET + 4;
export const RET3 = RET + 8;

const wabtPromise = wabtInit();

const WAT_TYPE: Record<string, string> = { i: "i32", I: "i64", f: "f32", F: "f64" };

function importDecl(full: string, sig: string): string {
  const [mod, name] = [full.slice(0, full.indexOf(".")), full.slice(full.indexOf(".") + 1)];
  const [params, results] = sig.split(":");
  const p = [...params].map((c) => WAT_TYPE[c]).join(" ");
  const r = [...results].map((c) => WAT_TYPE[c]).join(" ");
  return `(import "${mod}" "${name}" (func $${name} ${p ? `(param ${p})` : ""} ${r ? `(result ${r})` : ""}))`;
}

/** All env.proxy_* imports, callable as $proxy_xxx. */
const PROXY_IMPORT_DECLS = [...PROVIDED_IMPORTS.entries()]
  .filter(([k]) => k.startsWith("env.proxy_"))
  .map(([k, s]) => importDecl(k, s))
  .join("\n");

export interface GuestOptions {
  /** Export the ABI marker (default true). */
  abi?: boolean;
  /** "bump" (default), "zero" (always returns 0), or "none" (no malloc export). */
  malloc?: "bump" | "zero" | "none";
  /** Extra raw import declarations (e.g. WASI or forbidden ones), placed before the proxy imports. */
  imports?: string[];
  /** Import all env.proxy_* functions (default true). */
  proxyImports?: boolean;
  /** Body of `_start` (restricted mode). */
  start?: string;
}

export class Guest {
  private data: { at: number; bytes: Uint8Array }[] = [];
  private next = 1024;
  private funcs: string[] = [];
  constructor(private readonly opts: GuestOptions = {}) {}

  /** Places bytes in memory; returns `(i32.const ptr) (i32.const len)`. */
  bytes(b: Uint8Array): string {
    const at = this.next;
    this.data.push({ at, bytes: b });
    this.next += b.length + 8 - (b.length % 8);
    return `(i32.const ${at}) (i32.const ${b.length})`;
  }

  /** A string (latin1 bytes, `\0` allowed) as `(i32.const ptr) (i32.const len)`. */
  str(s: string): string {
    return this.bytes(Buffer.from(s, "latin1"));
  }

  /** Adds raw WAT module fields (functions, exports). */
  add(wat: string): this {
    this.funcs.push(wat);
    return this;
  }

  /** Exports `name` with params and an i32 result; `body` must leave the i32 to return. */
  on(name: string, params: number, body: string, result = true): this {
    const p = params ? `(param ${Array(params).fill("i32").join(" ")})` : "";
    return this.add(`(func (export "${name}") ${p} ${result ? "(result i32)" : ""} ${body})`);
  }

  wat(): string {
    const o = this.opts;
    const malloc =
      o.malloc === "none"
        ? ""
        : o.malloc === "zero"
          ? `(func (export "malloc") (param i32) (result i32) (i32.const 0))`
          : `(global $heap (mut i32) (i32.const 32768))
             (func (export "malloc") (param $n i32) (result i32) (local $p i32)
               (local.set $p (global.get $heap))
               (global.set $heap (i32.add (global.get $heap) (i32.and (i32.add (local.get $n) (i32.const 7)) (i32.const -8))))
               (if (i32.gt_u (global.get $heap) (i32.mul (memory.size) (i32.const 65536)))
                 (then (drop (memory.grow (i32.add (i32.shr_u (i32.sub (global.get $heap) (i32.mul (memory.size) (i32.const 65536))) (i32.const 16)) (i32.const 1))))))
               (local.get $p))`;
    const esc = (b: Uint8Array) => [...b].map((x) => `\\${x.toString(16).padStart(2, "0")}`).join("");
    return `(module
      ${(o.imports ?? []).join("\n")}
      ${o.proxyImports === false ? "" : PROXY_IMPORT_DECLS}
      (memory (export "memory") 2)
      ${o.abi === false ? "" : `(func (export "proxy_abi_version_0_2_1"))`}
      (func (export "_start") ${o.start ?? ""})
      ${malloc}
      ${this.data.map((d) => `(data (i32.const ${d.at}) "${esc(d.bytes)}")`).join("\n")}
      ${this.funcs.join("\n")}
    )`;
  }

  async build(): Promise<Uint8Array> {
    return watToWasm(this.wat());
  }
}

export async function watToWasm(wat: string): Promise<Uint8Array> {
  const wabt = await wabtPromise;
  const mod = wabt.parseWat("guest.wat", wat, { mutable_globals: true, sign_extension: true, bulk_memory: true });
  try {
    return mod.toBinary({}).buffer;
  } finally {
    mod.destroy();
  }
}

export function guest(opts?: GuestOptions): Guest {
  return new Guest(opts);
}
