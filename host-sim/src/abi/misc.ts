// Time, ticks, effective context, proxy_done, foreign functions and the non-proxy env imports.

import { deflateSync, inflateSync } from "node:zlib";
import { pluginOf } from "../context.js";
import { Result } from "./spec.js";
import { actingRoot } from "./util.js";
import type { Vm } from "../vm.js";

export function miscImports(vm: Vm) {
  const proxy = vm.proxy;
  return {
    proxy_set_tick_period_milliseconds(period: number): number {
      const root = actingRoot(vm);
      if (root) proxy.setTickPeriod(root, period >>> 0);
      return Result.Ok;
    },
    proxy_get_current_time_nanoseconds(retPtr: number): number {
      vm.memory.writeU64(retPtr, BigInt(proxy.now()) * 1_000_000n);
      return Result.Ok;
    },
    proxy_set_effective_context(id: number): number {
      const c = vm.contexts.get(id >>> 0);
      if (!c) return Result.BadArgument;
      vm.effective = c;
      return Result.Ok;
    },
    proxy_done(): number {
      const root = actingRoot(vm);
      if (!root || !root.pendingDone) return Result.NotFound;
      proxy.post(() => root.plugin.deleteRoot(vm, root));
      return Result.Ok;
    },
    proxy_call_foreign_function(nPtr: number, nLen: number, aPtr: number, aLen: number, retPtr: number, retLen: number): number {
      const name = vm.memory.readString(nPtr, nLen);
      const args = vm.memory.read(aPtr, aLen);
      const c = vm.ctx();
      const stream = c.kind === "http" ? c.fs.stream : undefined;
      let out: Uint8Array;
      switch (name) {
        case "clear_route_cache":
          if (c.kind === "http") c.fs.stream.routeCacheCleared(c.fs, "foreign_function");
          out = new Uint8Array(0);
          break;
        case "compress":
          out = deflateSync(args);
          break;
        case "uncompress":
          try {
            out = inflateSync(args);
          } catch {
            return Result.SerializationFailure;
          }
          break;
        default:
          return Result.NotFound;
      }
      const plugin = (pluginOf(c) ?? vm.plugin).name;
      proxy.foreignCalls.push({ name, args, plugin, stream: stream?.id });
      stream?.events.push({ type: "foreignCall", plugin, name });
      if (retPtr !== 0) vm.writeValue(retPtr, retLen, out);
      return Result.Ok;
    },
    pthread_equal(a: number, b: number): number {
      return a === b ? 1 : 0;
    },
    emscripten_notify_memory_growth(): void {},
    envoy_resolve_dns(): number {
      return Result.Unimplemented;
    },
  };
}
