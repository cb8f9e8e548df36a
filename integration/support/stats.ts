// Envoy admin /stats: the text format is one `name: value` line per stat. Counters and gauges
// have integer values; histograms (`P0(...) P25(...)`) and text readouts are skipped.
// Envoy keeps the metrics a Wasm module defines in its `wasmcustom` namespace: /stats prints
// `wasmcustom.sluice.rate_limit.per-user.allowed` (Prometheus output drops the namespace). The
// suite keys them by the name the filter defined (`sluice.rate_limit.per-user.allowed`), as
// host-sim's metric() does.
import { request, sleep } from "./http.js";

export type Stats = Map<string, number>;

export const WASM_NAMESPACE = "wasmcustom.";

export function parseStats(text: string): Stats {
  const out: Stats = new Map();
  for (const raw of text.split("\n")) {
    const line = raw.trimEnd();
    const sep = line.lastIndexOf(": ");
    if (sep <= 0) continue;
    const name = line.slice(0, sep).trim();
    const value = line.slice(sep + 2).trim();
    if (!/^-?\d+$/.test(value) || name === "") continue;
    out.set(name.startsWith(WASM_NAMESPACE) ? name.slice(WASM_NAMESPACE.length) : name, Number(value));
  }
  return out;
}

/** The admin stats whose names match `filter` (an RE2 regex, default: every stat a Sluice filter defined). */
export async function fetchStats(adminUrl: string, filter = "^(wasmcustom\\.)?sluice\\."): Promise<Stats> {
  const res = await request(`${adminUrl}/stats?filter=${encodeURIComponent(filter)}`);
  if (res.status !== 200) throw new Error(`GET /stats: ${res.status} ${res.body.slice(0, 200)}`);
  return parseStats(res.body);
}

export function stat(stats: Stats, name: string): number {
  return stats.get(name) ?? 0;
}

/** after - before per name (names only in `after` count from 0). */
export function statsDelta(before: Stats, after: Stats): Stats {
  const out: Stats = new Map();
  for (const [name, v] of after) out.set(name, v - (before.get(name) ?? 0));
  return out;
}

/**
 * Polls /stats until `done(stats)` holds: the filters flush their counters on the 1 s tick, so a
 * counter lags the requests by up to a second. Returns the last stats read; throws on timeout
 * with them in the message.
 */
export async function waitForStats(
  adminUrl: string,
  done: (stats: Stats) => boolean,
  options: { timeoutMs?: number; filter?: string } = {},
): Promise<Stats> {
  const deadline = Date.now() + (options.timeoutMs ?? 5_000);
  let last: Stats = new Map();
  for (;;) {
    last = await fetchStats(adminUrl, options.filter);
    if (done(last)) return last;
    if (Date.now() > deadline) {
      const dump = [...last].map(([k, v]) => `${k}: ${v}`).join("\n");
      throw new Error(`stats did not reach the expected values in time; last read:\n${dump}`);
    }
    await sleep(250);
  }
}

/**
 * Connections each Envoy worker accepted on a listener, from the per-worker listener stats
 * (`listener.<address>_<port>.worker_<n>.downstream_cx_total`): proof that traffic really was
 * spread over several workers.
 */
export function connectionsPerWorker(stats: Stats, port: number): Map<number, number> {
  const out = new Map<number, number>();
  const re = new RegExp(`^listener\\.[^\\s]*_${port}\\.worker_(\\d+)\\.downstream_cx_total$`);
  for (const [name, v] of stats) {
    const m = re.exec(name);
    if (m !== null) out.set(Number(m[1]), v);
  }
  return out;
}

export const WORKER_STATS_FILTER = "\\.worker_\\d+\\.downstream_cx_total$";

