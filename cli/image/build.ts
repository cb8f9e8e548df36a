// `sluice image build`: one OCI image layout per filter, in either layout Istio's Wasm image
// fetcher accepts (istio pkg/wasm/imagefetcher.go):
//  - "compat" (default): an OCI image manifest whose last (here: only) layer is
//    `application/vnd.oci.image.layer.v1.tar+gzip` holding `plugin.wasm`;
//  - "wasm": the solo-io "oci" variant, exactly two layers: the runtime config
//    (`application/vnd.module.wasm.config.v1+json`) and the module itself, uncompressed
//    (`application/vnd.module.wasm.content.layer.v1+wasm`).
// The CNCF `application/wasm` artifact is not accepted by Istio, so it is not produced.
//
// Everything is deterministic: fixed tar metadata (tar.ts), gzip from Node's zlib at a fixed level
// with no mtime or file name in the header, JSON with a fixed key order, and annotations taken
// only from the inputs (package.json version, source, revision, SOURCE_DATE_EPOCH).

import { createHash } from "node:crypto";
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { constants as zc, gzipSync } from "node:zlib";
import { tarArchive } from "./tar.js";

export const MEDIA_TYPE_INDEX = "application/vnd.oci.image.index.v1+json";
export const MEDIA_TYPE_MANIFEST = "application/vnd.oci.image.manifest.v1+json";
export const MEDIA_TYPE_CONFIG = "application/vnd.oci.image.config.v1+json";
export const MEDIA_TYPE_LAYER = "application/vnd.oci.image.layer.v1.tar+gzip";
export const MEDIA_TYPE_WASM_CONFIG = "application/vnd.module.wasm.config.v1+json";
export const MEDIA_TYPE_WASM_LAYER = "application/vnd.module.wasm.content.layer.v1+wasm";
export const IMAGE_FORMATS = ["compat", "wasm"] as const;
export type ImageFormat = (typeof IMAGE_FORMATS)[number];
/** The file Istio extracts from the layer (first entry whose base name is `plugin.wasm`). */
export const PLUGIN_FILE = "plugin.wasm";
export const ANNOTATION_VARIANT = "module.wasm.image/variant";
export const ANNOTATION_REF_NAME = "org.opencontainers.image.ref.name";

export interface BuildImageOptions {
  /** Filter id (`filters/<id>/`), e.g. `rate-limit`; also the layout folder name. */
  filter: string;
  /** The release module, normally `build/<id>.wasm`. */
  wasmPath: string;
  /** `org.opencontainers.image.version` and the layout's ref name (tag): package.json `version`. */
  version: string;
  /** `org.opencontainers.image.source` (repository URL); omitted when undefined or empty. */
  source?: string;
  /** `org.opencontainers.image.revision` (commit id); omitted when undefined or empty. */
  revision?: string;
  /** `org.opencontainers.image.created`, seconds since the epoch (SOURCE_DATE_EPOCH). */
  created: number;
  /** Parent folder; the layout is written to `<outDir>/<filter>/` (replacing an older layout). */
  outDir: string;
  /** Image layout (default compat). */
  format?: ImageFormat;
}

export interface Descriptor {
  mediaType: string;
  digest: string;
  size: number;
  annotations?: Record<string, string>;
}

export interface ImageManifest {
  schemaVersion: 2;
  mediaType: string;
  config: Descriptor;
  layers: Descriptor[];
  annotations: Record<string, string>;
}

export interface BuiltImage {
  filter: string;
  /** `<outDir>/<filter>` */
  layoutDir: string;
  /** The ref name in index.json (the version). */
  tag: string;
  /** `sha256:<hex>` of the manifest: what a registry reports and what WasmPlugin.spec.sha256 takes (hex part). */
  manifestDigest: string;
  manifest: ImageManifest;
  /** `sha256:<hex>` of plugin.wasm itself (for information; Istio compares the manifest digest). */
  wasmDigest: string;
}

export function sha256Digest(data: Uint8Array): string {
  return "sha256:" + createHash("sha256").update(data).digest("hex");
}

/**
 * gzip with fixed parameters. Node's zlib writes a header with mtime 0 and no file name; the OS
 * byte is forced to 3 (Unix) so the header never depends on the build platform. The deflate
 * stream itself depends on the zlib inside Node: pin the Node version for digests that must
 * stay equal across machines.
 */
export function gzipDeterministic(data: Uint8Array): Buffer {
  const out = gzipSync(data, { level: 9, windowBits: 15, memLevel: 8, strategy: zc.Z_DEFAULT_STRATEGY });
  if (out[0] !== 0x1f || out[1] !== 0x8b || out[2] !== 8 || out[3] !== 0 || out.readUInt32LE(4) !== 0) {
    throw new Error("gzip: unexpected header from zlib (flags or mtime set)");
  }
  out[9] = 3;
  return out;
}

/** RFC 3339 in UTC without fractional seconds, e.g. `2026-11-22T05:08:00Z`. */
export function rfc3339(epochSeconds: number): string {
  return new Date(epochSeconds * 1000).toISOString().replace(/\.\d{3}Z$/, "Z");
}

function json(value: unknown): Buffer {
  return Buffer.from(JSON.stringify(value), "utf8");
}

function sortedRecord(record: Record<string, string>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const key of Object.keys(record).sort()) out[key] = record[key];
  return out;
}

function writeBlob(layoutDir: string, data: Uint8Array): string {
  const digest = sha256Digest(data);
  writeFileSync(join(layoutDir, "blobs", "sha256", digest.slice("sha256:".length)), data);
  return digest;
}

/** The compat variant: an image config (as built FROM scratch) and one tar+gzip layer with plugin.wasm. */
function compatBlobs(layoutDir: string, wasm: Buffer, created: number): { config: Descriptor; layers: Descriptor[] } {
  const tar = tarArchive([{ name: PLUGIN_FILE, data: wasm }]);
  const layer = gzipDeterministic(tar);
  const layerDigest = writeBlob(layoutDir, layer);
  // Platform as an image built `FROM scratch` by docker/buildah (Istio's documented recipe);
  // Istio does not check it, but tools that resolve platforms expect a normal value.
  const config = json({
    created: rfc3339(created),
    architecture: "amd64",
    os: "linux",
    rootfs: { type: "layers", diff_ids: [sha256Digest(tar)] },
  });
  return {
    config: { mediaType: MEDIA_TYPE_CONFIG, digest: writeBlob(layoutDir, config), size: config.length },
    layers: [{ mediaType: MEDIA_TYPE_LAYER, digest: layerDigest, size: layer.length }],
  };
}

/**
 * The solo-io "oci" variant (solo-io/wasm spec/spec.md): the runtime config (which ABI, which root
 * ids) is the manifest's config and also its first layer, because Istio's fetcher takes exactly two
 * layers and the raw module from the one of type MEDIA_TYPE_WASM_LAYER.
 */
function wasmBlobs(layoutDir: string, wasm: Buffer, filter: string): { config: Descriptor; layers: Descriptor[] } {
  const runtime = json({ type: "envoy_proxy", abiVersions: ["v0.2.1"], config: { rootIds: [filter] } });
  const config: Descriptor = { mediaType: MEDIA_TYPE_WASM_CONFIG, digest: writeBlob(layoutDir, runtime), size: runtime.length };
  const module: Descriptor = {
    mediaType: MEDIA_TYPE_WASM_LAYER, digest: writeBlob(layoutDir, wasm), size: wasm.length,
    annotations: { "org.opencontainers.image.title": PLUGIN_FILE },
  };
  return { config, layers: [config, module] };
}

export async function buildImage(options: BuildImageOptions): Promise<BuiltImage> {
  const { filter, wasmPath, version, source, revision, created, outDir } = options;
  const format = options.format ?? "compat";
  if (!IMAGE_FORMATS.includes(format)) throw new Error(`format must be one of ${IMAGE_FORMATS.join(", ")}, got ${JSON.stringify(format)}`);
  if (!/^[a-z0-9][a-z0-9._-]*$/.test(filter)) throw new Error(`invalid filter id ${JSON.stringify(filter)}`);
  if (!/^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/.test(version)) {
    throw new Error(`version ${JSON.stringify(version)} is not a valid image tag`);
  }
  if (!Number.isSafeInteger(created) || created < 0) throw new Error(`created must be a non-negative integer, got ${created}`);
  if (!existsSync(wasmPath)) throw new Error(`${wasmPath} not found (run npm run build)`);
  const wasm = readFileSync(wasmPath);
  if (wasm.length < 8 || wasm.readUInt32BE(0) !== 0x0061736d) throw new Error(`${wasmPath} is not a Wasm module`);

  const layoutDir = resolve(outDir, filter);
  if (existsSync(layoutDir)) {
    // Only ever replace something that is an image layout (or empty): never a stray folder.
    const entries = readdirSync(layoutDir);
    if (entries.length > 0 && !entries.includes("oci-layout")) {
      throw new Error(`${layoutDir} exists and is not an OCI image layout; not replacing it`);
    }
    rmSync(layoutDir, { recursive: true, force: true });
  }
  mkdirSync(join(layoutDir, "blobs", "sha256"), { recursive: true });

  const { config, layers } = format === "compat" ? compatBlobs(layoutDir, wasm, created) : wasmBlobs(layoutDir, wasm, filter);

  const annotations: Record<string, string> = {
    ...(format === "compat" ? { [ANNOTATION_VARIANT]: "compat" } : {}),
    "org.opencontainers.image.title": filter,
    "org.opencontainers.image.version": version,
    "org.opencontainers.image.created": rfc3339(created),
  };
  if (source) annotations["org.opencontainers.image.source"] = source;
  if (revision) annotations["org.opencontainers.image.revision"] = revision;

  const manifest: ImageManifest = {
    schemaVersion: 2,
    mediaType: MEDIA_TYPE_MANIFEST,
    config,
    layers,
    annotations: sortedRecord(annotations),
  };
  const manifestBytes = json(manifest);
  const manifestDigest = writeBlob(layoutDir, manifestBytes);

  const index = {
    schemaVersion: 2,
    mediaType: MEDIA_TYPE_INDEX,
    manifests: [
      {
        mediaType: MEDIA_TYPE_MANIFEST,
        digest: manifestDigest,
        size: manifestBytes.length,
        annotations: { [ANNOTATION_REF_NAME]: version },
      },
    ],
  };
  writeFileSync(join(layoutDir, "index.json"), json(index));
  writeFileSync(join(layoutDir, "oci-layout"), json({ imageLayoutVersion: "1.0.0" }));

  return { filter, layoutDir, tag: version, manifestDigest, manifest, wasmDigest: sha256Digest(wasm) };
}

// ---------------------------------------------------------------------------------------------
// Inputs from the repository: filter ids, version, source, revision, SOURCE_DATE_EPOCH.

/** Filter ids: folders under `<root>/filters/` with an `index.ts`, except `shared`, sorted. */
export function listFilters(root: string): string[] {
  const dir = join(root, "filters");
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((name) => name !== "shared" && statSync(join(dir, name)).isDirectory() && existsSync(join(dir, name, "index.ts")))
    .sort();
}

function git(root: string, args: string[]): string | undefined {
  try {
    const out = execFileSync("git", args, { cwd: root, encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] }).trim();
    return out || undefined;
  } catch {
    return undefined;
  }
}

/**
 * `created` in seconds: SOURCE_DATE_EPOCH when set (must be a non-negative integer), else the last
 * commit's committer time, else 0.
 */
export function resolveCreated(root: string, env: NodeJS.ProcessEnv = process.env): number {
  const raw = env.SOURCE_DATE_EPOCH;
  if (raw !== undefined && raw !== "") {
    if (!/^\d+$/.test(raw.trim())) throw new Error(`SOURCE_DATE_EPOCH must be a non-negative integer, got ${JSON.stringify(raw)}`);
    return Number(raw.trim());
  }
  const fromGit = git(root, ["log", "-1", "--format=%ct"]);
  return fromGit && /^\d+$/.test(fromGit) ? Number(fromGit) : 0;
}

/**
 * `org.opencontainers.image.source`: the repository URL of package.json `repository` (a string or
 * `{url}`), as a browsable https URL (`git+https://host/o/r.git` and `github:o/r` become
 * `https://host/o/r`). Never a local path or a git remote (a clone's origin may be a folder):
 * undefined when package.json names no http(s) repository.
 */
export function resolveSource(root: string): string | undefined {
  let repo: string | undefined;
  try {
    const pkg = JSON.parse(readFileSync(join(root, "package.json"), "utf8")) as { repository?: string | { url?: string } };
    repo = typeof pkg.repository === "string" ? pkg.repository : pkg.repository?.url;
  } catch {
    return undefined;
  }
  return repo === undefined ? undefined : sourceUrl(repo);
}

/** A repository reference as an https URL, or undefined when it is not one (a path, ssh, ...). */
export function sourceUrl(repo: string): string | undefined {
  // npm's shorthands: github:o/r, gitlab:o/r, bitbucket:o/r and plain o/r (GitHub)
  const shorthand = /^(github|gitlab|bitbucket|):?([A-Za-z0-9][A-Za-z0-9-]*\/[A-Za-z0-9_][A-Za-z0-9_.-]*)$/.exec(repo);
  if (shorthand) return `https://${shorthand[1] === "" ? "github" : shorthand[1]}.${shorthand[1] === "bitbucket" ? "org" : "com"}/${shorthand[2]}`;
  let url: URL;
  try {
    url = new URL(repo.replace(/^git\+/, ""));
  } catch {
    return undefined;
  }
  if (url.protocol !== "https:" && url.protocol !== "http:") return undefined;
  url.username = "";
  url.password = "";
  return `${url.origin}${url.pathname.replace(/\.git$/, "").replace(/\/$/, "")}`;
}

export function resolveRevision(root: string): string | undefined {
  return git(root, ["rev-parse", "HEAD"]);
}

/** The one Sluice version, package.json `version`: the tag of every filter's image. */
export function readVersion(root: string): string {
  const path = join(root, "package.json");
  if (!existsSync(path)) throw new Error(`${path} not found; run sluice from the repository root`);
  const version = (JSON.parse(readFileSync(path, "utf8")) as { version?: unknown }).version;
  if (typeof version !== "string" || version === "") throw new Error(`${path} has no version`);
  return version;
}
