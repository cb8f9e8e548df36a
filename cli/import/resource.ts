// Which requests a Sentinel resource or a hystrix command covers. Both name calls inside an
// application; at the proxy a rule applies to requests, so a name must say which: a path
// (`/orders`, Sentinel's web adapters), `METHOD:/path` (Sentinel's Spring adapter with
// httpMethodSpecify), a Spring/Ant pattern (`/orders/{id}`, `/api/**`), or `--resource NAME=...`.
import type { Report } from "./report.js";
import type { Value } from "./source.js";

export type StringMatch = { exact: string } | { prefix: string } | { glob: string };

/** The requests a name covers: all of `methods` (when given) and one of `paths`. */
export interface RequestSet {
  methods?: string[];
  paths: StringMatch[];
}

/** `--resource NAME=[METHOD:]/path` options. */
export type ResourceMap = Map<string, string>;

const METHOD_PREFIX = /^([A-Z][A-Z_-]*):(\/.*)$/;

/** The requests `name` covers, or undefined (reported) when it names no request. With `notes`
 *  the rule's comment says where the match came from and what changed. */
export function requestsOf(name: string, at: Value, what: string, report: Report, notes: string[], resources: ResourceMap): RequestSet | undefined {
  const given = resources.get(name);
  const text = given ?? name;
  if (given !== undefined) notes.push(`"${name}" covers ${given} (--resource)`);
  const m = METHOD_PREFIX.exec(text);
  const path = m ? m[2]! : text;
  if (!path.startsWith("/")) {
    report.refuse(at, `${what}: the name is not an HTTP path`,
      `the application names it (a method, a Dubbo service): pass --resource ${JSON.stringify(name)}=/path (or METHOD:/path)`);
    return undefined;
  }
  const paths = pathMatches(path, at, what, report, notes);
  if (paths === undefined) return undefined;
  return m ? { methods: [m[1]!], paths } : { paths };
}

/** A path or a Spring/Ant pattern as string matches on the path without its query. */
function pathMatches(path: string, at: Value, what: string, report: Report, notes: string[]): StringMatch[] | undefined {
  if (!/[{}*?]/.test(path)) return [{ exact: path }];
  const base = path.slice(0, -3);
  if (path.endsWith("/**") && !/[{}*?]/.test(base)) {
    // Ant's "/api/**": "/api" itself and everything below it
    return base === "" ? [{ prefix: "/" }] : [{ exact: base }, { prefix: `${base}/` }];
  }
  const glob = path.replace(/\{[^}]*\}/g, "*").replace(/\*\*+/g, "*");
  const written = report.approximate(at, `${what}: path pattern "${path}"`,
    `Spring matches {variables}, * and ? within one path segment, a glob also across "/"`, `glob "${glob}"`, notes);
  return written ? [{ glob }] : undefined;
}

/** The request set as a circuit-breaker match (undefined: every request). */
export function circuitMatch(set: RequestSet | undefined): Record<string, unknown> | undefined {
  if (set === undefined) return undefined;
  return { ...(set.methods ? { methods: set.methods } : {}), paths: set.paths };
}

/** The request set as a rate-limit match (undefined: every request). */
export function rateLimitMatch(set: RequestSet | undefined): Record<string, unknown> | undefined {
  if (set === undefined) return undefined;
  const methods = set.methods ? { methods: set.methods } : {};
  if (set.paths.length === 1) return { ...methods, path: set.paths[0] };
  return { ...methods, any: set.paths.map((path) => ({ path })) };
}

/** A Name (1..64 of letters, digits, "_", "-") made from `text`, unique among `taken`. */
export function nameFrom(text: string, taken: Set<string>, fallback: string): string {
  let base = text.toLowerCase().replace(/[^a-z0-9_-]+/g, "-").replace(/^-+|-+$/g, "").slice(0, 60);
  if (base === "") base = fallback;
  let name = base;
  for (let i = 2; taken.has(name); i++) name = `${base}-${i}`;
  taken.add(name);
  return name;
}
