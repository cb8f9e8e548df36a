import { beforeAll, describe, expect, it } from "vitest";
import { loadEntry } from "./load.js";

interface SpiffeModule {
  describeId(uri: string): string;
  matchPattern(pattern: string, uri: string): string;
  patternMessage(pattern: string): string;
  trustDomainReason(td: string): string;
  matchSegmentGlob(glob: string, segment: string): string;
}

let m: SpiffeModule;
beforeAll(async () => {
  m = await loadEntry<SpiffeModule>("spiffe");
});

const TD_CHARS = new Set("abcdefghijklmnopqrstuvwxyz0123456789.-_");
const SEGMENT_CHARS = new Set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.-_");

describe("spiffe › ID validation", () => {
  it.each([
    ["spiffe://example.org", "ok td=example.org path= segments=0 ns=- sa=-"],
    ["spiffe://example.org/workload", "ok td=example.org path=/workload segments=1 ns=- sa=-"],
    ["spiffe://prod.example/ns/payments/sa/api", "ok td=prod.example path=/ns/payments/sa/api segments=4 ns=payments sa=api"],
    ["spiffe://cluster.local/ns/default/sa/sleep/extra", "ok td=cluster.local path=/ns/default/sa/sleep/extra segments=5 ns=- sa=-"],
    ["spiffe://td/ns/a/SA/b", "ok td=td path=/ns/a/SA/b segments=4 ns=- sa=-"],
    ["spiffe://10.0.0.1/x", "ok td=10.0.0.1 path=/x segments=1 ns=- sa=-"],
    ["spiffe://td/.path/..path/.../a.b", "ok td=td path=/.path/..path/.../a.b segments=4 ns=- sa=-"],
    ["spiffe://a_b-c.d/Upper_Case-1.2", "ok td=a_b-c.d path=/Upper_Case-1.2 segments=1 ns=- sa=-"],
  ])("accepts %s", (uri, expected) => {
    expect(m.describeId(uri)).toBe(expected);
  });

  it.each([
    ["", "empty"],
    ["s", "scheme"],
    ["spiffe:/td", "scheme"],
    ["Spiffe://td", "scheme"],
    ["SPIFFE://td", "scheme"],
    ["https://td/x", "scheme"],
    ["td/ns/a/sa/b", "scheme"],
    ["spiffe://", "trust_domain_missing"],
    ["spiffe:///", "trust_domain_missing"],
    ["spiffe:///path", "trust_domain_missing"],
    ["spiffe://Example.org", "trust_domain_chars"],
    ["spiffe://td:443/x", "port_or_userinfo"],
    ["spiffe://user@td/x", "port_or_userinfo"],
    ["spiffe://[::1]/x", "trust_domain_chars"],
    ["spiffe://t%64/x", "percent_encoded"],
    ["spiffe://td?x=1", "query_or_fragment"],
    ["spiffe://td#frag", "query_or_fragment"],
    ["spiffe://td/", "trailing_slash"],
    ["spiffe://td/path/", "trailing_slash"],
    ["spiffe://td//", "empty_segment"],
    ["spiffe://td//path", "empty_segment"],
    ["spiffe://td/a//b", "empty_segment"],
    ["spiffe://td/.", "dot_segment"],
    ["spiffe://td/..", "dot_segment"],
    ["spiffe://td/a/./b", "dot_segment"],
    ["spiffe://td/a/../b", "dot_segment"],
    ["spiffe://td/%62%61%64", "percent_encoded"],
    ["spiffe://td/a?x=1", "query_or_fragment"],
    ["spiffe://td/a#f", "query_or_fragment"],
    ["spiffe://td/a b", "path_chars"],
    ["spiffe://td/caf\u00c3\u00a9", "path_chars"], // é as UTF-8 bytes
    ["spiffe://td/a\\b", "path_chars"],
  ])("rejects %j as %s", (uri, reason) => {
    expect(m.describeId(uri)).toBe(reason);
  });

  it("accepts exactly the allowed bytes in a trust domain (every byte 0x00-0xff)", () => {
    for (let b = 0; b < 256; b++) {
      if (b === 0x2f) continue; // '/' ends the trust domain
      const c = String.fromCharCode(b);
      const result = m.describeId(`spiffe://a${c}b/x`);
      if (TD_CHARS.has(c)) expect(result, `byte 0x${b.toString(16)}`).toMatch(/^ok /);
      else expect(result, `byte 0x${b.toString(16)}`).not.toMatch(/^ok /);
    }
  });

  it("accepts exactly the allowed bytes in a path segment (every byte 0x00-0xff)", () => {
    for (let b = 0; b < 256; b++) {
      if (b === 0x2f) continue; // '/' separates segments
      const c = String.fromCharCode(b);
      const result = m.describeId(`spiffe://td/a${c}b`);
      if (SEGMENT_CHARS.has(c)) expect(result, `byte 0x${b.toString(16)}`).toMatch(/^ok /);
      else expect(result, `byte 0x${b.toString(16)}`).not.toMatch(/^ok /);
    }
  });

  it("limits the trust domain to 255 bytes", () => {
    expect(m.describeId(`spiffe://${"a".repeat(255)}/x`)).toMatch(/^ok /);
    expect(m.describeId(`spiffe://${"a".repeat(256)}/x`)).toBe("trust_domain_too_long");
  });

  it("limits the whole URI to 2048 bytes", () => {
    const at2048 = `spiffe://td/${"a".repeat(2048 - 12)}`;
    expect(at2048.length).toBe(2048);
    expect(m.describeId(at2048)).toMatch(/^ok /);
    expect(m.describeId(at2048 + "a")).toBe("too_long");
  });

  it("validates bare trust domains", () => {
    expect(m.trustDomainReason("prod.example")).toBe("ok");
    expect(m.trustDomainReason("")).toBe("trust_domain_missing");
    expect(m.trustDomainReason("Prod")).toBe("trust_domain_chars");
    expect(m.trustDomainReason("td:80")).toBe("port_or_userinfo");
    expect(m.trustDomainReason("a".repeat(256))).toBe("trust_domain_too_long");
  });
});

describe("spiffe › patterns", () => {
  it.each([
    ["spiffe://prod.example/ns/payments/sa/api", "spiffe://prod.example/ns/payments/sa/api", "match"],
    ["spiffe://prod.example/ns/payments/sa/api", "spiffe://prod.example/ns/payments/sa/api2", "no match"],
    ["spiffe://prod.example/ns/payments/sa/api", "spiffe://other.example/ns/payments/sa/api", "no match"],
    ["spiffe://prod.example/ns/*/sa/api-*", "spiffe://prod.example/ns/web/sa/api-v2", "match"],
    ["spiffe://prod.example/ns/*/sa/api-*", "spiffe://prod.example/ns/web/sa/api-", "match"],
    ["spiffe://prod.example/ns/*/sa/api-*", "spiffe://prod.example/ns/web/sa/ap", "no match"],
    ["spiffe://prod.example/ns/*/sa/api-*", "spiffe://prod.example/ns/a/b/sa/api-x", "no match"],
    ["spiffe://prod.example/ns/*/sa/*-v2", "spiffe://prod.example/ns/a/sa/web-v2", "match"],
    ["spiffe://prod.example/ns/*/sa/a*z", "spiffe://prod.example/ns/a/sa/az", "match"],
    ["spiffe://prod.example/ns/*/sa/a*z", "spiffe://prod.example/ns/a/sa/a", "no match"],
    ["spiffe://*/ns/prod/sa/api", "spiffe://anything.example/ns/prod/sa/api", "match"],
    ["spiffe://prod.example/**", "spiffe://prod.example/a", "match"],
    ["spiffe://prod.example/**", "spiffe://prod.example/a/b/c", "match"],
    ["spiffe://prod.example/**", "spiffe://prod.example", "no match"],
    ["spiffe://prod.example/ns/prod/**", "spiffe://prod.example/ns/prod/sa/x", "match"],
    ["spiffe://prod.example/ns/prod/**", "spiffe://prod.example/ns/prod", "no match"],
    ["spiffe://prod.example/ns/prod/**", "spiffe://prod.example/ns/dev/sa/x", "no match"],
    ["spiffe://prod.example", "spiffe://prod.example", "match"],
    ["spiffe://prod.example", "spiffe://prod.example/x", "no match"],
    ["spiffe://*/**", "spiffe://td/x", "match"],
    // an invalid ID is never string-matched, even by the widest pattern
    ["spiffe://*/**", "spiffe://td/a/../b", "no match"],
    ["spiffe://*/**", "spiffe://TD/x", "no match"],
    ["spiffe://prod.example/ns/*/sa/api", "spiffe://prod.example/ns/%2e%2e/sa/api", "no match"],
  ])("%s against %s: %s", (pattern, uri, expected) => {
    expect(m.matchPattern(pattern, uri)).toBe(expected);
  });

  it.each([
    ["prod.example/ns/a/sa/b", "scheme must be \"spiffe://\" (lowercase)"],
    ["spiffe://prod*.example/x", "trust domain must be exact or \"*\""],
    ["spiffe://Prod/x", "trust domain characters are limited to lowercase letters, numbers, dots, dashes, and underscores"],
    ["spiffe://td/a*b*", "a path segment may contain at most one \"*\""],
    ["spiffe://td/***", "a path segment may contain at most one \"*\""],
    ["spiffe://td/**/x", "\"**\" must be the whole last path segment"],
    ["spiffe://td/a/", "path cannot have a trailing slash"],
    ["spiffe://td//a", "path cannot contain empty segments"],
    ["spiffe://td/../a", "path cannot contain dot segments"],
    ["spiffe://td/a%2fb", "cannot contain percent-encoding"],
    ["spiffe://td/a?b", "cannot have a query or fragment"],
    ["spiffe://td/a b", "path segment characters are limited to letters, numbers, dots, dashes, and underscores"],
  ])("rejects pattern %j: %s", (pattern, message) => {
    expect(m.patternMessage(pattern)).toBe(message);
  });

  it("matches a 2048-byte ID against a many-segment pattern in linear time", () => {
    const uri = `spiffe://td${"/a".repeat(1018)}`;
    const pattern = `spiffe://td${"/*".repeat(1017)}/**`;
    const started = performance.now();
    for (let i = 0; i < 100; i++) expect(m.matchPattern(pattern, uri)).toBe("match");
    expect(performance.now() - started).toBeLessThan(2000);
  });
});

describe("spiffe › segment globs", () => {
  it.each([
    ["prod", "prod", "match"],
    ["prod", "prod2", "no match"],
    ["prod-*", "prod-eu", "match"],
    ["*-canary", "web-canary", "match"],
    ["*", "anything", "match"],
    ["a*b*", "ab", "invalid glob"],
    ["a/b", "a/b", "invalid glob"],
    ["..", "..", "invalid glob"],
    ["", "", "invalid glob"],
  ])("%j against %j: %s", (glob, segment, expected) => {
    expect(m.matchSegmentGlob(glob, segment)).toBe(expected);
  });
});
