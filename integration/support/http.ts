// HTTP helpers of the suite: the client (cli/local-envoy/client.ts), many requests at once,
// status histograms, header access.
import type { HttpResult } from "../../cli/local-envoy/client.js";

export { request, type HttpResult, type RequestOptions, type TlsOptions } from "../../cli/local-envoy/client.js";

/** Sends `count` requests with at most `concurrency` in flight; results in send order. */
export async function requestMany(
  count: number,
  concurrency: number,
  send: (i: number) => Promise<HttpResult>,
): Promise<HttpResult[]> {
  const results = new Array<HttpResult>(count);
  let next = 0;
  const worker = async (): Promise<void> => {
    for (;;) {
      const i = next++;
      if (i >= count) return;
      results[i] = await send(i);
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, count) }, worker));
  return results;
}

/** Status code histogram, e.g. { 200: 10, 429: 5 }. */
export function statusCounts(results: readonly HttpResult[]): Record<number, number> {
  const out: Record<number, number> = {};
  for (const r of results) out[r.status] = (out[r.status] ?? 0) + 1;
  return out;
}

export function header(res: HttpResult, name: string): string | undefined {
  const v = res.headers[name.toLowerCase()];
  return Array.isArray(v) ? v.join(", ") : v;
}

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
