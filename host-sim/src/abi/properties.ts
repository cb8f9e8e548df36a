// proxy_get_property / proxy_set_property.

import { getProperty } from "../properties.js";
import { Result } from "./spec.js";
import type { Vm } from "../vm.js";

export function propertyImports(vm: Vm) {
  return {
    proxy_get_property(pathPtr: number, pathLen: number, retPtr: number, retLen: number): number {
      const r = getProperty(vm.ctx(), vm.memory.readString(pathPtr, pathLen));
      if ("code" in r) return r.code;
      vm.writeValue(retPtr, retLen, r.bytes);
      return Result.Ok;
    },
    /** Envoy stores filter state `wasm.<path>` (whole path bytes); no stream info ⇒ NotFound. */
    proxy_set_property(pathPtr: number, pathLen: number, valPtr: number, valLen: number): number {
      const path = vm.memory.readString(pathPtr, pathLen);
      const value = vm.memory.read(valPtr, valLen);
      const c = vm.ctx();
      if (c.kind !== "http") return Result.NotFound;
      c.fs.stream.filterState.set(`wasm.${path}`, value);
      return Result.Ok;
    },
  };
}
