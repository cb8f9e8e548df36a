// Header-map host calls with Envoy's access windows (fact sheet §2, §6).

import { parsePairs, serializePairs } from "../codec.js";
import type { HeaderMap } from "../headers.js";
import { Result } from "./spec.js";
import { asciiLower } from "./util.js";
import type { Vm } from "../vm.js";

const MAX_MAP = 7;
const EMPTY = new Uint8Array(0);

/** The map `type` for the acting context: a map, null (not available) or "notfound" (on_log). */
function lookup(vm: Vm, type: number, write: boolean): HeaderMap | null | "notfound" {
  const c = vm.ctx();
  if (c.kind === "http") return type <= 3 ? c.fs.headerMap(type, write) : null;
  if (c.kind === "root" && c.view) {
    if (c.view.headersType === type) return c.view.headers ?? null;
    if (c.view.trailersType === type) return c.view.trailers ?? null;
  }
  return null;
}

function mutated(vm: Vm, type: number): void {
  const c = vm.ctx();
  if (type === 0 && c.kind === "http") c.fs.stream.routeCacheCleared(c.fs, "header_mutation");
}

export function headerImports(vm: Vm) {
  const mem = () => vm.memory;
  return {
    proxy_get_header_map_pairs(type: number, retPtr: number, retLen: number): number {
      if (type >>> 0 > MAX_MAP) return Result.BadArgument;
      const m = lookup(vm, type, false);
      vm.writeValue(retPtr, retLen, typeof m === "object" && m !== null && m.size > 0 ? serializePairs(m.entries) : EMPTY);
      return Result.Ok;
    },
    proxy_set_header_map_pairs(type: number, ptr: number, len: number): number {
      if (type >>> 0 > MAX_MAP) return Result.BadArgument;
      const pairs = parsePairs(mem().read(ptr, len));
      const m = lookup(vm, type, true);
      if (m === null || m === "notfound") return Result.BadArgument;
      m.entries = pairs.map(([k, v]) => [asciiLower(k), v]);
      mutated(vm, type);
      return Result.Ok;
    },
    proxy_get_header_map_value(type: number, kPtr: number, kLen: number, retPtr: number, retLen: number): number {
      if (type >>> 0 > MAX_MAP) return Result.BadArgument;
      const key = asciiLower(mem().readString(kPtr, kLen));
      const m = lookup(vm, type, false);
      if (m === "notfound") return Result.NotFound;
      if (m === null) return Result.BadArgument;
      const v = m.get(key);
      if (v === undefined) return Result.NotFound;
      vm.writeValue(retPtr, retLen, Buffer.from(v, "latin1"));
      return Result.Ok;
    },
    proxy_add_header_map_value(type: number, kPtr: number, kLen: number, vPtr: number, vLen: number): number {
      if (type >>> 0 > MAX_MAP) return Result.BadArgument;
      const key = asciiLower(mem().readString(kPtr, kLen));
      const value = mem().readString(vPtr, vLen);
      const m = lookup(vm, type, true);
      if (m === null || m === "notfound") return Result.BadArgument;
      m.add(key, value);
      mutated(vm, type);
      return Result.Ok;
    },
    proxy_replace_header_map_value(type: number, kPtr: number, kLen: number, vPtr: number, vLen: number): number {
      if (type >>> 0 > MAX_MAP) return Result.BadArgument;
      const key = asciiLower(mem().readString(kPtr, kLen));
      const value = mem().readString(vPtr, vLen);
      const m = lookup(vm, type, true);
      if (m === null || m === "notfound") return Result.BadArgument;
      m.replace(key, value);
      mutated(vm, type);
      return Result.Ok;
    },
    proxy_remove_header_map_value(type: number, kPtr: number, kLen: number): number {
      if (type >>> 0 > MAX_MAP) return Result.BadArgument;
      const key = asciiLower(mem().readString(kPtr, kLen));
      const m = lookup(vm, type, true);
      if (m === null || m === "notfound") return Result.BadArgument;
      m.remove(key);
      mutated(vm, type);
      return Result.Ok;
    },
    proxy_get_header_map_size(type: number, retPtr: number): number {
      if (type >>> 0 > MAX_MAP) return Result.BadArgument;
      const m = lookup(vm, type, false);
      if (m === null || m === "notfound") return Result.BadArgument;
      mem().writeU32(retPtr, m.byteSize());
      return Result.Ok;
    },
  };
}
