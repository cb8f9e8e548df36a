// proxy_log, proxy_get_log_level.

import { Result } from "./spec.js";
import type { Vm } from "../vm.js";

export function loggingImports(vm: Vm) {
  return {
    proxy_log(level: number, ptr: number, len: number): number {
      if (level >>> 0 > 5) return Result.BadArgument;
      vm.log(level, vm.memory.readString(ptr, len));
      return Result.Ok;
    },
    proxy_get_log_level(retPtr: number): number {
      vm.memory.writeU32(retPtr, vm.proxy.logLevel);
      return Result.Ok;
    },
  };
}
