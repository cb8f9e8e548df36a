// `sluice render istio`: one WasmPlugin or TrafficExtension per filter, the colour routing
// (VirtualService, DestinationRule), and what makes the filters' metrics reach Prometheus with
// labels (cli/render/istio-metrics.ts). Every document passes the CRD checks of istio-schema.ts
// before anything is written.
import { imageOf, PHASES, type FilterEntry, type SluiceConfig } from "../config.js";
import type { TargetRef } from "../deployment.js";
import { CliError } from "../errors.js";
import type { Lock } from "../lock.js";
import { colouring } from "./envoy.js";
import { istioProblems } from "./istio-schema.js";
import { BUNDLE_ID, bundleFailStrategy, bundlePluginConfig } from "../sluice-bundle.js";

/** The Istio extension APIs `render istio --api` writes: WasmPlugin (every Istio), TrafficExtension (Istio >= 1.30). */
export const ISTIO_APIS = ["wasmplugin", "trafficextension"] as const;
export type IstioApi = (typeof ISTIO_APIS)[number];

/** Where a filter's proxies are: its namespace and selector or targetRefs (none: every workload of the namespace). */
export interface Attachment {
  namespace: string;
  selector?: Record<string, string>;
  targetRefs?: TargetRef[];
}

export function attachmentOf(c: SluiceConfig, f: FilterEntry): Attachment {
  const namespace = f.deploy.namespace ?? c.namespace;
  if (f.deploy.target_refs) return { namespace, targetRefs: f.deploy.target_refs };
  const selector = f.deploy.selector ?? c.selector;
  return Object.keys(selector).length > 0 ? { namespace, selector } : { namespace };
}

export const sameProxies = (a: Attachment, b: Attachment): boolean => JSON.stringify(a) === JSON.stringify(b);

const DEFAULT_PHASE: Record<string, FilterEntry["phase"]> = {
  "spiffe-rbac": "AUTHZ", "rate-limit": "AUTHZ", "traffic-colour": "STATS", "circuit-breaker": "STATS",
};
// Istio runs AUTHN, AUTHZ, STATS, then unspecified (just before the router); higher priority first
const PHASE_RANK: Record<string, number> = { AUTHN: 0, AUTHZ: 1, STATS: 2, UNSPECIFIED_PHASE: 3 };

const problem = (c: SluiceConfig, what: string) => new CliError(`${c.file}: ${what}`, 1);

/**
 * Phase and priority of each filter; missing ones are chosen so Istio keeps the chain order. Only
 * filters on the same proxies (same attachment) are ordered by them: given ones that would reorder
 * two of those are an error.
 */
export function placement(c: SluiceConfig): { phase: string; priority: number }[] {
  const n = c.filters.length;
  const placed = c.filters.map((f, i) => ({ phase: f.phase ?? DEFAULT_PHASE[f.id] ?? "UNSPECIFIED_PHASE", priority: f.priority ?? 10 * (n - i) }));
  const attached = c.filters.map((f) => attachmentOf(c, f));
  for (let i = 1; i < n; i++) {
    let j = i - 1;
    while (j >= 0 && !sameProxies(attached[j]!, attached[i]!)) j--;
    if (j < 0) continue;
    const a = placed[j]!;
    const b = placed[i]!;
    const ordered = PHASE_RANK[a.phase]! < PHASE_RANK[b.phase]! || (a.phase === b.phase && a.priority > b.priority);
    if (!ordered) {
      throw problem(c, `filters[${i}] (${c.filters[i]!.id}, ${b.phase}/${b.priority}) would run before filters[${j}] ` +
        `(${c.filters[j]!.id}, ${a.phase}/${a.priority}) in Istio: phases run ${PHASES.slice(1).join(", ")}, then unspecified; higher priority first`);
    }
  }
  return placed;
}

/** The Kubernetes Service the colour routing steers: `service`, else selector.app. */
function routedHost(c: SluiceConfig): string | undefined {
  return c.service ?? c.selector.app;
}

/**
 * traffic-colour sets the header the VirtualService routes on, so it must run before the proxy that
 * routes: on the callers' side (their sidecars, outbound), at a gateway, or at the service's
 * waypoint. On the routed workloads' own sidecars (inbound) the subset was chosen already.
 * Refused: the filter attached to those workloads (the top-level selector, or a selector they
 * match) without `match` limiting it to outbound (CLIENT) traffic.
 */
export function checkColourPlacement(c: SluiceConfig): void {
  const i = c.filters.findIndex((f) => f.id === "traffic-colour");
  if (i < 0 || colouring(c).routed.length === 0) return;
  const f = c.filters[i]!;
  const a = attachmentOf(c, f);
  if (a.targetRefs || a.namespace !== c.namespace) return;
  const selector = a.selector ?? {};
  // a pod of the routed service carries the top-level selector's labels and `version: <subset>`
  const onRoutedPods = Object.entries(selector).every(([k, v]) => c.selector[k] === v || k === "version");
  const inbound = (f.deploy.match ?? [{}]).some((m) => m.mode !== "CLIENT");
  if (!onRoutedPods || !inbound) return;
  const host = routedHost(c) ?? "the routed service";
  const where = Object.keys(selector).length > 0 ? `the sidecars of ${host} (selector ${Object.entries(selector).map(([k, v]) => `${k}=${v}`).join(",")})` : `every workload of namespace ${a.namespace}, ${host} included`;
  throw problem(c, `filters[${i}] (traffic-colour): runs on ${where}, where a request arrives after the caller's proxy chose the subset ` +
    `by ${colouring(c).header}: the colour would come after the routing it feeds. Put it where the routing happens: on the ingress or egress ` +
    `gateway (target_refs: [{kind: Gateway, name: <gateway>}]), on the caller's side (selector: <the callers' labels>, match: [{mode: CLIENT}]), ` +
    `or on ${host}'s waypoint in ambient mode (target_refs: [{kind: Service, name: ${host}}])`);
}

function checked(c: SluiceConfig, at: string, doc: object): object {
  const problems = istioProblems(doc);
  if (problems.length > 0) throw problem(c, `${at}: the ${(doc as { kind: string }).kind} would be rejected: ${problems.join("; ")}`);
  return doc;
}

/** The image of a filter with its pin: sha256 from the filter or the lock, and a pull policy. */
function image(c: SluiceConfig, f: FilterEntry, i: number, lock: Lock | undefined): { url: string; sha256?: string; imagePullPolicy?: string } {
  const url = imageOf(c, f);
  let sha256 = f.deploy.sha256;
  if (lock && url.startsWith("oci://")) {
    const ref = url.slice("oci://".length);
    const digest = lock.images[ref];
    if (digest === undefined) {
      throw new CliError(`${lock.file} has no digest for ${ref} (filters[${i}], ${f.id}): push it with sluice image push <layout> ${ref} --lock ${lock.file}`, 1);
    }
    const hex = digest.slice("sha256:".length);
    if (sha256 !== undefined && sha256 !== hex) throw problem(c, `filters[${i}].sha256: ${sha256} differs from ${lock.file}'s ${digest} for ${ref}`);
    sha256 = hex;
  }
  const imagePullPolicy = f.deploy.image_pull_policy ?? (sha256 !== undefined ? "IfNotPresent" : undefined);
  return { url, ...(sha256 !== undefined ? { sha256 } : {}), ...(imagePullPolicy !== undefined ? { imagePullPolicy } : {}) };
}

/** The fields WasmPlugin has in spec and TrafficExtension in spec.wasm, in the order written:
 *  [before phase/priority, after them]. */
function wasmFields(c: SluiceConfig, f: FilterEntry, i: number, lock: Lock | undefined): [Record<string, unknown>, Record<string, unknown>] {
  const d = f.deploy;
  return [{
    ...image(c, f, i, lock),
    ...(d.image_pull_secret !== undefined ? { imagePullSecret: d.image_pull_secret } : {}),
    pluginName: f.id,
  }, {
    failStrategy: f.fail_strategy,
    ...(d.env ? { vmConfig: { env: d.env.map((e) => ({ name: e.name, ...(e.value !== undefined ? { value: e.value } : {}), ...(e.value_from ? { valueFrom: e.value_from } : {}) })) } } : {}),
    type: "HTTP",
  }];
}

function targeting(a: Attachment): Record<string, unknown> {
  if (a.targetRefs) return { targetRefs: a.targetRefs.map((r) => ({ kind: r.kind, group: r.group, name: r.name })) };
  return a.selector ? { selector: { matchLabels: a.selector } } : {};
}

function matchOf(f: FilterEntry): Record<string, unknown> {
  const m = f.deploy.match;
  if (!m) return {};
  return { match: m.map((t) => ({ ...(t.mode ? { mode: t.mode } : {}), ...(t.ports ? { ports: t.ports.map((number) => ({ number })) } : {}) })) };
}

/** The WasmPlugin or TrafficExtension of filter entry `f` (the i-th), named sluice-<id>. */
function extension(c: SluiceConfig, api: IstioApi, f: FilterEntry, i: number, a: Attachment, placed: { phase: string; priority: number },
  pluginConfig: unknown, lock: Lock | undefined): object {
  const metadata = { name: (f.id as string) === BUNDLE_ID ? BUNDLE_ID : `sluice-${f.id}`, namespace: a.namespace };
  const { phase, priority } = placed;
  const [before, after] = wasmFields(c, f, i, lock);
  const doc = api === "wasmplugin"
    ? {
      apiVersion: "extensions.istio.io/v1alpha1", kind: "WasmPlugin", metadata,
      spec: { ...targeting(a), ...before, phase, priority, ...after, ...matchOf(f), pluginConfig },
    }
    : {
      apiVersion: "extensions.istio.io/v1alpha1", kind: "TrafficExtension", metadata,
      spec: { ...targeting(a), ...(phase !== "UNSPECIFIED_PHASE" ? { phase } : {}), priority, ...matchOf(f), wasm: { ...before, ...after, pluginConfig } },
    };
  return checked(c, `filters[${i}] (${f.id})`, doc);
}

/** One WasmPlugin or TrafficExtension per filter, named sluice-<id>. */
export function extensions(c: SluiceConfig, api: IstioApi, lock?: Lock): object[] {
  const placed = placement(c);
  checkColourPlacement(c);
  return c.filters.map((f, i) => extension(c, api, f, i, attachmentOf(c, f), placed[i]!, f.config, lock));
}

/**
 * The chain as one extension named sluice, running the bundle (image <registry>/sluice:<version>,
 * pluginName sluice, the filters list as pluginConfig) at the phase and priority of the earliest
 * filter, failing as the strictest filter asks (bundleFailStrategy). One extension runs on one set
 * of proxies: every filter must be attached to the same ones, with the same match, and the
 * settings of one module (image, sha256, pull policy and secret, vmConfig) are the first filter's.
 */
export function bundleExtension(c: SluiceConfig, api: IstioApi, lock?: Lock): object {
  const placed = placement(c);
  checkColourPlacement(c);
  const first = c.filters[0]!;
  const a = attachmentOf(c, first);
  for (const [i, f] of c.filters.entries()) {
    if (!sameProxies(attachmentOf(c, f), a) || JSON.stringify(f.deploy.match ?? null) !== JSON.stringify(first.deploy.match ?? null)) {
      throw problem(c, `filters[${i}] (${f.id}) runs on other proxies than filters[0] (${first.id}) (namespace, selector, target_refs or match): ` +
        "one bundle runs on one set of proxies; render the chain without --bundle, or give every filter the same attachment");
    }
    if (f.image !== undefined || f.deploy.sha256 !== undefined) {
      throw problem(c, `filters[${i}].${f.image !== undefined ? "image" : "sha256"}: names one filter's module; the bundle's image is ${c.registry}/${BUNDLE_ID} (pinned with --lock)`);
    }
  }
  const entry: FilterEntry = { ...first, id: BUNDLE_ID as FilterEntry["id"], fail_strategy: bundleFailStrategy(c) };
  return extension(c, api, entry, 0, a, placed[0]!, bundlePluginConfig(c), lock);
}

/**
 * Istio routing for the colour header: a VirtualService sending each colour to the subset of the
 * upstream named like it (the rest to default_upstream's subset) and a DestinationRule with one
 * subset per such upstream, selected by the pod label `version: <upstream>`. Empty when the chain
 * has no traffic-colour or no upstream is named like a colour.
 */
export function istioRouting(c: SluiceConfig): object[] {
  const { header, routed } = colouring(c);
  if (!c.filters.some((f) => f.id === "traffic-colour") || routed.length === 0) return [];
  const host = routedHost(c);
  if (host === undefined) throw problem(c, "service: is required for the colour routing (the Kubernetes Service to route), or set selector.app");
  const name = `sluice-${host.split(".")[0]}`;
  const metadata = { name, namespace: c.namespace };
  const subsets = [...routed, c.default_upstream].sort();
  return [
    checked(c, "service", {
      apiVersion: "networking.istio.io/v1",
      kind: "VirtualService",
      metadata,
      spec: {
        hosts: [host],
        http: [
          ...routed.map((u) => ({
            name: `colour-${u}`,
            match: [{ headers: { [header]: { exact: u } } }],
            route: [{ destination: { host, subset: u } }],
          })),
          { name: "default", route: [{ destination: { host, subset: c.default_upstream } }] },
        ],
      },
    }),
    checked(c, "service", {
      apiVersion: "networking.istio.io/v1",
      kind: "DestinationRule",
      metadata,
      spec: { host, subsets: subsets.map((u) => ({ name: u, labels: { version: u } })) },
    }),
  ];
}
