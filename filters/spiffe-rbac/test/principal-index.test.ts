// The principal index (principal-index.ts) only narrows which patterns a new caller is matched
// against: decisions must be exactly those of matching every pattern. Oracle: SpiffePattern
// matching alone (the spiffe test entry), over generated patterns and IDs that share trust
// domains, prefixes and lengths.
import { beforeAll, describe, expect, it } from "vitest";
import { loadEntry } from "./load.js";
import { send, start, status } from "./harness.js";

interface SpiffeModule {
  matchPattern(pattern: string, uri: string): string;
}

let m: SpiffeModule;
beforeAll(async () => {
  m = await loadEntry<SpiffeModule>("spiffe");
});

/** A small deterministic generator (mulberry32). */
function random(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const DOMAINS = ["a.example", "b.example", "ab.example"];
const SEGMENTS = ["ns", "sa", "x", "api", "api-1", "api-12", "ab", "b"];
const GLOBS = ["*", "api-*", "*-1", "a*b", "a*", "*b"];

function pick<T>(next: () => number, items: T[]): T {
  return items[Math.floor(next() * items.length)];
}

function randomId(next: () => number): string {
  const segments = Array.from({ length: Math.floor(next() * 5) }, () => pick(next, SEGMENTS));
  return `spiffe://${pick(next, DOMAINS)}${segments.map((s) => `/${s}`).join("")}`;
}

function randomPattern(next: () => number): string {
  const domain = next() < 0.2 ? "*" : pick(next, DOMAINS);
  const segments = Array.from({ length: Math.floor(next() * 4) }, () => (next() < 0.3 ? pick(next, GLOBS) : pick(next, SEGMENTS)));
  if (next() < 0.2) segments.push("**");
  return `spiffe://${domain}${segments.map((s) => `/${s}`).join("")}`;
}

describe("principal index", () => {
  it.each([1, 2, 3])("decides as matching every pattern (seed %i)", async (seed) => {
    const next = random(seed);
    const patterns = Array.from({ length: 40 }, () => randomPattern(next));
    const ids = Array.from({ length: 40 }, () => randomId(next));
    // policy i: `principals` alone (its bit set by the index), or with `not_principals` and
    // `trust_domains` (its `from` matched in full from the index's results); path /p<i>
    const policies = patterns.map((pattern, i) => {
      const from = i % 3 === 2
        ? { principals: [pattern], not_principals: [patterns[(i + 1) % patterns.length]], trust_domains: DOMAINS.slice(0, 2) }
        : { principals: [pattern] };
      return { name: `p${i}`, action: "ALLOW", from, to: { paths: [`/p${i}`] } };
    });
    const proxy = await start({ policies });
    for (const id of ids) {
      patterns.forEach((pattern, i) => {
        let expected = m.matchPattern(pattern, id) === "match";
        if (i % 3 === 2) {
          expected &&= m.matchPattern(patterns[(i + 1) % patterns.length], id) !== "match" &&
            DOMAINS.slice(0, 2).some((d) => id.startsWith(`spiffe://${d}/`) || id === `spiffe://${d}`);
        }
        expect(status(send(proxy, { peer: id, path: `/p${i}` })), `${id} against ${pattern}`).toBe(expected ? 200 : 403);
      });
    }
  });

  it("takes trusted proxies from the index", async () => {
    const next = random(7);
    const proxies = Array.from({ length: 20 }, () => randomPattern(next));
    const caller = "spiffe://a.example/ns/caller";
    const proxy = await start({
      xfcc: { trusted_proxies: proxies },
      policies: [{ name: "caller", action: "ALLOW", from: { principals: [caller] } }],
    });
    for (const id of Array.from({ length: 60 }, () => randomId(next))) {
      const trusted = proxies.some((p) => m.matchPattern(p, id) === "match");
      const r = send(proxy, { peer: id, headers: { "x-forwarded-client-cert": `URI=${caller}` } });
      expect(status(r), id).toBe(trusted ? 200 : 403);
    }
  });
});
