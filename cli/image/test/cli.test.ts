// `runImage` argument handling, messages and exit codes, and the pure helpers of push.ts.
// Nothing here needs a registry; the "registry down" case uses a free port with nothing on it.

import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { isLoopbackHost, parseChallenge, parseReference, runImage, sourceUrl, type ImageIo } from "../index.js";
import { FILTERS, layoutManifest, ROOT } from "./helpers.js";
import { freePort, requireTool } from "./registry.js";

interface Run {
  code: number;
  out: string[];
  err: string[];
}

async function run(args: string[], env: NodeJS.ProcessEnv = {}, cwd = ROOT): Promise<Run> {
  const out: string[] = [];
  const err: string[] = [];
  const io: Partial<ImageIo> = { stdout: (l) => out.push(l), stderr: (l) => err.push(l), cwd, env };
  const code = await runImage(args, io);
  return { code, out, err };
}

let tmp: string;
beforeAll(() => {
  tmp = mkdtempSync(join(tmpdir(), "sluice-image-cli-"));
});
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe("sluice image: arguments", () => {
  it("prints help with exit 0, usage on no arguments with exit 2", async () => {
    for (const args of [["--help"], ["build", "--help"], ["push", "-h"]]) {
      const r = await run(args);
      expect(r.code, args.join(" ")).toBe(0);
      expect(r.out.join("\n")).toMatch(/^Usage:\n {2}sluice image build/);
    }
    const none = await run([]);
    expect(none.code).toBe(2);
    expect(none.err.join("\n")).toMatch(/^Usage:/);
  });

  it("reports bad arguments on one line with exit 2", async () => {
    const cases: [string[], RegExp][] = [
      [["frobnicate"], /^sluice image: unknown subcommand "frobnicate" \(build, push; see sluice image --help\)$/],
      [["build", "--bogus"], /^sluice image build: Unknown option '--bogus'/],
      [["build", "extra"], /^sluice image build: Unexpected argument 'extra'/],
      [["build", "--filter", "nope"], new RegExp(`^sluice image build: unknown filter "nope" \\(known: ${FILTERS.join(", ")}\\)$`)],
      [["push", "dist/oci/rate-limit"], /^sluice image push: push takes <layout> <registry>\/<repo>\[:<tag>\], got 1 argument\(s\)$/],
      [["push", "a", "b/c", "--username", "u"], /^sluice image push: --username and --password go together$/],
      [["push", "a", "b/c", "--token", "t", "--username", "u", "--password", "p"], /^sluice image push: use either --token or --username\/--password, not both$/],
      [["push", "a", "b/c", "--chunk-size", "0"], /^sluice image push: --chunk-size must be a positive integer, got "0"$/],
      [["push", "a", "127.0.0.1:1/Upper/Case:x"], /^sluice image push: invalid repository "Upper\/Case" in "127.0.0.1:1\/Upper\/Case:x"/],
      [["push", "a", "rate-limit:1"], /^sluice image push: invalid image reference "rate-limit:1": expected <registry>\/<repo>:<tag>$/],
      [["build", "--format", "docker"], /^sluice image build: --format must be one of compat, wasm, got "docker"$/],
      [["build", "--source", "/home/me/src/sluice"], /^sluice image build: --source must be the repository's http\(s\) URL, got "\/home\/me\/src\/sluice"$/],
    ];
    for (const [args, message] of cases) {
      const r = await run(args);
      expect(r.code, args.join(" ")).toBe(2);
      expect(r.err, args.join(" ")).toHaveLength(1);
      expect(r.err[0]).toMatch(message);
      expect(r.out).toEqual([]);
    }
  });
});

describe("sluice image build", () => {
  it("builds every filter, one line each, tagged with the package.json version, created from SOURCE_DATE_EPOCH", async () => {
    const out = join(tmp, "all");
    const r = await run(["build", "--out", out, "--source", "https://example.invalid/s", "--revision", "abc"], { SOURCE_DATE_EPOCH: "86400" });
    expect(r.err).toEqual([]);
    expect(r.code).toBe(0);
    expect(r.out).toHaveLength(FILTERS.length);
    const version = (JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")) as { version: string }).version;
    FILTERS.forEach((id, i) => {
      const [name, tag, digest, dir] = r.out[i].split(" ");
      expect([name, tag]).toEqual([id, version]);
      expect(dir).toBe(join(out, id)); // outside the repository: shown absolute
      const m = layoutManifest(join(out, id), version);
      expect(m.digest).toBe(digest);
      expect(m.json.annotations).toMatchObject({
        "org.opencontainers.image.created": "1970-01-02T00:00:00Z",
        "org.opencontainers.image.version": version,
        "org.opencontainers.image.source": "https://example.invalid/s",
        "org.opencontainers.image.revision": "abc",
      });
    });
  });

  it("--filter selects (repeatable and comma-separated); defaults come from git", async () => {
    const out = join(tmp, "some");
    const r = await run(["build", "--filter", "rate-limit,traffic-colour", "--filter", "rate-limit", "--out", out]);
    expect(r.code).toBe(0);
    expect(r.out.map((l) => l.split(" ")[0])).toEqual(["rate-limit", "traffic-colour"]);
    const ann = layoutManifest(join(out, "rate-limit")).json.annotations ?? {};
    // Without SOURCE_DATE_EPOCH: the last commit's time (this is a git checkout), else 0.
    expect(ann["org.opencontainers.image.created"]).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    expect(ann["org.opencontainers.image.revision"] ?? "").toMatch(/^([0-9a-f]{40})?$/);
  });

  it("--bundle builds the image of the bundle (build/sluice.wasm), the chain in one module", async () => {
    const out = join(tmp, "bundle");
    const r = await run(["build", "--bundle", "--out", out]);
    expect(r.code).toBe(0);
    expect(r.out.map((l) => l.split(" ")[0])).toEqual(["sluice"]);
    expect(layoutManifest(join(out, "sluice")).digest).toBe(r.out[0]!.split(" ")[2]);
  });

  it("rejects a bad SOURCE_DATE_EPOCH and a folder without filters (exit 1, one line)", async () => {
    const bad = await run(["build", "--out", join(tmp, "x")], { SOURCE_DATE_EPOCH: "yesterday" });
    expect(bad.code).toBe(1);
    expect(bad.err).toEqual(['sluice image build: SOURCE_DATE_EPOCH must be a non-negative integer, got "yesterday"']);
    const empty = await run(["build"], {}, tmp);
    expect(empty.code).toBe(1);
    expect(empty.err).toEqual([`sluice image build: no filters found under ${join(tmp, "filters")}; run sluice from the repository root`]);
  });
});

describe("sluice image push without a registry", () => {
  let layout: string;
  beforeAll(async () => {
    const r = await run(["build", "--filter", "rate-limit", "--out", join(tmp, "push")], { SOURCE_DATE_EPOCH: "0" });
    expect(r.code).toBe(0);
    layout = join(tmp, "push", "rate-limit");
  });

  it("--insecure takes any host, with one warning line unless it is loopback", async () => {
    // 0.0.0.0 is no loopback name (a connection to it reaches this machine, where nothing listens on the port)
    const port = await freePort();
    const r = await run(["push", layout, `0.0.0.0:${port}/sluice/rate-limit:1`, "--insecure"]);
    expect([r.code, r.err.filter((l) => l.startsWith("sluice image push:"))]).toEqual([1, [
      `sluice image push: warning: --insecure: plain HTTP to 0.0.0.0:${port}; the image travels unencrypted`,
      `sluice image push: cannot reach registry http://0.0.0.0:${port}: connect ECONNREFUSED 0.0.0.0:${port}`,
    ]]);
    const creds = await run(["push", layout, `0.0.0.0:${port}/sluice/rate-limit:1`, "--insecure", "--username", "u", "--password", "p"]);
    expect(creds.err[0]).toBe(`sluice image push: warning: --insecure: plain HTTP to 0.0.0.0:${port}; the image and the credentials travel unencrypted`);
    const local = await run(["push", layout, `127.0.0.1:${port}/sluice/rate-limit:1`, "--insecure"]);
    expect(local.err.some((l) => l.includes("warning"))).toBe(false);
  });

  it("a registry that is down: one clear line, exit 1", async () => {
    const port = await freePort();
    const r = await run(["push", layout, `127.0.0.1:${port}/sluice/rate-limit:0.1.0`, "--insecure"]);
    expect(r.code).toBe(1);
    expect(r.out).toEqual([]);
    expect(r.err).toEqual([
      expect.stringMatching(/^blob 1\/2 sha256:[0-9a-f]{64} \(\d+\.\d KiB\)$/),
      `sluice image push: cannot reach registry http://127.0.0.1:${port}: connect ECONNREFUSED 127.0.0.1:${port}`,
    ]);
  });

  it("checks the layout before any request", async () => {
    const notLayout = await run(["push", tmp, "127.0.0.1:1/a:b", "--insecure"]);
    expect(notLayout.code).toBe(1);
    expect(notLayout.err[0]).toBe(`sluice image push: ${tmp} is not an OCI image layout (no oci-layout/index.json); run sluice image build`);
  });
});

describe("test tools", () => {
  it("a missing tool fails the tests with the package to install", () => {
    expect(() => requireTool("/nonexistent/sluice-no-such-tool", "sluice-no-such-tool")).toThrow(
      'install the Debian package "sluice-no-such-tool" (.ci/run installs it); the OCI image tests need it',
    );
  });
});

describe("push helpers", () => {
  it("parses references", () => {
    expect(parseReference("127.0.0.1:5000/sluice/rate-limit:0.1.0")).toEqual({ registry: "127.0.0.1:5000", repository: "sluice/rate-limit", tag: "0.1.0" });
    expect(parseReference("[::1]:5000/a")).toEqual({ registry: "[::1]:5000", repository: "a", tag: undefined });
    expect(parseReference("ghcr.io/org/sluice-rate-limit:v1_2")).toEqual({ registry: "ghcr.io", repository: "org/sluice-rate-limit", tag: "v1_2" });
    expect(() => parseReference("rate-limit:1")).toThrow(/expected <registry>\/<repo>:<tag>/);
    expect(() => parseReference("r.io/a@sha256:00")).toThrow(/push by tag/);
    expect(() => parseReference("r.io/a:-bad")).toThrow(/invalid tag/);
    expect(() => parseReference("u@r.io/a:1")).toThrow(/push by tag|invalid registry/);
  });

  it("turns package.json repository forms into the https URL of org.opencontainers.image.source, and nothing else", () => {
    expect(sourceUrl("git+https://github.com/sluice/sluice.git")).toBe("https://github.com/sluice/sluice");
    expect(sourceUrl("https://gitlab.example/team/sluice/")).toBe("https://gitlab.example/team/sluice");
    expect(sourceUrl("https://user:token@github.com/o/r.git")).toBe("https://github.com/o/r");
    expect(sourceUrl("github:o/r")).toBe("https://github.com/o/r");
    expect(sourceUrl("o/r")).toBe("https://github.com/o/r");
    for (const local of ["/work/main", "../sluice", "file:///srv/git/sluice", "git@github.com:o/r.git", "ssh://git@host/o/r"]) expect(sourceUrl(local), local).toBeUndefined();
  });

  it("knows loopback hosts", () => {
    for (const h of ["127.0.0.1", "127.255.3.4", "localhost", "LOCALHOST", "[::1]"]) expect(isLoopbackHost(h), h).toBe(true);
    for (const h of ["128.0.0.1", "127.0.0.256", "localhost.example.com", "[::2]", "0.0.0.0", "10.0.0.1"]) expect(isLoopbackHost(h), h).toBe(false);
  });

  it("parses WWW-Authenticate challenges", () => {
    expect(parseChallenge('Bearer realm="https://auth.example/token",service="registry.example",scope="repository:a/b:pull,push"')).toEqual({
      scheme: "bearer",
      params: { realm: "https://auth.example/token", service: "registry.example", scope: "repository:a/b:pull,push" },
    });
    expect(parseChallenge('Basic realm="Registry Realm"')).toEqual({ scheme: "basic", params: { realm: "Registry Realm" } });
    expect(parseChallenge("Bearer realm=http://x/t, service=s")).toEqual({ scheme: "bearer", params: { realm: "http://x/t", service: "s" } });
    expect(parseChallenge("")).toEqual({ scheme: "", params: {} });
  });
});
