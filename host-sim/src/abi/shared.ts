// Shared data (§7.4) and shared queues (§7.5).


import { Result } from "./spec.js";
import { actingRoot } from "./util.js";
import type { Vm } from "../vm.js";

export function sharedImports(vm: Vm) {
  const proxy = vm.proxy;
  const m = () => vm.memory;
  return {
    proxy_get_shared_data(kPtr: number, kLen: number, retPtr: number, retLen: number, casPtr: number): number {
      const fault = proxy.shared.takeFault("get");
      if (fault !== undefined) return fault;
      const e = proxy.shared.get(vm.plugin.vmId, m().readString(kPtr, kLen));
      if (!e) return Result.NotFound;
      vm.writeValue(retPtr, retLen, e.value);
      m().writeU32(casPtr, e.cas);
      return Result.Ok;
    },
    proxy_set_shared_data(kPtr: number, kLen: number, vPtr: number, vLen: number, cas: number): number {
      const key = m().readString(kPtr, kLen);
      const value = m().read(vPtr, vLen);
      const fault = proxy.shared.takeFault("set");
      if (fault !== undefined) return fault;
      return proxy.shared.set(vm.plugin.vmId, key, value, cas >>> 0);
    },
    proxy_register_shared_queue(nPtr: number, nLen: number, tokenPtr: number): number {
      const name = m().readString(nPtr, nLen);
      const root = actingRoot(vm);
      if (!root) return Result.InternalFailure;
      m().writeU32(tokenPtr, proxy.queues.register(vm, root, name));
      return Result.Ok;
    },
    proxy_resolve_shared_queue(vPtr: number, vLen: number, nPtr: number, nLen: number, tokenPtr: number): number {
      const vmId = m().readString(vPtr, vLen) || vm.plugin.vmId;
      const token = proxy.queues.resolve(vmId, m().readString(nPtr, nLen));
      if (token === undefined) return Result.NotFound;
      m().writeU32(tokenPtr, token);
      return Result.Ok;
    },
    proxy_enqueue_shared_queue(token: number, dPtr: number, dLen: number): number {
      const data = m().read(dPtr, dLen);
      const q = proxy.queues.byToken.get(token >>> 0);
      if (!q) return Result.NotFound;
      q.items.push(data);
      proxy.post(() => {
        const owner = q.owner;
        if (owner.alive && !owner.failed) owner.call(q.ownerRoot, "proxy_on_queue_ready", [q.ownerRoot.id, q.token]);
      });
      return Result.Ok;
    },
    proxy_dequeue_shared_queue(token: number, retPtr: number, retLen: number): number {
      const q = proxy.queues.byToken.get(token >>> 0);
      if (!q) return Result.NotFound;
      const item = q.items.shift();
      if (!item) return Result.Empty;
      vm.writeValue(retPtr, retLen, item);
      return Result.Ok;
    },
  };
}

