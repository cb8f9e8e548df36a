// istio-authz: Istio AuthorizationPolicy YAML (one or many documents, or a List) → spiffe-rbac.
//
// Istio (security.istio.io AuthorizationPolicy reference, Authorization Policy Conditions): a
// workload's CUSTOM, then DENY, then ALLOW policies; a request is denied when a DENY policy
// matches, and when ALLOW policies exist and none matches. A policy matches when one of its
// rules does; a rule when one `from` source, one `to` operation and every `when` condition match
// (absent lists match everything); within a source or an operation every field must match, a
// list by one of its values, a not-list by none. An ALLOW policy without rules matches nothing
// (allow-nothing); a rule `{}` matches everything. Principals are `<trust domain>/ns/<ns>/sa/<sa>`
// (the SPIFFE ID without `spiffe://`) matched exactly, by prefix (`x*`), by suffix (`*x`) or by
// presence (`*`). The `istio.io/dry-run: "true"` annotation evaluates a policy without enforcing it.
import type { Imported } from "./emit.js";
import type { Kind } from "./kind.js";
import { count, type Report } from "./report.js";
import { nameFrom } from "./resource.js";
import type { Value } from "./source.js";

const SOURCE_FIELDS: Record<string, string> = {
  principals: "principals", notPrincipals: "not_principals", namespaces: "namespaces", notNamespaces: "not_namespaces",
  serviceAccounts: "service_accounts", notServiceAccounts: "not_service_accounts",
};
const NO_SOURCE_EQUIVALENT: Record<string, string> = {
  requestPrincipals: "a JWT's issuer/subject (RequestAuthentication): spiffe-rbac authorizes the peer's SPIFFE ID only",
  notRequestPrincipals: "a JWT's issuer/subject (RequestAuthentication): spiffe-rbac authorizes the peer's SPIFFE ID only",
  ipBlocks: "spiffe-rbac does not match IP addresses", notIpBlocks: "spiffe-rbac does not match IP addresses",
  remoteIpBlocks: "spiffe-rbac does not match IP addresses", notRemoteIpBlocks: "spiffe-rbac does not match IP addresses",
};
const OPERATION_FIELDS: Record<string, string> = {
  methods: "methods", notMethods: "not_methods", paths: "paths", notPaths: "not_paths",
  hosts: "hosts", notHosts: "not_hosts", ports: "ports", notPorts: "not_ports",
};
const SPIFFE_SEGMENT = /^[A-Za-z0-9._-]+$/;
const TRUST_DOMAIN = /^[a-z0-9._-]+$/;

type Fields = Record<string, unknown[] | boolean>;

interface Context {
  report: Report;
  /** Notes of the policy being built (its comment). */
  notes: string[];
  what: string;
}

/** A SPIFFE path segment with at most one `*`. */
const segmentGlob = (s: string) => SPIFFE_SEGMENT.test(s.replace("*", "x")) && (s.match(/\*/g) ?? []).length <= 1 && s !== "." && s !== "..";

/** An Istio principal as spiffe-rbac patterns, or a reason it has none. */
export function principalPatterns(p: string): string[] | string {
  if (p === "*") return ["spiffe://*", "spiffe://*/**"];
  const stars = (p.match(/\*/g) ?? []).length;
  const validPath = (segments: string[]) => segments.every((s) => s === "**" || segmentGlob(s));
  const split = (id: string) => {
    const slash = id.indexOf("/");
    return slash < 0 ? { td: id, segments: [] as string[] } : { td: id.slice(0, slash), segments: id.slice(slash + 1).split("/") };
  };
  if (stars === 0) {
    const { td, segments } = split(p);
    if (!TRUST_DOMAIN.test(td) || !segments.every((s) => SPIFFE_SEGMENT.test(s) && s !== "." && s !== "..")) return "is not a SPIFFE ID without its scheme, so no workload has it";
    return [`spiffe://${p}`];
  }
  if (stars === 1 && p.endsWith("*")) {
    const prefix = p.slice(0, -1);
    const slash = prefix.indexOf("/");
    if (slash < 0) return "matches part of a trust domain; spiffe-rbac's trust domains are exact or *";
    const { td, segments } = split(prefix);
    if (!TRUST_DOMAIN.test(td)) return "has no valid trust domain";
    const last = segments[segments.length - 1]!;
    if (last === "") {
      // "td/ns/x/" + anything: one or more further segments
      if (!validPath(segments.slice(0, -1))) return "is not a SPIFFE ID prefix";
      return [`spiffe://${prefix}**`];
    }
    // "td/ns/x/sa/api-" + anything: the rest of that segment, then possibly more segments
    if (!validPath([...segments.slice(0, -1), `${last}*`])) return "is not a SPIFFE ID prefix";
    return [`spiffe://${prefix}*`, `spiffe://${prefix}*/**`];
  }
  if (stars === 1 && p.startsWith("*/")) {
    const segments = p.slice(2).split("/");
    if (!validPath(segments)) return "is not a SPIFFE ID suffix";
    return [`spiffe://*/${p.slice(2)}`];
  }
  return "matches inside a path segment or a trust domain, which spiffe-rbac patterns cannot say (a trust domain is exact or *, a segment glob is one segment)";
}

/** An Istio namespace or service-account part as a segment glob, or undefined. */
function segmentOf(value: string): string | undefined {
  return segmentGlob(value) && (!value.includes("*") || value.startsWith("*") || value.endsWith("*")) ? value : undefined;
}

/** A list field of strings, or undefined (reported). */
function strings(v: Value, what: string, c: Context): string[] | undefined {
  const items = v.items();
  if (!v.isList || items.some((i) => i.str() === undefined && i.num() === undefined)) {
    c.report.refuse(v, `${what} ${v.shown}`, "expected a list of strings");
    return undefined;
  }
  return items.map((i) => String(i.js));
}

/** Values of an identity field (principals, namespaces, service accounts) in spiffe-rbac's terms. */
function identityValues(field: "principals" | "namespaces" | "service_accounts", values: string[], at: Value, c: Context): string[] | undefined {
  const out: string[] = [];
  for (const value of values) {
    if (field === "principals") {
      const patterns = principalPatterns(value);
      if (typeof patterns === "string") {
        c.report.refuse(at, `${c.what}: principal "${value}"`, patterns);
        return undefined;
      }
      out.push(...patterns);
      if (value.startsWith("*/")) c.notes.push(`principal "${value}" is ${patterns[0]}: any trust domain, then exactly this path (Istio's suffix match would also take more segments before it; Istio identities have none)`);
      else if (patterns.length !== 1 || patterns[0] !== `spiffe://${value}`) c.notes.push(`principal "${value}" is ${patterns.join(" or ")}`);
    } else if (field === "namespaces") {
      const glob = segmentOf(value);
      if (glob === undefined) {
        c.report.refuse(at, `${c.what}: namespace "${value}"`, "is not a namespace, a prefix*, a *suffix or *");
        return undefined;
      }
      out.push(glob);
    } else {
      const [ns, sa, extra] = value.split("/");
      if (extra !== undefined || sa === undefined || segmentOf(ns!) === undefined || segmentOf(sa) === undefined) {
        c.report.refuse(at, `${c.what}: service account "${value}"`, `is not "<namespace>/<service account>"`);
        return undefined;
      }
      out.push(value);
    }
  }
  return out;
}

/** One `from[].source` as spiffe-rbac Source fields, or undefined (reported). */
function source(src: Value, c: Context): Fields | undefined {
  const out: Fields = {};
  let ok = true;
  for (const { key, at } of src.keys()) {
    const v = src.get(key)!;
    if (NO_SOURCE_EQUIVALENT[key]) {
      c.report.refuse(at, `${c.what}: from.source.${key}`, NO_SOURCE_EQUIVALENT[key]!);
      ok = false;
      continue;
    }
    const target = SOURCE_FIELDS[key];
    if (!target) {
      c.report.refuse(at, `${c.what}: from.source.${key}`, "not an AuthorizationPolicy source field sluice knows");
      ok = false;
      continue;
    }
    const values = strings(v, `${c.what}: from.source.${key}`, c);
    const mapped = values && identityValues(target.replace(/^not_/, "") as "principals" | "namespaces" | "service_accounts", values, v, c);
    if (mapped === undefined) ok = false;
    else out[target] = mapped;
  }
  return ok ? out : undefined;
}

/** One `to[].operation` as spiffe-rbac Operation fields, or undefined (reported). */
function operation(op: Value, c: Context): Fields | undefined {
  const out: Fields = {};
  let ok = true;
  for (const { key, at } of op.keys()) {
    const v = op.get(key)!;
    const target = OPERATION_FIELDS[key];
    if (!target) {
      c.report.refuse(at, `${c.what}: to.operation.${key}`, "not an AuthorizationPolicy operation field sluice knows");
      ok = false;
      continue;
    }
    const values = strings(v, `${c.what}: to.operation.${key}`, c);
    if (values === undefined) {
      ok = false;
      continue;
    }
    if (target.endsWith("ports")) {
      const ports = values.map(Number);
      if (ports.some((n) => !Number.isInteger(n) || n < 1 || n > 65535)) {
        c.report.refuse(v, `${c.what}: to.operation.${key} ${v.shown}`, "ports are whole numbers from 1 to 65535");
        ok = false;
        continue;
      }
      out[target] = ports;
    } else if (target.endsWith("methods")) {
      const bad = values.find((m) => !/^[A-Z_-]+$/.test(m));
      if (bad !== undefined) {
        c.report.refuse(v, `${c.what}: to.operation.${key} "${bad}"`, "methods are compared exactly and requests send them in uppercase: spiffe-rbac takes uppercase names");
        ok = false;
        continue;
      }
      out[target] = values;
    } else {
      out[target] = values;
    }
  }
  return ok ? out : undefined;
}

const WHEN_TO_SOURCE: Record<string, "principals" | "namespaces" | "service_accounts"> = { "source.principal": "principals", "source.namespace": "namespaces", "source.serviceAccount": "service_accounts" };
const NO_WHEN_EQUIVALENT: Record<string, string> = {
  "source.ip": "spiffe-rbac does not match IP addresses", "remote.ip": "spiffe-rbac does not match IP addresses",
  "destination.ip": "spiffe-rbac does not match IP addresses", "connection.sni": "spiffe-rbac does not read the SNI",
};

interface When {
  headers: Record<string, unknown>[];
  source: Fields;
  operation: Fields;
}

/** The `when` conditions as header conditions plus source and operation fields, or undefined. */
function conditions(list: Value, c: Context): When | undefined {
  const out: When = { headers: [], source: {}, operation: {} };
  let ok = true;
  for (const cond of list.items()) {
    const keyValue = cond.get("key");
    const key = keyValue?.str() ?? "";
    const values = cond.get("values");
    const notValues = cond.get("notValues");
    const lists = [values, notValues].map((v) => (v === undefined ? undefined : strings(v, `${c.what}: when ${key}`, c)));
    if ((values && !lists[0]) || (notValues && !lists[1])) {
      ok = false;
      continue;
    }
    const header = /^request\.headers\[(.+)\]$/.exec(key);
    if (header) {
      out.headers.push({ source: "header", name: header[1], ...(lists[0] ? { values: lists[0] } : {}), ...(lists[1] ? { not_values: lists[1] } : {}) });
      continue;
    }
    const field = WHEN_TO_SOURCE[key];
    if (field) {
      for (const [i, prefix] of [[0, ""], [1, "not_"]] as const) {
        const given = lists[i];
        if (!given) continue;
        const mapped = identityValues(field, given, cond, c);
        if (mapped === undefined) ok = false;
        else out.source[prefix + field] = mapped;
      }
      continue;
    }
    if (key === "destination.port") {
      for (const [i, target] of [[0, "ports"], [1, "not_ports"]] as const) {
        const given = lists[i];
        if (!given) continue;
        const ports = given.map(Number);
        if (ports.some((n) => !Number.isInteger(n) || n < 1 || n > 65535)) {
          c.report.refuse(cond, `${c.what}: when destination.port`, "ports are whole numbers from 1 to 65535");
          ok = false;
        } else out.operation[target] = ports;
      }
      continue;
    }
    const why = NO_WHEN_EQUIVALENT[key] ?? (key.startsWith("request.auth.") ? "a JWT claim (RequestAuthentication): spiffe-rbac authorizes the peer's SPIFFE ID only" : "no spiffe-rbac condition reads it");
    c.report.refuse(keyValue ?? cond, `${c.what}: when key "${key}"`, why);
    ok = false;
  }
  return ok ? out : undefined;
}

/** `extra` added to `into` (a source or an operation); a field both set is not expressible. */
function combine(into: Fields, extra: Fields, at: Value, c: Context): Fields | undefined {
  const out = { ...into };
  for (const [k, v] of Object.entries(extra)) {
    if (out[k] !== undefined) {
      c.report.refuse(at, `${c.what}: a when condition on ${k} besides ${k} in the rule`, "both must hold, and spiffe-rbac takes one list per field");
      return undefined;
    }
    out[k] = v;
  }
  return out;
}

interface Doc {
  name: string;
  namespace: string;
  selector?: Record<string, string>;
  at: Value;
}

export const istioAuthz: Kind = {
  name: "istio-authz",
  summary: "Istio AuthorizationPolicy YAML (one or many documents) → spiffe-rbac",
  filter: "spiffe-rbac",
  read(docs, report): Imported {
    const policies: Record<string, unknown>[] = [];
    const comments = new Map<object, string[]>();
    const header: string[] = [];
    const taken = new Set<string>();
    let first: Doc | undefined;
    let selector: Record<string, string> | undefined;
    let allowNothing = false;
    const namespaceWide: string[] = [];
    let hasPaths = false;
    const items = docs.flatMap((d) => (d.get("kind")?.str() === "List" ? d.get("items")?.items() ?? [] : [d]));
    for (const doc of items) {
      const kind = doc.get("kind")?.str();
      if (kind !== "AuthorizationPolicy" || !/^security\.istio\.io\//.test(doc.get("apiVersion")?.str() ?? "")) {
        report.refuse(doc, `a ${kind ?? "document"} (apiVersion ${doc.get("apiVersion")?.shown ?? "missing"})`, "not a security.istio.io AuthorizationPolicy");
        continue;
      }
      const meta = doc.get("metadata");
      const name = meta?.get("name")?.str() ?? "policy";
      const namespace = meta?.get("namespace")?.str() ?? "default";
      const what = `AuthorizationPolicy ${namespace}/${name}`;
      const spec = doc.get("spec");
      const labels = spec?.get("selector")?.get("matchLabels")?.js as Record<string, string> | undefined;
      if (!labels) namespaceWide.push(`${namespace}/${name}`);
      const here: Doc = { name, namespace, at: doc, ...(labels ? { selector: labels } : {}) };
      if (first === undefined) first = here;
      else if (namespace !== first.namespace) {
        report.refuse(meta ?? doc, `${what}: namespace ${namespace}`, `the policies so far are in ${first.namespace}; a sluice.yaml configures the workloads of one namespace: import them separately`);
      }
      if (labels) {
        if (selector === undefined) selector = labels;
        else if (JSON.stringify(labels) !== JSON.stringify(selector)) {
          report.refuse(spec!.get("selector")!, `${what}: selector ${JSON.stringify(labels)}`, `another policy selects ${JSON.stringify(selector)}; a sluice.yaml configures one set of workloads: import them separately`);
        }
      }
      for (const ref of ["targetRef", "targetRefs"]) {
        const v = spec?.get(ref);
        if (v) report.refuse(v, `${what}: spec.${ref}`, "a WasmPlugin in sluice.yaml selects workloads by labels (selector), not Gateways or Services");
      }
      if (spec) report.unknownKeys(spec, ["selector", "action", "rules", "targetRef", "targetRefs", "provider"], [], what);
      const actionValue = spec?.get("action");
      const action = actionValue?.str() ?? "ALLOW";
      if (action === "CUSTOM") {
        report.refuse(actionValue!, `${what}: action CUSTOM`, "an external authorizer (ext_authz provider) has no spiffe-rbac equivalent");
        continue;
      }
      if (!["ALLOW", "DENY", "AUDIT"].includes(action)) {
        report.refuse(actionValue!, `${what}: action ${actionValue!.shown}`, "Istio takes ALLOW, DENY, AUDIT or CUSTOM");
        continue;
      }
      const dryRun = meta?.get("annotations")?.get("istio.io/dry-run")?.str() === "true";
      const rules = spec?.get("rules")?.items() ?? [];
      if (rules.length === 0) {
        if (action === "ALLOW") {
          allowNothing = true;
          header.push(`${doc.at}: ${what} allows nothing (ALLOW without rules): default_action DENY, so only what another ALLOW policy matches is allowed.`);
        } else header.push(`${doc.at}: ${what} has no rules: an ${action} policy without rules matches nothing in Istio, so nothing is written for it.`);
        continue;
      }
      const baseName = nameFrom(name, new Set(), "policy");
      rules.forEach((rule, r) => {
        const c: Context = { report, notes: [], what: `${what} rule ${r + 1}` };
        report.unknownKeys(rule, ["from", "to", "when"], [], c.what);
        // each source and operation keeps its own notes (the comment of the policies it is in)
        const part = <T>(list: Value[], key: string, read: (v: Value, c: Context) => T | undefined) => list.map((item) => {
          const own: Context = { ...c, notes: [] };
          report.unknownKeys(item, [key], [], c.what);
          const v = item.get(key);
          return { fields: v ? read(v, own) : ({} as T), notes: own.notes };
        });
        const froms = part(rule.get("from")?.items() ?? [], "source", source);
        const tos = part(rule.get("to")?.items() ?? [], "operation", operation);
        const whenList = rule.get("when");
        const when = whenList ? conditions(whenList, c) : { headers: [], source: {}, operation: {} };
        if (froms.some((f) => f.fields === undefined) || tos.some((t) => t.fields === undefined) || when === undefined) return;
        const sources = (froms.length > 0 ? froms : [{ fields: {}, notes: [] }]).map((f) => ({ fields: combine(f.fields!, when.source, whenList ?? rule, c), notes: f.notes }));
        const operations = (tos.length > 0 ? tos : [{ fields: {}, notes: [] }]).map((t) => ({ fields: combine(t.fields!, when.operation, whenList ?? rule, c), notes: t.notes }));
        if (sources.some((s) => s.fields === undefined) || operations.some((o) => o.fields === undefined)) return;
        for (const s of sources) {
          const keys = Object.keys(s.fields!);
          if (keys.length > 0 && keys.every((k) => k.startsWith("not_"))) {
            s.fields!.unauthenticated = true;
            s.notes.push("unauthenticated: true: Istio's not-lists also match callers without an identity (plaintext)");
          }
        }
        const many = sources.length * operations.length > 1;
        sources.forEach(({ fields: from, notes: fromNotes }, f) => operations.forEach(({ fields: to, notes: toNotes }, t) => {
          const suffix = rules.length === 1 && !many ? "" : `-r${r + 1}${sources.length > 1 ? `-f${f + 1}` : ""}${operations.length > 1 ? `-t${t + 1}` : ""}`;
          const policy: Record<string, unknown> = { name: nameFrom(`${baseName.slice(0, 64 - suffix.length)}${suffix}`, taken, "policy"), action };
          if (dryRun) policy.mode = "shadow";
          if (Object.keys(from!).length > 0) policy.from = from;
          if (Object.keys(to!).length > 0) policy.to = to;
          if ((to!.paths ?? to!.not_paths) !== undefined) hasPaths = true;
          if (when.headers.length > 0) policy.when = when.headers;
          const notes = [`${rule.at}: ${what}, rule ${r + 1}${many ? ` (from ${f + 1} of ${sources.length}, to ${t + 1} of ${operations.length}: Istio matches any of them)` : ""}: ${action}${dryRun ? " (istio.io/dry-run: shadow)" : ""}`,
            ...c.notes, ...fromNotes, ...toNotes];
          policies.push(policy);
          comments.set(policy, notes);
        }));
      });
    }
    const config: Record<string, unknown> = { policies };
    if (allowNothing) config.default_action = "DENY";
    if (hasPaths) {
      config.path_normalization = { encoded_slashes: "keep", merge_slashes: false, dot_segments: "resolve" };
      header.push("path_normalization as Istio's default (meshConfig pathNormalization BASE): dot segments resolved, " +
        "slashes not merged, escaped slashes kept; change it if your mesh normalizes otherwise (MERGE_SLASHES: merge_slashes true).");
    }
    header.unshift("From Istio AuthorizationPolicies, evaluated as Istio does: a matching DENY policy denies; when ALLOW policies " +
      "exist, a request none of them matches is denied. Istio principals are SPIFFE IDs without spiffe://. Unlike Istio, an identity that is not a valid " +
      "SPIFFE ID is denied unless an ALLOW policy names unauthenticated callers (spiffe-rbac README, Evaluation).");
    if (selector && namespaceWide.length > 0) {
      header.push(`${namespaceWide.join(", ")} select${namespaceWide.length === 1 ? "s" : ""} every workload of the namespace; ` +
        `this config is for the workloads of ${JSON.stringify(selector)} (selector), where they apply too.`);
    }
    const top: Imported["top"] = {};
    if (first && first.namespace !== "default") top.namespace = first.namespace;
    if (selector) top.selector = selector;
    return { filter: "spiffe-rbac", config, comments, header, top, summary: count(policies.length, "policy", "policies") };
  },
};
