// Metrics (§2, §7.3): per-VM ids with the type in the low 2 bits, values shared per process.

import { Result, MetricType } from "./spec.js";
import type { MetricKind, Stat } from "../stores.js";
import type { Vm } from "../vm.js";

export function metricImports(vm: Vm) {
  const store = vm.proxy.metricStore;
  const stat = (id: number): Stat | undefined => {
    const key = vm.metricIds.get(id >>> 0);
    return key === undefined ? undefined : store.stats.get(key);
  };
  return {
    proxy_define_metric(type: number, nPtr: number, nLen: number, idPtr: number): number {
      if (type >>> 0 > MetricType.Histogram) return Result.BadArgument;
      const key = store.define(type as MetricKind, vm.memory.readString(nPtr, nLen));
      const id = vm.nextMetricId[type];
      vm.nextMetricId[type] += 4;
      vm.metricIds.set(id, key);
      vm.memory.writeU32(idPtr, id);
      return Result.Ok;
    },
    proxy_increment_metric(id: number, delta: bigint): number {
      const type = id & 3;
      if (type !== MetricType.Counter && type !== MetricType.Gauge) return Result.BadArgument;
      const s = stat(id);
      if (!s) return Result.NotFound;
      if (type === MetricType.Counter && delta <= 0n) return Result.BadArgument;
      s.value += Number(delta);
      return Result.Ok;
    },
    proxy_record_metric(id: number, value: bigint): number {
      const s = stat(id);
      if (!s) return Result.NotFound;
      const v = Number(BigInt.asUintN(64, value));
      if (s.type === MetricType.Counter) s.value += v;
      else if (s.type === MetricType.Gauge) s.value = v;
      else s.samples.push(v);
      return Result.Ok;
    },
    proxy_get_metric(id: number, retPtr: number): number {
      if ((id & 3) === MetricType.Histogram) return Result.BadArgument;
      const s = stat(id);
      if (!s) return Result.NotFound;
      vm.memory.writeU64(retPtr, BigInt(s.value));
      return Result.Ok;
    },
  };
}
