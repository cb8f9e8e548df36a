// Imports a golden case's input and runs the result through the real filter in host-sim, for the
// behavioural tests (cli/test/import-behaviour.test.ts).
import { join, resolve } from "node:path";
import { expect } from "vitest";
import type { Proxy, RequestResult, Stream } from "../../host-sim/src/index.js";
import { parseText, toConfig } from "../config.js";
import { importedFile, validationProblems } from "../import/emit.js";
import { KINDS } from "../import/kinds.js";
import { Report } from "../import/report.js";
import { readSourceDocuments } from "../import/source.js";
import { chainOf, startChain } from "../sim.js";

const GOLDEN = resolve(import.meta.dirname, "golden-import");

/** A whole second of the epoch, so that time windows start with the test. */
export const START_MS = 1_700_000_000_000;

export interface ImportCase {
  kind: string;
  /** The golden case whose input files are imported. */
  dir: string;
  files: string[];
  lossy?: boolean;
  params?: Record<number, string>;
}

/** The sluice.yaml an import writes (checked as validate checks it), and the chain it runs. */
export async function importAndStart(c: ImportCase, workers = 1): Promise<{ text: string; proxy: Proxy }> {
  const kind = KINDS.find((k) => k.name === c.kind)!;
  const report = new Report(c.lossy ?? false);
  const docs = c.files.flatMap((f) => readSourceDocuments(join(GOLDEN, c.dir, f)));
  const imported = kind.read(docs, report, {
    lossy: c.lossy ?? false, resources: new Map(), params: new Map(Object.entries(c.params ?? {}).map(([k, v]) => [Number(k), v])),
  });
  expect(report.errors).toEqual([]);
  const text = importedFile(imported, "test", undefined);
  expect(await validationProblems("sluice.yaml", text)).toEqual([]);
  const proxy = await startChain(chainOf(toConfig("sluice.yaml", parseText("sluice.yaml", text))), { workers, startTimeMs: START_MS, logLevel: "warn" });
  return { text, proxy };
}

export type Headers = Record<string, string>;

/** One request through the chain, answered with `status` by the upstream after `latencyMs`. */
export function send(proxy: Proxy, headers: Headers, opts: { status?: number; latencyMs?: number; properties?: Record<string, string | number> } = {}): RequestResult {
  const r = proxy.request({
    headers: { ":method": "GET", ":authority": "shop.example", ...headers },
    ...(opts.properties ? { properties: opts.properties } : {}),
    response: { headers: { ":status": String(opts.status ?? 200) }, ...(opts.latencyMs ? { latencyMs: opts.latencyMs } : {}) },
  });
  if (!opts.latencyMs) return r;
  proxy.advance(opts.latencyMs); // the upstream answers after its latency
  return { ...r.stream.result, stream: r.stream };
}

/** The status the client got. */
export function statusOf(r: RequestResult): number {
  const headers = r.responseHeaders ?? r.localResponse?.headers ?? [];
  return Number(headers.find(([k]) => k === ":status")?.[1]);
}

/** Calls that all start now and end after their latency (ms), with their statuses, in the order
 *  they end: concurrent calls inside one time window. */
export function concurrent(proxy: Proxy, headers: Headers, calls: { latencyMs: number; status?: number }[]): void {
  const started = calls.map((call) => {
    const stream: Stream = proxy.newStream();
    stream.sendRequestHeaders({ ":method": "GET", ":authority": "shop.example", ...headers }, { endOfStream: true });
    expect(stream.result.decision).toBe("continue");
    return { call, stream };
  });
  const start = proxy.now();
  for (const { call, stream } of [...started].sort((a, b) => a.call.latencyMs - b.call.latencyMs)) {
    proxy.advance(start + call.latencyMs - proxy.now());
    stream.sendResponseHeaders({ ":status": String(call.status ?? 200) }, { endOfStream: true }).complete();
  }
}

/** `n` of `value` as a list. */
export function times<T>(n: number, value: T): T[] {
  return Array.from({ length: n }, () => value);
}
