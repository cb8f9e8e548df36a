// gray: gray releases as Nacos-based setups and Istio VirtualServices express them → traffic-colour.
//
// Two inputs, one or many YAML documents each:
//  - a gray file (documented in cli/README.md, "import gray"): `stable`, and `rules` that pick a
//    version by request match (VirtualService HTTPMatchRequest syntax), by user id range, or by
//    percentage (`weights`, optionally the same for a user with `hash_on`);
//  - an Istio VirtualService: its http routes in order, each route's match and destinations
//    (subset, else host) with weights (whole percentages summing to 100), the last route without
//    match being the version of every other request.
// Versions become colours; percentages become basis points (1% = 100).
import type { Imported } from "./emit.js";
import { matchCondition, type Condition } from "./gray-match.js";
import type { Kind } from "./kind.js";
import { count, type Report } from "./report.js";
import { nameFrom } from "./resource.js";
import type { Value } from "./source.js";

const COLOUR = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;
const KEY_SOURCES = ["header", "query", "cookie"];
const ROUTE_BEHAVIOUR = ["redirect", "directResponse", "delegate", "rewrite", "timeout", "retries", "fault", "mirror", "mirrors",
  "mirrorPercentage", "mirror_percent", "mirrorPercent", "corsPolicy", "headers"];

interface Builder {
  colours: string[];
  rules: Record<string, unknown>[];
  comments: Map<object, string[]>;
  taken: Set<string>;
  defaultColour?: string;
  header: string[];
  report: Report;
}

function colour(name: string, at: Value, what: string, b: Builder): string | undefined {
  if (!COLOUR.test(name)) {
    b.report.refuse(at, `${what}: version ${JSON.stringify(name)}`, "a colour is 1-64 letters, digits, \".\", \"_\", \"-\", starting with a letter or digit");
    return undefined;
  }
  if (!b.colours.includes(name)) b.colours.push(name);
  return name;
}

/** Percentages as basis points (whole: two decimals at most), or undefined (reported). */
function basisPoints(pct: number, at: Value, what: string, report: Report): number | undefined {
  const bp = Math.round(pct * 100);
  if (!(pct > 0 && pct <= 100) || Math.abs(bp - pct * 100) > 1e-6) {
    report.refuse(at, `${what}: ${pct}%`, "a share is more than 0 and at most 100 percent, in steps of 0.01 (basis points)");
    return undefined;
  }
  return bp;
}

/** `{header|query|cookie: name}` (besides the keys in `others`) as a KeySource, or undefined (reported). */
function keySource(v: Value, what: string, report: Report, others: string[] = []): { source: string; name: string } | undefined {
  const keys = v.keys().map((k) => k.key).filter((k) => !others.includes(k));
  const source = keys[0];
  const name = source ? v.get(source)?.str() : undefined;
  if (keys.length !== 1 || !KEY_SOURCES.includes(source!) || !name) {
    report.refuse(v, `${what} ${v.shown}`, "expected one of {header: NAME}, {query: NAME}, {cookie: NAME}");
    return undefined;
  }
  return { source: source!, name };
}

function push(b: Builder, rule: Record<string, unknown>, notes: string[]): void {
  b.rules.push(rule);
  b.comments.set(rule, notes);
}

/** One rule of a gray file. */
function grayRule(rule: Value, index: number, b: Builder): void {
  const what = `rule ${rule.get("name")?.str() ?? index + 1}`;
  b.report.unknownKeys(rule, ["name", "version", "weights", "hash_on", "match", "user_range"], [], what);
  const name = nameFrom(rule.get("name")?.str() ?? `rule-${index + 1}`, b.taken, "rule");
  const notes = [`${rule.at}: ${what}`];
  const conditions: Condition[] = [];
  const match = matchCondition(rule.get("match"), what, b.report);
  if (match === false) return;
  if (match) conditions.push(match);
  const range = rule.get("user_range");
  if (range) {
    const key = keySource(range, `${what}: user_range`, b.report, ["from", "to"]);
    const from = range.get("from")?.num();
    const to = range.get("to")?.num();
    if (!key) return;
    if (from === undefined || to === undefined || !Number.isSafeInteger(from) || !Number.isSafeInteger(to) || from > to) {
      b.report.refuse(range, `${what}: user_range from ${range.get("from")?.shown} to ${range.get("to")?.shown}`, "expected whole numbers with from <= to");
      return;
    }
    conditions.push({ op: "range", ...key, min: from, max: to });
    notes.push(`user_range: ${key.source} ${key.name} is a decimal whole number from ${from} to ${to}`);
  }
  const out: Record<string, unknown> = { name };
  const version = rule.get("version");
  const weights = rule.get("weights");
  if ((version === undefined) === (weights === undefined)) {
    b.report.refuse(rule, `${what}: ${version ? "both version and weights" : "neither version nor weights"}`, "a rule picks one version, or splits by weights");
    return;
  }
  if (version) {
    const c = colour(version.str() ?? String(version.js), version, what, b);
    if (!c) return;
    out.colour = c;
    if (rule.get("hash_on")) b.report.refuse(rule.get("hash_on")!, `${what}: hash_on`, "applies only to weights");
  } else {
    const split: Record<string, unknown> = { weights: [] };
    let total = 0;
    for (const { key, at } of weights!.keys()) {
      const c = colour(key, at, what, b);
      const pct = weights!.get(key)!.num();
      const bp = pct === undefined ? undefined : basisPoints(pct, weights!.get(key)!, `${what}: weights.${key}`, b.report);
      if (!c || bp === undefined) return;
      total += bp;
      (split.weights as unknown[]).push({ colour: c, basis_points: bp });
    }
    if (total > 10_000) {
      b.report.refuse(weights!, `${what}: weights add up to ${total / 100}%`, "at most 100%");
      return;
    }
    const hash = rule.get("hash_on");
    if (hash) {
      const key = keySource(hash, `${what}: hash_on`, b.report);
      if (!key) return;
      split.key = key;
      notes.push(`hash_on: the same ${key.source} ${key.name} always gets the same version (traffic-colour's hash: which ids fall in the share may differ from the tool you used before; the share does not)`);
    } else notes.push("weights: drawn for each request, as Istio's weighted routes do");
    if (total < 10_000) notes.push(`the other ${(10_000 - total) / 100}% of the requests this rule takes go on to the next rules`);
    out.split = split;
  }
  if (conditions.length === 1) out.match = conditions[0];
  else if (conditions.length > 1) out.match = { op: "all", conditions };
  push(b, out, notes);
}

/** The routes of an Istio VirtualService. */
function virtualService(doc: Value, b: Builder): string | undefined {
  const hosts = (doc.get("spec")?.get("hosts")?.items() ?? []).map((h) => h.str() ?? "");
  const what = `VirtualService ${doc.get("metadata")?.get("name")?.str() ?? ""}`.trim();
  const routes = doc.get("spec")?.get("http")?.items() ?? [];
  for (const key of ["tcp", "tls"]) {
    const v = doc.get("spec")?.get(key);
    if (v) b.report.refuse(v, `${what}: ${key} routes`, "traffic-colour colours HTTP requests");
  }
  routes.forEach((route, i) => {
    const rWhat = `${what} http[${i}]${route.get("name") ? ` ${route.get("name")!.str()}` : ""}`;
    const notes = [`${route.at}: ${rWhat}`];
    for (const key of ROUTE_BEHAVIOUR) {
      const v = route.get(key);
      if (v) b.report.approximate(v, `${rWhat}: ${key}`, "not a gray-release decision, and sluice render istio writes the colour routing only", "nothing (keep it in your own VirtualService)", notes);
    }
    b.report.unknownKeys(route, ["name", "match", "route", ...ROUTE_BEHAVIOUR], [], rWhat);
    const match = matchCondition(route.get("match"), rWhat, b.report);
    if (match === false) return;
    const destinations = route.get("route")?.items() ?? [];
    if (destinations.length === 0) {
      b.report.refuse(route, `${rWhat}: no route destinations`, "nothing to colour");
      return;
    }
    const picks: { colour: string; weight: number; at: Value }[] = [];
    for (const d of destinations) {
      const dest = d.get("destination");
      const version = dest?.get("subset")?.str() ?? dest?.get("host")?.str();
      const c = version ? colour(version, dest!, rWhat, b) : undefined;
      if (!c) return;
      picks.push({ colour: c, weight: d.get("weight")?.num() ?? (destinations.length === 1 ? 100 : 0), at: d });
    }
    const name = nameFrom(route.get("name")?.str() ?? `http-${i}`, b.taken, "route");
    const last = i === routes.length - 1;
    if (picks.length === 1) {
      if (!match && last) {
        b.defaultColour = picks[0]!.colour;
        b.header.push(`${route.at}: ${rWhat} takes every other request: default_colour ${picks[0]!.colour}.`);
        return;
      }
      push(b, { name, colour: picks[0]!.colour, ...(match ? { match } : {}) }, notes);
      return;
    }
    const total = picks.reduce((s, p) => s + p.weight, 0);
    if (total !== 100 || picks.some((p) => !Number.isInteger(p.weight) || p.weight < 0)) {
      b.report.refuse(route.get("route")!, `${rWhat}: weights add up to ${total}`, "Istio requires whole weights adding up to 100");
      return;
    }
    notes.push("weights: drawn for each request, as Istio's weighted routes do");
    const weights = picks.filter((p) => p.weight > 0).map((p) => ({ colour: p.colour, basis_points: p.weight * 100 }));
    push(b, { name, ...(match ? { match } : {}), split: { weights } }, notes);
  });
  return hosts[0];
}

export const gray: Kind = {
  name: "gray",
  summary: "gray releases (a gray file, or Istio VirtualService http routes) → traffic-colour rules and splits",
  filter: "traffic-colour",
  read(docs, report): Imported {
    const b: Builder = { colours: [], rules: [], comments: new Map(), taken: new Set(), header: [], report };
    let service: string | undefined;
    let colourHeader: string | undefined;
    for (const doc of docs) {
      if (doc.get("kind")?.str() === "VirtualService") {
        const host = virtualService(doc, b);
        if (service !== undefined && host !== undefined && host !== service) {
          report.refuse(doc, `VirtualService for ${host}`, `another one is for ${service}: a sluice.yaml colours one service`);
        }
        service ??= host;
        continue;
      }
      if (!doc.isMap) {
        report.refuse(doc, `gray file ${doc.shown}`, "expected a mapping with stable and rules (cli/README.md, import gray)");
        continue;
      }
      report.unknownKeys(doc, ["stable", "rules", "header", "service"], [], "gray file");
      const stable = doc.get("stable");
      if (!stable) report.refuse(doc, "gray file without stable", "the version of every request no rule picks is required");
      else {
        const c = colour(stable.str() ?? String(stable.js), stable, "stable", b);
        if (c) {
          if (b.defaultColour !== undefined && b.defaultColour !== c) report.refuse(stable, `stable ${c}`, `another file says ${b.defaultColour}`);
          b.defaultColour = c;
        }
      }
      colourHeader = doc.get("header")?.str() ?? colourHeader;
      service = doc.get("service")?.str() ?? service;
      doc.get("rules")?.items().forEach((r, i) => grayRule(r, b.rules.length + i, b));
    }
    if (b.colours.length > 32) report.refuse(docs[0]!, `${b.colours.length} versions`, "traffic-colour takes at most 32 colours");
    if (b.rules.length > 64) report.refuse(docs[0]!, `${b.rules.length} rules`, "traffic-colour takes at most 64 rules");
    const config: Record<string, unknown> = { colours: b.colours };
    if (colourHeader) config.header = colourHeader;
    const catchAll = b.rules.some((r) => r.match === undefined && (r.colour !== undefined ||
      ((r.split as { key?: unknown; weights: { basis_points: number }[] }).key === undefined &&
        (r.split as { weights: { basis_points: number }[] }).weights.reduce((s, w) => s + w.basis_points, 0) === 10_000)));
    if (b.defaultColour) config.default_colour = b.defaultColour;
    else if (!catchAll) b.header.push("No version takes every other request: such requests stay uncoloured (sluice render routes them to default_upstream).");
    config.rules = b.rules;
    b.header.unshift(`From gray releases: the first rule that picks a version decides; the version is written to the ${colourHeader ?? "x-sluice-colour"} ` +
      "header (add upstreams named like the versions so that sluice render routes on it). A client-sent colour is removed first (inbound: strip).");
    return { filter: "traffic-colour", config, comments: b.comments, header: b.header, ...(service ? { top: { service } } : {}), summary: count(b.rules.length, "rule") };
  },
};
