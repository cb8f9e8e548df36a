// Where and how one filter is deployed on Istio: the per-filter keys of sluice.yaml besides the
// filter's own config. Parsed here and kept on FilterEntry.deploy; rendered by cli/render/istio.ts
// into WasmPlugin / TrafficExtension fields.
//
//   filters:
//     - id: traffic-colour
//       namespace: istio-ingress               # default: the top-level namespace
//       target_refs:                           # or selector: { app: web } (default: the top-level selector)
//         - { kind: Gateway, name: ingress }   # Gateway | GatewayClass | Service (ambient waypoint) | ServiceEntry
//       match: [{ mode: CLIENT, ports: [8080] }]
//       image_pull_policy: IfNotPresent        # IfNotPresent | Always
//       image_pull_secret: registry-credentials
//       sha256: <64 hex>                       # usually from sluice.lock (sluice render --lock)
//       env: [{ name: POD_NAME, value_from: HOST }, { name: ZONE, value: eu-1 }]

export const TARGET_KINDS = { Gateway: "gateway.networking.k8s.io", GatewayClass: "gateway.networking.k8s.io", Service: "", ServiceEntry: "networking.istio.io" } as const;
export type TargetKind = keyof typeof TARGET_KINDS;
export const MATCH_MODES = ["CLIENT", "SERVER", "CLIENT_AND_SERVER"] as const;
export const PULL_POLICIES = ["IfNotPresent", "Always"] as const;

export interface TargetRef {
  kind: TargetKind;
  /** gateway.networking.k8s.io for Gateway(Class), "" (core) for Service, networking.istio.io for ServiceEntry. */
  group: string;
  name: string;
}

export interface EnvVar {
  name: string;
  value?: string;
  /** HOST: the value of the proxy's own environment variable of that name. */
  value_from?: "INLINE" | "HOST";
}

export interface TrafficMatch {
  mode?: (typeof MATCH_MODES)[number];
  ports?: number[];
}

export interface Deployment {
  namespace?: string;
  selector?: Record<string, string>;
  target_refs?: TargetRef[];
  match?: TrafficMatch[];
  image_pull_policy?: (typeof PULL_POLICIES)[number];
  image_pull_secret?: string;
  sha256?: string;
  env?: EnvVar[];
}

/** The per-filter keys this file reads (config.ts adds them to the keys a filter entry may have). */
export const DEPLOYMENT_KEYS = ["namespace", "selector", "target_refs", "match", "image_pull_policy", "image_pull_secret", "sha256", "env"];

type Bad = (path: string, what: string) => never;

const isObject = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === "object" && !Array.isArray(v);
const DNS_LABEL = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;

function string(v: unknown, path: string, bad: Bad, max: number): string {
  if (typeof v !== "string" || v === "") bad(path, "must be a non-empty string");
  if ((v as string).length > max) bad(path, `must have at most ${max} characters`);
  return v as string;
}

function list(v: unknown, path: string, bad: Bad, max: number): unknown[] {
  if (!Array.isArray(v) || v.length === 0) bad(path, "must be a non-empty list");
  if ((v as unknown[]).length > max) bad(path, `must have at most ${max} items`);
  return v as unknown[];
}

function keysOf(v: unknown, path: string, bad: Bad, known: string[]): Record<string, unknown> {
  if (!isObject(v)) bad(path, `must be a mapping (keys: ${known.join(", ")})`);
  for (const k of Object.keys(v as object)) if (!known.includes(k)) bad(`${path}.${k}`, `unknown key (known: ${known.join(", ")})`);
  return v as Record<string, unknown>;
}

/** A label selector (label: value), as the top-level selector and a filter's selector are written. */
function labels(v: unknown, path: string, bad: Bad): Record<string, string> {
  if (!isObject(v)) bad(path, "must be a mapping of label: value");
  const out: Record<string, string> = {};
  for (const [k, value] of Object.entries(v as object)) {
    if (typeof value !== "string" && typeof value !== "number") bad(`${path}.${k}`, "must be a string");
    if (k.includes("*") || String(value).includes("*")) bad(`${path}.${k}`, "must not contain a wildcard");
    out[k] = String(value);
  }
  return out;
}

function targetRef(v: unknown, path: string, bad: Bad): TargetRef {
  const r = keysOf(v, path, bad, ["kind", "name", "group"]);
  if (!Object.keys(TARGET_KINDS).includes(r.kind as string)) bad(`${path}.kind`, `must be one of ${Object.keys(TARGET_KINDS).join(", ")}`);
  const kind = r.kind as TargetKind;
  const name = string(r.name, `${path}.name`, bad, 253);
  const group = r.group === undefined ? TARGET_KINDS[kind] : r.group;
  const accepted = kind === "Service" ? ["", "core"] : [TARGET_KINDS[kind]];
  if (!accepted.includes(group as string)) bad(`${path}.group`, `must be ${accepted.map((g) => JSON.stringify(g)).join(" or ")} for kind ${kind}`);
  return { kind, group: group as string, name };
}

function envVar(v: unknown, path: string, bad: Bad): EnvVar {
  const e = keysOf(v, path, bad, ["name", "value", "value_from"]);
  const out: EnvVar = { name: string(e.name, `${path}.name`, bad, 256) };
  if (e.value_from !== undefined) {
    if (e.value_from !== "INLINE" && e.value_from !== "HOST") bad(`${path}.value_from`, "must be INLINE or HOST");
    out.value_from = e.value_from as "INLINE" | "HOST";
  }
  if (e.value !== undefined) {
    if (out.value_from === "HOST") bad(`${path}.value`, "must not be set with value_from: HOST (the value is the proxy's own variable)");
    if (typeof e.value !== "string") bad(`${path}.value`, "must be a string");
    if ((e.value as string).length > 2048) bad(`${path}.value`, "must have at most 2048 characters");
    out.value = e.value as string;
  }
  return out;
}

function trafficMatch(v: unknown, path: string, bad: Bad): TrafficMatch {
  const m = keysOf(v, path, bad, ["mode", "ports"]);
  const out: TrafficMatch = {};
  if (m.mode !== undefined) {
    if (!(MATCH_MODES as readonly unknown[]).includes(m.mode)) bad(`${path}.mode`, `must be one of ${MATCH_MODES.join(", ")}`);
    out.mode = m.mode as TrafficMatch["mode"];
  }
  if (m.ports !== undefined) {
    const ports = list(m.ports, `${path}.ports`, bad, 256);
    ports.forEach((p, i) => {
      if (!Number.isInteger(p) || (p as number) < 1 || (p as number) > 65535) bad(`${path}.ports[${i}]`, "must be an integer from 1 to 65535");
      if (ports.indexOf(p) !== i) bad(`${path}.ports[${i}]`, `port ${p} is listed twice`);
    });
    out.ports = ports as number[];
  }
  return out;
}

/** The deployment keys of one filter entry (`at` is its path, e.g. `filters[2]`). */
export function deploymentOf(e: Record<string, unknown>, at: string, bad: Bad): Deployment {
  const d: Deployment = {};
  if (e.namespace !== undefined) {
    d.namespace = string(e.namespace, `${at}.namespace`, bad, 63);
    if (!DNS_LABEL.test(d.namespace)) bad(`${at}.namespace`, "must be a Kubernetes namespace name (lowercase letters, digits and -)");
  }
  if (e.selector !== undefined && e.target_refs !== undefined) bad(at, "selector and target_refs exclude each other (Istio accepts one of them)");
  if (e.selector !== undefined) d.selector = labels(e.selector, `${at}.selector`, bad);
  if (e.target_refs !== undefined) {
    const refs = list(e.target_refs, `${at}.target_refs`, bad, 16).map((r, i) => targetRef(r, `${at}.target_refs[${i}]`, bad));
    if (refs.some((r) => r.kind === "Service") && refs.some((r) => r.kind !== "Service")) {
      bad(`${at}.target_refs`, "must not mix kind Service (ambient waypoints) with gateways: use one filter entry per kind of proxy");
    }
    d.target_refs = refs;
  }
  if (e.match !== undefined) d.match = list(e.match, `${at}.match`, bad, 64).map((m, i) => trafficMatch(m, `${at}.match[${i}]`, bad));
  if (e.image_pull_policy !== undefined) {
    if (!(PULL_POLICIES as readonly unknown[]).includes(e.image_pull_policy)) bad(`${at}.image_pull_policy`, `must be one of ${PULL_POLICIES.join(", ")}`);
    d.image_pull_policy = e.image_pull_policy as Deployment["image_pull_policy"];
  }
  if (e.image_pull_secret !== undefined) d.image_pull_secret = string(e.image_pull_secret, `${at}.image_pull_secret`, bad, 253);
  if (e.sha256 !== undefined) {
    if (typeof e.sha256 !== "string" || !/^[a-f0-9]{64}$/.test(e.sha256)) bad(`${at}.sha256`, "must be 64 lowercase hex digits (the manifest digest without sha256:)");
    d.sha256 = e.sha256 as string;
  }
  if (e.env !== undefined) {
    const env = list(e.env, `${at}.env`, bad, 256).map((v, i) => envVar(v, `${at}.env[${i}]`, bad));
    env.forEach((v, i) => {
      if (env.findIndex((w) => w.name === v.name) !== i) bad(`${at}.env[${i}].name`, `${v.name} is listed twice`);
    });
    d.env = env;
  }
  return d;
}
