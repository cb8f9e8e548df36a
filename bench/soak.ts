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
  /** Called after each sample with the streams driven so far (after warm-up). */
  progress?: (done: number) => void;
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
    if (n % every === 0) {
      samples.push(memoryPages(proxy));
      options.progress?.(n);
    }
  }
  const finalPages = memoryPages(proxy);
  return { warmupPages, finalPages, growthPages: finalPages - warmupPages, samples };
}

/**
 * Streams a memory soak test drives after its warm-up: 100,000 in `npm test` (enough for a leak of
 * one byte per request to grow memory by a page), `SLUICE_SOAK_STREAMS` otherwise
 * (`npm run test:soak` runs the full 1,000,000).
 */
export function soakStreams(): number {
  const raw = process.env.SLUICE_SOAK_STREAMS;
  if (raw === undefined || raw === "") return 100_000;
  if (!/^[1-9]\d*$/.test(raw)) throw new Error(`SLUICE_SOAK_STREAMS must be a positive integer, got ${JSON.stringify(raw)}`);
  return Number(raw);
}
