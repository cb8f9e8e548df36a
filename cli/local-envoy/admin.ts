// Envoy's admin interface as the local-Envoy code needs it: one GET (bounded in time), one
// counter, and the types shared with the integration suite.
import { request } from "./client.js";

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

/** A running Envoy, whichever way it was started (a local process here, a container in the suite). */
export interface RunningEnvoy {
  /** http://host:port of the first listener. */
  url: string;
  /** URL of the listener the bootstrap puts on `port` (https with tls). */
  urlFor(port: number, tls?: boolean): string;
  adminUrl: string;
  logs: { text(): string };
  /** The port of the bootstrap's listener `port` as Envoy's own stat names show it. */
  listenerPort(port: number): number;
  /** The Envoy process id where it runs as a local process. */
  pid?: number;
  stop(): Promise<void>;
}

export interface ValidateResult {
  ok: boolean;
  output: string;
}

/** Envoy prints `configuration '<path>' OK` when validation passes. */
export function validateOutputOk(output: string): boolean {
  return /configuration '[^']*' OK/.test(output);
}

/** GET `url` (an admin endpoint): status and body; rejects on a connection error or after `timeoutMs`. */
export async function adminGet(url: string, timeoutMs = 5_000): Promise<{ status: number; body: string }> {
  const res = await request(url, { timeoutMs });
  return { status: res.status, body: res.body };
}

/** Envoy's count of accepted listener (LDS) updates: it grows when a new listener config is in force. */
export async function ldsUpdateCount(adminUrl: string): Promise<number> {
  const res = await adminGet(`${adminUrl}/stats?filter=${encodeURIComponent("^listener_manager\\.lds\\.update_success$")}`);
  const m = /listener_manager\.lds\.update_success: (\d+)/.exec(res.body);
  return m === null ? 0 : Number(m[1]);
}
