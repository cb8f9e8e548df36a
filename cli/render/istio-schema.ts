// What the Istio API server would reject in the documents `sluice render istio` writes, checked
// before anything is written: the CRDs' OpenAPI schemas (as JSON Schema, through ajv) and their CEL
// rules (x-kubernetes-validations), for the fields Sluice renders. Written from Istio's CRDs
// (istio/api `kubernetes/customresourcedefinitions.gen.yaml`: WasmPlugin and EnvoyFilter as of
// Istio 1.29, TrafficExtension as of 1.30, VirtualService and DestinationRule networking/v1).
// Unknown fields are refused too (the API server would silently prune them, so a typo here would
// deploy a plugin without the setting).
//
// No npm package carries these CRDs for Node 20: @kubernetes-models/istio 3.x requires Node 22 and
// 2.x predates FAIL_RELOAD and targetRefs.
import { Ajv, type ErrorObject, type ValidateFunction } from "ajv";

type Schema = Record<string, unknown>;

const str = (min = 0, max?: number, extra: Schema = {}): Schema => ({ type: "string", ...(min > 0 ? { minLength: min } : {}), ...(max ? { maxLength: max } : {}), ...extra });
const oneOf = (...values: string[]): Schema => ({ type: "string", enum: values });
const object = (properties: Record<string, Schema>, required: string[] = []): Schema => ({
  type: "object", properties, additionalProperties: false, ...(required.length > 0 ? { required } : {}),
});
const array = (items: Schema, max?: number): Schema => ({ type: "array", items, ...(max ? { maxItems: max } : {}) });
const labelMap = (valueMax?: number): Schema => ({ type: "object", additionalProperties: str(0, valueMax), propertyNames: { minLength: 1, not: { pattern: "\\*" } } });

const metadata = object({ name: str(1, 253, { pattern: "^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$" }), namespace: str(1, 63, { pattern: "^[a-z0-9]([-a-z0-9]*[a-z0-9])?$" }) }, ["name"]);
const selector = object({ matchLabels: { ...labelMap(63), maxProperties: 4096 } });
const targetRefs = array(object({
  group: str(0, 253, { pattern: "^$|^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$" }),
  kind: str(1, 63, { pattern: "^[a-zA-Z]([-a-zA-Z0-9]*[a-zA-Z0-9])?$" }),
  name: str(1, 253),
  namespace: str(0, 0), // CEL: cross namespace referencing is not currently supported
}, ["kind", "name"]), 16);
const match = array(object({
  mode: oneOf("UNDEFINED", "CLIENT", "SERVER", "CLIENT_AND_SERVER"),
  ports: array(object({ number: { type: "integer", minimum: 1, maximum: 65535 } }, ["number"])),
}));
const phase = oneOf("UNSPECIFIED_PHASE", "AUTHN", "AUTHZ", "STATS");
const priority = { type: "integer", minimum: -2147483648, maximum: 2147483647 };
const wasmFields: Record<string, Schema> = {
  url: str(1),
  sha256: str(0, undefined, { pattern: "(^$|^[a-f0-9]{64}$)" }),
  imagePullPolicy: oneOf("UNSPECIFIED_POLICY", "IfNotPresent", "Always"),
  imagePullSecret: str(1, 253),
  pluginConfig: { type: "object" },
  pluginName: str(1, 256),
  failStrategy: oneOf("FAIL_CLOSE", "FAIL_OPEN", "FAIL_RELOAD"),
  vmConfig: object({ env: array(object({ name: str(1, 256), value: str(0, 2048), valueFrom: oneOf("INLINE", "HOST") }, ["name"]), 256) }),
  type: oneOf("UNSPECIFIED_PLUGIN_TYPE", "HTTP", "NETWORK"),
};
const resource = (apiVersion: string, kind: string, spec: Schema): Schema =>
  object({ apiVersion: { const: apiVersion }, kind: { const: kind }, metadata, spec }, ["apiVersion", "kind", "metadata", "spec"]);

const SCHEMAS: Record<string, Schema> = {
  WasmPlugin: resource("extensions.istio.io/v1alpha1", "WasmPlugin", object({ selector, targetRefs, phase, priority, match, ...wasmFields }, ["url"])),
  TrafficExtension: resource("extensions.istio.io/v1alpha1", "TrafficExtension", object({
    selector, targetRefs, phase, priority, match,
    wasm: object(wasmFields, ["url"]),
    lua: object({ inlineCode: str(1, 65536) }, ["inlineCode"]),
  })),
  VirtualService: resource("networking.istio.io/v1", "VirtualService", object({
    hosts: array(str(1)),
    gateways: array(str(1)),
    http: array(object({
      name: str(1),
      match: array(object({ headers: { type: "object", additionalProperties: object({ exact: str() }) } })),
      route: array(object({ destination: object({ host: str(1), subset: str(1) }, ["host"]) }, ["destination"])),
    })),
  })),
  DestinationRule: resource("networking.istio.io/v1", "DestinationRule", object({
    host: str(1),
    subsets: array(object({ name: str(1), labels: labelMap() }, ["name"])),
  }, ["host"])),
  EnvoyFilter: resource("networking.istio.io/v1alpha3", "EnvoyFilter", object({
    workloadSelector: object({ labels: { ...labelMap(63), maxProperties: 256 } }),
    targetRefs,
    configPatches: array(object({
      applyTo: oneOf("INVALID", "LISTENER", "FILTER_CHAIN", "NETWORK_FILTER", "HTTP_FILTER", "ROUTE_CONFIGURATION", "VIRTUAL_HOST", "HTTP_ROUTE", "CLUSTER", "EXTENSION_CONFIG", "BOOTSTRAP", "LISTENER_FILTER"),
      match: object({ context: oneOf("ANY", "SIDECAR_INBOUND", "SIDECAR_OUTBOUND", "GATEWAY", "WAYPOINT") }),
      patch: object({ operation: oneOf("INVALID", "MERGE", "ADD", "REMOVE", "INSERT_BEFORE", "INSERT_AFTER", "INSERT_FIRST", "REPLACE"), value: { type: "object" } }, ["operation"]),
    }, ["applyTo", "patch"])),
  })),
};

const ajv = new Ajv({ allErrors: true, strict: true, verbose: true });
const validators = new Map<string, ValidateFunction>(Object.entries(SCHEMAS).map(([kind, schema]) => [kind, ajv.compile(schema)]));

/** `/spec/vmConfig/env/0/value` → `spec.vmConfig.env[0].value` */
function path(pointer: string, key?: string): string {
  const parts = pointer.split("/").slice(1).concat(key === undefined ? [] : [key]);
  return parts.map((p, i) => (/^\d+$/.test(p) ? `[${p}]` : `${i === 0 ? "" : "."}${p}`)).join("") || "$";
}

function message(e: ErrorObject): string {
  switch (e.keyword) {
    case "additionalProperties": return `${path(e.instancePath, (e.params as { additionalProperty: string }).additionalProperty)}: unknown field`;
    case "required": return `${path(e.instancePath, (e.params as { missingProperty: string }).missingProperty)}: is required`;
    case "enum": return `${path(e.instancePath)}: must be one of ${(e.params as { allowedValues: unknown[] }).allowedValues.join(", ")}, got ${JSON.stringify(e.data)}`;
    default: return `${path(e.instancePath)}: ${e.message}, got ${JSON.stringify(e.data)}`;
  }
}

const URL_SCHEMES = ["oci", "http", "https", "file"];

/** The CEL rules of the WasmPlugin / TrafficExtension CRDs. */
function celProblems(kind: string, spec: Record<string, unknown>): string[] {
  const problems: string[] = [];
  const wasm = (kind === "TrafficExtension" ? spec.wasm : spec) as Record<string, unknown> | undefined;
  const at = kind === "TrafficExtension" ? "spec.wasm" : "spec";
  if (typeof wasm?.url === "string") {
    const m = /^([^:/?#]*):\/\//.exec(wasm.url);
    if (m && !URL_SCHEMES.includes(m[1]!)) problems.push(`${at}.url: scheme "${m[1]}" is not one of ${URL_SCHEMES.join(", ")}`);
  }
  if (spec.selector !== undefined && spec.targetRefs !== undefined) problems.push("spec: only one of targetRefs or selector can be set");
  if (kind === "TrafficExtension" && (spec.wasm === undefined) === (spec.lua === undefined)) problems.push("spec: exactly one of wasm or lua must be set");
  const env = (wasm?.vmConfig as { env?: unknown } | undefined)?.env;
  if (Array.isArray(env)) {
    env.forEach((e: { valueFrom?: unknown; value?: unknown; name?: unknown }, i) => {
      if (e?.valueFrom === "HOST" && e.value !== undefined) problems.push(`${at}.vmConfig.env[${i}].value: may only be set when valueFrom is INLINE`);
      if (env.findIndex((o: { name?: unknown }) => o?.name === e?.name) !== i) problems.push(`${at}.vmConfig.env[${i}].name: duplicate name ${JSON.stringify(e?.name)}`);
    });
  }
  return problems;
}

/** Why the API server would reject `doc` (empty when it would accept it), one line per problem. */
export function istioProblems(doc: unknown): string[] {
  const kind = (doc as { kind?: unknown } | null)?.kind;
  const validate = typeof kind === "string" ? validators.get(kind) : undefined;
  if (!validate) return [`kind: must be one of ${[...validators.keys()].join(", ")}, got ${JSON.stringify(kind)}`];
  const problems = validate(doc) ? [] : (validate.errors ?? []).map(message);
  const spec = (doc as { spec?: unknown }).spec;
  if (spec !== null && typeof spec === "object") problems.push(...celProblems(kind as string, spec as Record<string, unknown>));
  return [...new Set(problems)];
}
