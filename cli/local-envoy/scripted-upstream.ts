// The upstream of `sluice replay --envoy`: every request carries `x-sluice-replay: <index>` (added
// by replay), and the upstream answers it with what that input line scripted (status, headers,
// body, latency), and remembers the request as it arrived (what the filters let through).
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";

export const REPLAY_HEADER = "x-sluice-replay";
const HOP_BY_HOP = new Set(["connection", "keep-alive", "transfer-encoding", "content-length", "upgrade", "te", "trailer"]);

export interface ScriptedResponse {
  status: number;
  headers: Array<[string, string]>;
  body: string;
  latencyMs: number;
}

export interface SeenRequest {
  method: string;
  url: string;
  /** Header lines in arrival order, names lowercased (the replay header removed). */
  headers: Array<[string, string]>;
}

export interface ScriptedUpstream {
  port: number;
  script(index: number, response: ScriptedResponse): void;
  /** The request with this index as the upstream received it, or undefined when none arrived. */
  seen(index: number): SeenRequest | undefined;
  stop(): Promise<void>;
}

export async function startScriptedUpstream(): Promise<ScriptedUpstream> {
  const scripts = new Map<number, ScriptedResponse>();
  const seen = new Map<number, SeenRequest>();
  const server: Server = createServer((req, res) => {
    const headers: Array<[string, string]> = [];
    let index = -1;
    for (let i = 0; i + 1 < req.rawHeaders.length; i += 2) {
      const name = req.rawHeaders[i].toLowerCase();
      if (name === REPLAY_HEADER) index = Number(req.rawHeaders[i + 1]);
      else headers.push([name, req.rawHeaders[i + 1]]);
    }
    req.resume();
    req.on("end", () => {
      if (index >= 0) seen.set(index, { method: req.method ?? "GET", url: req.url ?? "/", headers });
      const s = scripts.get(index) ?? { status: 200, headers: [], body: "", latencyMs: 0 };
      const send = (): void => {
        if (res.destroyed) return;
        const out = s.headers.filter(([k]) => !k.startsWith(":") && !HOP_BY_HOP.has(k.toLowerCase()));
        res.writeHead(s.status, [...out.flat(), "content-length", String(Buffer.byteLength(s.body))]);
        res.end(s.body);
      };
      if (s.latencyMs > 0) setTimeout(send, s.latencyMs).unref();
      else send();
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => resolve());
  });
  return {
    port: (server.address() as AddressInfo).port,
    script: (index, response) => scripts.set(index, response),
    seen: (index) => seen.get(index),
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
