import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gunzipSync } from "node:zlib";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildImage, gzipDeterministic, rfc3339, type BuildImageOptions } from "../build.js";
import { tarArchive, tarEntries, tarHeader } from "../tar.js";
import { blobPath, copyModules, FILTERS, istioExtract, layoutManifest, ROOT } from "./helpers.js";
import { requireTool, skopeo } from "./registry.js";

const sha = (b: Uint8Array): string => "sha256:" + createHash("sha256").update(b).digest("hex");

let tmp: string;
let wasm: Record<string, string>;
let modulesDir: string;

beforeAll(() => {
  tmp = mkdtempSync(join(tmpdir(), "sluice-image-build-"));
  ({ dir: modulesDir, wasm } = copyModules());
});

afterAll(() => {
  rmSync(tmp, { recursive: true, force: true });
  rmSync(modulesDir, { recursive: true, force: true });
});

function options(filter: string, outDir: string, extra: Partial<BuildImageOptions> = {}): BuildImageOptions {
  return {
    filter,
    wasmPath: wasm[filter],
    version: "1.2.3",
    source: "https://example.invalid/sluice",
    revision: "0123456789abcdef0123456789abcdef01234567",
    created: 1_700_000_000,
    outDir,
    ...extra,
  };
}

function allFiles(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (d: string, prefix: string): void => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      if (e.isDirectory()) walk(join(d, e.name), `${prefix}${e.name}/`);
      else out[prefix + e.name] = sha(readFileSync(join(d, e.name)));
    }
  };
  walk(dir, "");
  return out;
}

describe("ustar writer", () => {
  it("writes the fixed header fields and a valid checksum", () => {
    const h = tarHeader("plugin.wasm", 1234);
    const field = (start: number, len: number): string => h.subarray(start, start + len).toString("latin1");
    expect(h.length).toBe(512);
    expect(field(0, 100)).toBe("plugin.wasm".padEnd(100, "\0"));
    expect(field(100, 8)).toBe("0000644\0");
    expect(field(108, 8)).toBe("0000000\0");
    expect(field(116, 8)).toBe("0000000\0");
    expect(field(124, 12)).toBe("00000002322\0"); // 1234 in octal
    expect(field(136, 12)).toBe("00000000000\0"); // mtime 0
    expect(field(156, 1)).toBe("0");
    expect(field(157, 100)).toBe("\0".repeat(100));
    expect(field(257, 6)).toBe("ustar\0");
    expect(field(263, 2)).toBe("00");
    expect(field(265, 64)).toBe("\0".repeat(64)); // uname, gname empty
    expect(field(345, 167)).toBe("\0".repeat(167));
    const copy = Buffer.from(h);
    copy.fill(0x20, 148, 156);
    const sum = copy.reduce((a, b) => a + b, 0);
    expect(field(148, 8)).toBe(sum.toString(8).padStart(6, "0") + "\0 ");
  });

  it("pads data to 512 bytes and ends with two zero blocks; tar(1) reads it", () => {
    const data = Buffer.from(Array.from({ length: 700 }, (_, i) => i % 251));
    const archive = tarArchive([{ name: "plugin.wasm", data }]);
    expect(archive.length).toBe(512 + 1024 + 1024);
    expect(archive.subarray(512, 1212).equals(data)).toBe(true);
    expect(archive.subarray(1212).every((b) => b === 0)).toBe(true);
    expect(tarEntries(archive).map((e) => [e.name, Buffer.from(e.data).equals(data)])).toEqual([["plugin.wasm", true]]);

    const file = join(tmp, "t.tar");
    writeFileSync(file, archive);
    const list = spawnSync("tar", ["--numeric-owner", "--utc", "-tvf", file], { encoding: "utf8" });
    expect(list.status, list.stderr).toBe(0);
    expect(list.stdout.trim()).toMatch(/^-rw-r--r-- 0\/0 +700 1970-01-01 00:00 plugin\.wasm$/);
    const out = spawnSync("tar", ["-xOf", file, "plugin.wasm"]);
    expect(Buffer.from(out.stdout).equals(data)).toBe(true);
  });

  it("refuses names it cannot write", () => {
    expect(() => tarHeader("x".repeat(101), 1)).toThrow(/too long/);
    expect(() => tarHeader("/abs", 1)).toThrow(/unsupported entry name/);
    expect(() => tarHeader("../up", 1)).toThrow(/unsupported entry name/);
  });
});

describe("gzip", () => {
  it("has a fixed header (no mtime, no file name, OS Unix) and round-trips", () => {
    const data = Buffer.from("sluice ".repeat(100));
    const gz = gzipDeterministic(data);
    expect(gz.subarray(0, 4).toString("hex")).toBe("1f8b0800"); // magic, deflate, no FNAME/FEXTRA
    expect(gz.readUInt32LE(4)).toBe(0); // mtime
    expect(gz[9]).toBe(3);
    expect(gunzipSync(gz).equals(data)).toBe(true);
    expect(gzipDeterministic(data).equals(gz)).toBe(true);
  });
});

describe("buildImage", () => {
  it("--format wasm writes the two-layer variant: the runtime config as config and first layer, the module raw as the second", async () => {
    const out = join(tmp, "layout-wasm");
    const image = await buildImage({ ...options("rate-limit", out), format: "wasm" });
    const { json: manifest } = layoutManifest(image.layoutDir);
    const runtime = { mediaType: "application/vnd.module.wasm.config.v1+json", digest: manifest.config.digest, size: manifest.config.size };
    expect(manifest).toEqual({
      schemaVersion: 2,
      mediaType: "application/vnd.oci.image.manifest.v1+json",
      config: runtime,
      layers: [
        runtime,
        { mediaType: "application/vnd.module.wasm.content.layer.v1+wasm", digest: sha(readFileSync(wasm["rate-limit"])), size: readFileSync(wasm["rate-limit"]).length,
          annotations: { "org.opencontainers.image.title": "plugin.wasm" } },
      ],
      annotations: {
        "org.opencontainers.image.created": "2023-11-14T22:13:20Z",
        "org.opencontainers.image.revision": "0123456789abcdef0123456789abcdef01234567",
        "org.opencontainers.image.source": "https://example.invalid/sluice",
        "org.opencontainers.image.title": "rate-limit",
        "org.opencontainers.image.version": "1.2.3",
      },
    });
    expect(JSON.parse(readFileSync(blobPath(image.layoutDir, manifest.config.digest), "utf8"))).toEqual({ type: "envoy_proxy", abiVersions: ["v0.2.1"], config: { rootIds: ["rate-limit"] } });
    expect(istioExtract(image.layoutDir).equals(readFileSync(wasm["rate-limit"]))).toBe(true);
    // reproducible like the compat layout
    const again = await buildImage({ ...options("rate-limit", join(tmp, "layout-wasm-2")), format: "wasm" });
    expect(again.manifestDigest).toBe(image.manifestDigest);
  });

  it("writes an OCI image layout in the compat format", async () => {
    const out = join(tmp, "layout");
    const image = await buildImage(options("rate-limit", out));
    const dir = join(out, "rate-limit");
    expect(image.layoutDir).toBe(dir);
    expect(readFileSync(join(dir, "oci-layout"), "utf8")).toBe('{"imageLayoutVersion":"1.0.0"}');

    const index = JSON.parse(readFileSync(join(dir, "index.json"), "utf8"));
    const { digest, bytes, json: manifest } = layoutManifest(dir);
    expect(index).toEqual({
      schemaVersion: 2,
      mediaType: "application/vnd.oci.image.index.v1+json",
      manifests: [
        {
          mediaType: "application/vnd.oci.image.manifest.v1+json",
          digest: image.manifestDigest,
          size: bytes.length,
          annotations: { "org.opencontainers.image.ref.name": "1.2.3" },
        },
      ],
    });
    expect(digest).toBe(sha(bytes));

    expect(manifest.schemaVersion).toBe(2);
    expect(manifest.mediaType).toBe("application/vnd.oci.image.manifest.v1+json");
    expect(manifest.config.mediaType).toBe("application/vnd.oci.image.config.v1+json");
    expect(manifest.layers).toHaveLength(1);
    expect(manifest.layers[0].mediaType).toBe("application/vnd.oci.image.layer.v1.tar+gzip");
    expect(manifest.annotations).toEqual({
      "module.wasm.image/variant": "compat",
      "org.opencontainers.image.created": "2023-11-14T22:13:20Z",
      "org.opencontainers.image.revision": "0123456789abcdef0123456789abcdef01234567",
      "org.opencontainers.image.source": "https://example.invalid/sluice",
      "org.opencontainers.image.title": "rate-limit",
      "org.opencontainers.image.version": "1.2.3",
    });

    // Every blob is named by its digest and has the size its descriptor says; nothing else is there.
    const blobs = readdirSync(join(dir, "blobs", "sha256")).sort();
    expect(blobs).toEqual([digest, manifest.config.digest, manifest.layers[0].digest].map((d) => d.slice(7)).sort());
    for (const d of [manifest.config, manifest.layers[0]]) {
      const blob = readFileSync(blobPath(dir, d.digest));
      expect(sha(blob)).toBe(d.digest);
      expect(blob.length).toBe(d.size);
    }

    const layer = readFileSync(blobPath(dir, manifest.layers[0].digest));
    const tar = gunzipSync(layer);
    const config = JSON.parse(readFileSync(blobPath(dir, manifest.config.digest), "utf8"));
    expect(config).toEqual({
      created: "2023-11-14T22:13:20Z",
      architecture: "amd64",
      os: "linux",
      rootfs: { type: "layers", diff_ids: [sha(tar)] },
    });

    // The layer: exactly one entry, plugin.wasm, the module's bytes, fixed metadata.
    const module = readFileSync(wasm["rate-limit"]);
    expect(tar.length).toBe(512 + Math.ceil(module.length / 512) * 512 + 1024);
    expect(tar.subarray(0, 512).equals(tarHeader("plugin.wasm", module.length))).toBe(true);
    expect(tar.subarray(512, 512 + module.length).equals(module)).toBe(true);
    const entries = tarEntries(tar);
    expect(entries.map((e) => e.name)).toEqual(["plugin.wasm"]);
    expect(image.wasmDigest).toBe(sha(module));
  });

  it("produces what Istio's fetcher extracts, for every filter", async () => {
    expect(FILTERS).toEqual(expect.arrayContaining(["rate-limit", "circuit-breaker", "traffic-colour", "spiffe-rbac"]));
    const out = join(tmp, "istio");
    for (const id of FILTERS) {
      const image = await buildImage(options(id, out));
      expect(istioExtract(image.layoutDir).equals(readFileSync(wasm[id])), id).toBe(true);
    }
  });

  it("is reproducible: same inputs, same bytes; each annotation input changes the digest", async () => {
    const a = await buildImage(options("traffic-colour", join(tmp, "repro-a")));
    const b = await buildImage(options("traffic-colour", join(tmp, "repro-b")));
    expect(b.manifestDigest).toBe(a.manifestDigest);
    expect(allFiles(b.layoutDir)).toEqual(allFiles(a.layoutDir));
    // Building again over an existing layout replaces it with the same content.
    const again = await buildImage(options("traffic-colour", join(tmp, "repro-a")));
    expect(allFiles(again.layoutDir)).toEqual(allFiles(b.layoutDir));

    const digests = new Set([a.manifestDigest]);
    for (const extra of [{ created: 1_700_000_001 }, { revision: "ffff" }, { source: "https://example.invalid/other" }, { version: "1.2.4" }]) {
      digests.add((await buildImage(options("traffic-colour", join(tmp, "repro-c"), extra))).manifestDigest);
    }
    expect(digests.size).toBe(5);
  });

  it("is reproducible across processes (SOURCE_DATE_EPOCH through the CLI)", async () => {
    const run = (out: string, epoch: string): string => {
      const script = `import("./cli/image/index.ts").then(async (m) => process.exit(await m.runImage(["build", "--filter", "spiffe-rbac", "--out", ${JSON.stringify(out)}, "--revision", "r1", "--source", "https://example.invalid/s1"])))`;
      const res = spawnSync(process.execPath, ["--import", "tsx", "-e", script], {
        cwd: ROOT,
        encoding: "utf8",
        env: { ...process.env, SOURCE_DATE_EPOCH: epoch },
        timeout: 30_000,
      });
      expect(res.status, res.stderr).toBe(0);
      return res.stdout.trim().split(" ")[2];
    };
    const first = run(join(tmp, "proc-1"), "1700000000");
    const second = run(join(tmp, "proc-2"), "1700000000");
    const later = run(join(tmp, "proc-3"), "1700000060");
    expect(first).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(second).toBe(first);
    expect(later).not.toBe(first);
    expect(layoutManifest(join(tmp, "proc-3", "spiffe-rbac")).json.annotations?.["org.opencontainers.image.created"]).toBe(rfc3339(1700000060));
  }, 60_000);

  it("is read by skopeo and umoci", async () => {
    const image = await buildImage(options("circuit-breaker", join(tmp, "tools")));
    const raw = await skopeo(["inspect", "--raw", `oci:${image.layoutDir}:1.2.3`]);
    expect(raw.status, raw.stderr).toBe(0);
    expect(sha(raw.stdout)).toBe(image.manifestDigest);

    const umoci = requireTool("/usr/bin/umoci", "umoci");
    const unpacked = join(tmp, "umoci-rootfs");
    const res = spawnSync(umoci, ["raw", "unpack", "--rootless", "--image", `${image.layoutDir}:1.2.3`, unpacked], { encoding: "utf8", timeout: 20_000 });
    expect(res.status, res.stderr).toBe(0);
    expect(readFileSync(join(unpacked, "plugin.wasm")).equals(readFileSync(wasm["circuit-breaker"]))).toBe(true);
  });

  it("refuses bad inputs and never replaces a folder that is not a layout", async () => {
    const out = join(tmp, "refuse");
    mkdirSync(join(out, "rate-limit"), { recursive: true });
    writeFileSync(join(out, "rate-limit", "precious.txt"), "keep");
    await expect(buildImage(options("rate-limit", out))).rejects.toThrow(/not an OCI image layout; not replacing it/);
    expect(readFileSync(join(out, "rate-limit", "precious.txt"), "utf8")).toBe("keep");
    await expect(buildImage(options("rate-limit", out, { wasmPath: join(tmp, "missing.wasm") }))).rejects.toThrow(/not found/);
    await expect(buildImage(options("rate-limit", out, { wasmPath: join(ROOT, "package.json") }))).rejects.toThrow(/not a Wasm module/);
    await expect(buildImage(options("rate-limit", out, { version: "1.0 beta" }))).rejects.toThrow(/not a valid image tag/);
    await expect(buildImage(options("../x", out))).rejects.toThrow(/invalid filter id/);
  });
});
