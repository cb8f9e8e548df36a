// An HTTP(S) client for local Envoys (the integration suite, `sluice replay --envoy`): one new
// connection per request (agent: false), so requests spread over Envoy's worker threads (each
// connection lives on one worker), optional client certificate for mTLS, repeated headers kept
// as given, never follows redirects, bounded by a timeout.
import http from "node:http";
import https from "node:https";
import { isIP } from "node:net";

export interface TlsOptions {
  ca: string;
  cert?: string;
  key?: string;
  /** SNI and the name checked against the server certificate. */
  servername?: string;
}

export interface RequestOptions {
  method?: string;
  /** Headers; as pairs, a name may repeat (each pair is one header line). */
  headers?: Record<string, string> | Array<[string, string]>;
  body?: string;
  tls?: TlsOptions;
  timeoutMs?: number;
  /** The request target exactly as sent (the URL's path and query are normalized by URL parsing:
   *  `/a/%2e%2e/b` becomes `/b`). */
  rawPath?: string;
}

export interface HttpResult {
  status: number;
  headers: http.IncomingHttpHeaders;
  /** Every header line as received, in order (names lowercased). */
  rawHeaders: Array<[string, string]>;
  body: string;
}

function pairs(raw: readonly string[]): Array<[string, string]> {
  const out: Array<[string, string]> = [];
  for (let i = 0; i + 1 < raw.length; i += 2) out.push([raw[i].toLowerCase(), raw[i + 1]]);
  return out;
}

/**
 * Node's request headers: pairs become the flat [name, value, ...] form, which keeps repeats and
 * order (Node then adds no Host header of its own, so it is added here unless the pairs have one).
 */
function requestHeaders(headers: RequestOptions["headers"], host: string): http.OutgoingHttpHeaders | string[] {
  if (Array.isArray(headers)) {
    const own = headers.some(([k]) => k.toLowerCase() === "host");
    return [...(own ? [] : ["host", host]), ...headers.flat(), "connection", "close"];
  }
  return { connection: "close", ...(headers ?? {}) };
}

export function request(url: string, options: RequestOptions = {}): Promise<HttpResult> {
  const u = new URL(url);
  const isTls = u.protocol === "https:";
  const common = {
    method: options.method ?? "GET",
    hostname: u.hostname,
    port: u.port === "" ? (isTls ? 443 : 80) : Number(u.port),
    path: options.rawPath ?? `${u.pathname}${u.search}`,
    headers: requestHeaders(options.headers, u.host),
    agent: false as const,
    timeout: options.timeoutMs ?? 10_000,
  };
  return new Promise<HttpResult>((resolve, reject) => {
    const onResponse = (res: http.IncomingMessage): void => {
      const chunks: Buffer[] = [];
      res.on("data", (c: Buffer) => chunks.push(c));
      res.on("end", () =>
        resolve({ status: res.statusCode ?? 0, headers: res.headers, rawHeaders: pairs(res.rawHeaders), body: Buffer.concat(chunks).toString("utf8") }),
      );
      res.on("error", reject);
    };
    const req = isTls
      ? https.request(
          {
            ...common,
            ca: options.tls?.ca,
            cert: options.tls?.cert,
            key: options.tls?.key,
            servername: options.tls?.servername ?? (isIP(u.hostname) === 0 ? u.hostname : undefined),
            // The server certificate names a test host name; the client reaches it as 127.0.0.1.
            checkServerIdentity: () => undefined,
          },
          onResponse,
        )
      : http.request(common, onResponse);
    req.on("timeout", () => req.destroy(new Error(`${common.method} ${url}: no answer within ${common.timeout} ms`)));
    req.on("error", reject);
    if (options.body !== undefined) req.write(options.body);
    req.end();
  });
}

