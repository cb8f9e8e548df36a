// Buffer host calls (fact sheet §2: get_buffer_status/bytes, set_buffer_bytes).

import { concatBytes } from "../codec.js";
import { BufferType, Result } from "./spec.js";
import type { Vm } from "../vm.js";

const MAX_BUFFER = 8;
const EMPTY = new Uint8Array(0);

interface BufferRef {
  bytes: Uint8Array;
  /** Present for Envoy body buffers; string buffers (configs, call data, callout bodies) have none. */
  set?: (b: Uint8Array) => void;
}

function resolve(vm: Vm, type: number): BufferRef | null {
  const c = vm.ctx();
  if (type === BufferType.VmConfiguration) return { bytes: vm.plugin.vmConfig };
  if (c.kind === "http" && (type === BufferType.HttpRequestBody || type === BufferType.HttpResponseBody)) {
    const d = c.fs.d[type];
    if (d.body === null) return { bytes: EMPTY };
    return { bytes: d.body, set: (b) => (d.body = b) };
  }
  if (c.kind !== "root") return null;
  if (type === BufferType.HttpRequestBody || type === BufferType.HttpResponseBody) return { bytes: EMPTY };
  if (type === BufferType.PluginConfiguration) return c.configuring ? { bytes: c.plugin.config } : null;
  if (c.view && c.view.bodyType === type && c.view.body) return { bytes: c.view.body };
  return null;
}

export function bufferImports(vm: Vm) {
  return {
    proxy_get_buffer_status(type: number, lenPtr: number, flagsPtr: number): number {
      if (type >>> 0 > MAX_BUFFER) return Result.BadArgument;
      const b = resolve(vm, type);
      if (!b) return Result.NotFound;
      vm.memory.writeU32(lenPtr, b.bytes.length);
      vm.memory.writeU32(flagsPtr, 0);
      return Result.Ok;
    },
    proxy_get_buffer_bytes(type: number, start: number, max: number, retPtr: number, retLen: number): number {
      if (type >>> 0 > MAX_BUFFER) return Result.BadArgument;
      const b = resolve(vm, type);
      if (!b) return Result.NotFound;
      start >>>= 0;
      const size = b.bytes.length;
      const len = start > size ? 0 : Math.min(max >>> 0, size - start);
      vm.writeValue(retPtr, retLen, len === 0 ? EMPTY : b.bytes.slice(start, start + len));
      return Result.Ok;
    },
    proxy_set_buffer_bytes(type: number, start: number, len: number, dataPtr: number, dataLen: number): number {
      if (type >>> 0 > MAX_BUFFER) return Result.BadArgument;
      const data = vm.memory.read(dataPtr, dataLen);
      const b = resolve(vm, type);
      if (!b) return Result.NotFound;
      if (!b.set) return b.bytes === EMPTY ? Result.NotFound : Result.BadArgument;
      start >>>= 0;
      len >>>= 0;
      const size = b.bytes.length;
      if (start === 0) b.set(concatBytes(data, b.bytes.slice(Math.min(len, size))));
      else if (start >= size) b.set(concatBytes(b.bytes, data));
      else return Result.BadArgument;
      return Result.Ok;
    },
  };
}
