// Soak helper: drive many streams through a proxy and watch linear memory. Usable from tests
// (`expect(soak(...).growthPages).toBe(0)`) and from the benchmark.
import type { Proxy, RequestSpec } from "../host-sim/src/index.js";

export interface SoakOptions {
  /** Streams driven after warm-up. */
  streams: number;
  /** Streams driven before the baseline is read. */
  warmup: number;
  /** Read memory every this many streams (default streams / 20). */
  sampleEvery?: number;
}

export interface SoakResult {
  /** Largest linear memory of any VM after warm-up, in 64 KiB pages. */
  warmupPages: number;
  /** The same at the end. */
  finalPages: number;
  /** finalPages - warmupPages: 0 means memory stayed flat. */
  growthPages: number;
  /** Memory read every sampleEvery streams after warm-up. */
  samples: number[];
}

/** Largest linear memory, in pages, over every VM of the proxy. */
export function memoryPages(proxy: Proxy): number {
  return Math.max(...proxy.vms().map((vm) => vm.memoryPages));
}

export function soak(proxy: Proxy, request: (i: number) => RequestSpec, options: SoakOptions): SoakResult {
  let i = 0;
  for (; i < options.warmup; i++) proxy.request(request(i));
  const warmupPages = memoryPages(proxy);
  const every = options.sampleEvery ?? Math.max(1, Math.floor(options.streams / 20));
  const samples: number[] = [];
  for (let n = 1; n <= options.streams; n++, i++) {
    proxy.request(request(i));
    if (n % every === 0) samples.push(memoryPages(proxy));
  }
  const finalPages = memoryPages(proxy);
  return { warmupPages, finalPages, growthPages: finalPages - warmupPages, samples };
}
