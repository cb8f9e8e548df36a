// One line of `sluice replay` input (cli/README.md, "replay: the JSON Lines format"), checked.

type Headers = [string, string][] | Record<string, string>;

export interface InputLine {
  at_ms?: number;
  worker?: number;
  request?: { headers?: Headers; body?: string; trailers?: Headers };
  properties?: Record<string, string | number | boolean>;
  response?: { headers?: Headers; body?: string; trailers?: Headers; latency_ms?: number };
}

const INPUT_KEYS = ["at_ms", "worker", "request", "properties", "response"];

function checkHeaders(v: unknown, where: string): void {
  if (v === undefined) return;
  if (Array.isArray(v)) {
    if (v.every((p) => Array.isArray(p) && p.length === 2 && typeof p[0] === "string" && typeof p[1] === "string")) return;
  } else if (v !== null && typeof v === "object" && Object.values(v).every((x) => typeof x === "string")) return;
  throw new Error(`${where} must be [[name, value], ...] or {name: value} with string values`);
}

export function parseLine(text: string, workers: number): InputLine {
  const v = JSON.parse(text) as InputLine;
  if (v === null || typeof v !== "object" || Array.isArray(v)) throw new Error("a line must be a JSON object");
  for (const k of Object.keys(v)) if (!INPUT_KEYS.includes(k)) throw new Error(`unknown key "${k}" (known: ${INPUT_KEYS.join(", ")})`);
  if (v.at_ms !== undefined && (typeof v.at_ms !== "number" || !(v.at_ms >= 0))) throw new Error("at_ms must be a number >= 0");
  if (v.worker !== undefined && (!Number.isInteger(v.worker) || v.worker < 0 || v.worker >= workers)) {
    throw new Error(`worker must be an integer from 0 to ${workers - 1}`);
  }
  checkHeaders(v.request?.headers, "request.headers");
  checkHeaders(v.request?.trailers, "request.trailers");
  checkHeaders(v.response?.headers, "response.headers");
  checkHeaders(v.response?.trailers, "response.trailers");
  return v;
}
