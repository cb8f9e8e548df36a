import fc from "fast-check";
import { beforeAll, describe, expect, it } from "vitest";
import { loadEntry } from "./load.js";

interface PathModule {
  normalize(path: string, encodedSlashes: string, mergeSlashes: boolean, rejectDotSegments: boolean): string;
  matchPath(pattern: string, path: string): string;
}

let m: PathModule;
beforeAll(async () => {
  m = await loadEntry<PathModule>("path");
});

const byDefault = (path: string) => m.normalize(path, "reject", true, false);

describe("path normalization (defaults: reject encoded slashes, merge slashes, resolve dot segments)", () => {
  it.each([
    ["/api/items", "/api/items"],
    ["/", "/"],
    ["/api?x=1", "/api"],
    ["/api#frag", "/api"],
    ["/api/?x=/../admin", "/api/"],
    ["/admin/../public", "/public"],
    ["/public/../admin", "/admin"],
    ["/../admin", "/admin"],
    ["/a/b/../../../admin", "/admin"],
    ["/admin/.", "/admin/"],
    ["/admin/./x", "/admin/x"],
    ["/admin/..", "/"],
    ["/%61dmin", "/admin"],
    ["/%41%42%7e%2D%2e%5F", "/AB~-._"],
    ["/%2e%2e/admin", "/admin"],
    ["/public/%2e%2E/admin", "/admin"],
    ["//admin", "/admin"],
    ["/a//b///c", "/a/b/c"],
    ["/a/", "/a/"],
    ["/ADMIN", "/ADMIN"],
    ["/a%20b", "/a%20b"],
    ["/a%3fb", "/a%3Fb"],
    ["/a/.hidden/..x", "/a/.hidden/..x"],
    ["/a/...", "/a/..."],
  ])("%s becomes %s", (raw, canonical) => {
    expect(byDefault(raw)).toBe(canonical);
  });

  it.each([
    ["/public/..%2fadmin"],
    ["/public/%2Fadmin"],
    ["/public%5cadmin"],
    ["/public\\..\\admin"],
    ["/bad%zz"],
    ["/bad%4"],
    ["/bad%"],
    ["admin"],
    ["*"],
    [""],
    ["?x=1"],
  ])("rejects %j", (raw) => {
    expect(byDefault(raw)).toBe("<invalid>");
  });

  it.each([
    ["decode", "/public/..%2fadmin", "/admin"],
    ["decode", "/public\\..\\admin", "/admin"],
    ["decode", "/a%5Cb", "/a/b"],
    ["keep", "/public/..%2fadmin", "/public/..%2Fadmin"],
    ["keep", "/a%5cb", "/a%5Cb"],
    ["keep", "/a\\b", "/a\\b"],
  ])("with encoded_slashes %s, %s becomes %s", (mode, raw, canonical) => {
    expect(m.normalize(raw, mode, true, false)).toBe(canonical);
  });

  it("keeps empty segments when merge_slashes is false", () => {
    expect(m.normalize("//admin", "reject", false, false)).toBe("//admin");
    expect(m.normalize("/a//../b", "reject", false, false)).toBe("/a/b");
  });

  it.each([["/admin/../public"], ["/admin/."], ["/%2e%2e/x"]])("rejects dot segment %s when dot_segments is reject", (raw) => {
    expect(m.normalize(raw, "reject", true, true)).toBe("<invalid>");
  });

  it("normalizes a long hostile path in one pass", () => {
    const raw = "/" + "a/../".repeat(10000) + "%2e%2e/".repeat(10000) + "admin";
    expect(byDefault(raw)).toBe("/admin");
  });
});

describe("path patterns", () => {
  it.each([
    ["/admin", "/admin", "match"],
    ["/admin", "/admin/", "no match"],
    ["/admin*", "/admin/users", "match"],
    ["/admin*", "/administrator", "match"],
    ["/admin/*", "/admin", "no match"],
    ["*.json", "/a/b.json", "match"],
    ["*", "/anything", "match"],
    ["/api/{*}/items", "/api/v1/items", "match"],
    ["/api/{*}/items", "/api//items", "no match"],
    ["/api/{*}/items", "/api/v1/v2/items", "no match"],
    ["/api/{*}", "/api/v1/", "no match"],
    ["/api/{**}", "/api/", "match"],
    ["/api/{**}", "/api/a/b/c", "match"],
    ["/api/{**}", "/api", "no match"],
    ["/api/{*}/x/{**}", "/api/v1/x/y/z", "match"],
    ["/api/{*}/x/{**}", "/api/v1/y/x/z", "no match"],
  ])("%s against %s: %s", (pattern, path, expected) => {
    expect(m.matchPath(pattern, path)).toBe(expected);
  });
});

describe("the canonical path is a fixed point (what is forwarded normalizes to itself)", () => {
  // paths built from the pieces of every bypass shape, in any order
  const piece = fc.constantFrom("/", "//", "a", "admin", ".", "..", "%2e", "%2E%2e", ";", ";x=y", "%3b", "%2f", "%5C", "\\",
    "%25", "%00", "%61", "%41", "%3f", "%C3%A9", "%c3", "%EF%BC%8F", "%E2%80%A4", "\u00e9", "?", "#", "~", "%7e");
  const path = fc.array(piece, { maxLength: 12 }).map((parts) => "/" + parts.join(""));

  it.each([["reject"], ["decode"], ["keep"]])("with encoded_slashes %s, for any path", (slashes) => {
    fc.assert(fc.property(path, fc.boolean(), (raw, merge) => {
      const once = m.normalize(raw, slashes, merge, false);
      if (once === "<invalid>") return;
      expect(m.normalize(once, slashes, merge, false)).toBe(once);
    }), { numRuns: 3000 });
  });
});
