// The built-in upstream of `sluice dev` (host-sim and --envoy alike): answers with the request it
// saw as JSON ({method, path, headers, body}); "x-echo-status: 503" sets the status,
// "x-echo-delay-ms: 300" delays the answer (at most 10 s).
import { createServer, type IncomingMessage, type Server } from "node:http";

const MAX_BODY = 1 << 20;

/** The request body, or null when it is over 1 MiB. */
export function readBody(req: IncomingMessage): Promise<Buffer | null> {
  return new Promise((done, fail) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on("data", (c: Buffer) => {
      size += c.length;
      if (size <= MAX_BODY) chunks.push(c);
    });
    req.on("end", () => done(size > MAX_BODY ? null : Buffer.concat(chunks)));
    req.on("error", fail);
  });
}

/** The built-in upstream: the request as it arrived, as JSON. */
export function startEcho(): Promise<Server> {
  const server = createServer(async (req, res) => {
    const body = (await readBody(req).catch(() => null)) ?? Buffer.alloc(0);
    const headers: Record<string, string> = {};
    for (let i = 0; i < req.rawHeaders.length; i += 2) {
      const k = req.rawHeaders[i]!.toLowerCase();
      headers[k] = k in headers ? `${headers[k]}, ${req.rawHeaders[i + 1]}` : req.rawHeaders[i + 1]!;
    }
    const status = Number(headers["x-echo-status"] ?? 200);
    const delay = Math.min(Math.max(Number(headers["x-echo-delay-ms"] ?? 0) || 0, 0), 10_000);
    const text = `${JSON.stringify({ method: req.method, path: req.url, headers, body: body.toString("utf8") }, null, 2)}\n`;
    setTimeout(() => {
      res.writeHead(status >= 200 && status <= 599 ? status : 200, { "content-type": "application/json", "x-echo": "sluice" });
      res.end(text);
    }, delay);
  });
  return new Promise((done, fail) => {
    server.once("error", fail);
    server.listen(0, "127.0.0.1", () => done(server));
  });
}
