// An echo upstream in Node, for the local-process backend: answers every request with a JSON echo
// of it in the shape of mendhak/http-https-echo (the container backend's upstream), so tests read
// both the same way (upstream.ts parseEcho). It fails and delays on demand:
// `x-set-response-status-code: 503` (header or query parameter) sets the status and
// `x-set-response-delay-ms: 500` delays the answer (at most 30 s). `hostname` is the name the
// bootstrap gave the upstream (api-stable, upstream-v2, ...), so a response tells which one answered
// (in the body, and in the `x-echo-upstream` response header).
// It also reports every value of every header in arrival order (`header_values`), which a Node
// `headers` object would join or drop.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

export const MAX_DELAY_MS = 30_000;
/** Response header naming the upstream that answered (a HEAD answer has no body to tell). */
export const ECHO_HEADER = "x-echo-upstream";

export interface EchoServer {
  name: string;
  port: number;
  /** Requests answered so far. */
  requests(): number;
  stop(): Promise<void>;
}

function firstValue(req: IncomingMessage, query: URLSearchParams, name: string): string | undefined {
  const h = req.headers[name];
  if (typeof h === "string") return h;
  return query.get(name) ?? undefined;
}

/** What the echo answers for one request (exported for its unit test). */
export function echoBody(name: string, req: IncomingMessage, body: string): Record<string, unknown> {
  const url = req.url ?? "/";
  const q = url.indexOf("?");
  const headerValues: Array<[string, string]> = [];
  for (let i = 0; i + 1 < req.rawHeaders.length; i += 2) headerValues.push([req.rawHeaders[i].toLowerCase(), req.rawHeaders[i + 1]]);
  return {
    path: q < 0 ? url : url.slice(0, q),
    url,
    method: req.method,
    headers: req.headers,
    header_values: headerValues,
    body,
    os: { hostname: name },
  };
}

function answer(name: string, req: IncomingMessage, res: ServerResponse, body: string): void {
  const url = new URL(req.url ?? "/", "http://echo");
  const status = Number(firstValue(req, url.searchParams, "x-set-response-status-code") ?? "200");
  const delay = Math.min(MAX_DELAY_MS, Math.max(0, Number(firstValue(req, url.searchParams, "x-set-response-delay-ms") ?? "0") || 0));
  const payload = JSON.stringify(echoBody(name, req, body));
  const send = (): void => {
    if (res.destroyed) return;
    res.writeHead(Number.isInteger(status) && status >= 200 && status <= 599 ? status : 200, {
      "content-type": "application/json; charset=utf-8",
      [ECHO_HEADER]: name,
      "content-length": Buffer.byteLength(payload),
    });
    res.end(payload);
  };
  if (delay > 0) setTimeout(send, delay).unref();
  else send();
}

/** Starts an echo upstream on 127.0.0.1 on a port the system picks. */
export async function startEchoServer(name: string): Promise<EchoServer> {
  let count = 0;
  const server: Server = createServer((req, res) => {
    count++;
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => {
      if (chunks.length < 1024) chunks.push(c);
    });
    req.on("end", () => answer(name, req, res, Buffer.concat(chunks).toString("utf8")));
  });
  server.keepAliveTimeout = 60_000;
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  return {
    name,
    port,
    requests: () => count,
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
