// Shared test helpers: repository paths, copies of the built modules, and a reader that applies
// Istio's Wasm image fetcher rules (istio pkg/wasm/imagefetcher.go, see
// shared/reference/sdk-and-delivery.md §2.1) to an image layout.

import { copyFileSync, existsSync, mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { basename, join } from "node:path";
import { fileURLToPath } from "node:url";
import { gunzipSync } from "node:zlib";
import { listFilters } from "../build.js";
import { tarEntries } from "../tar.js";

export const ROOT = fileURLToPath(new URL("../../../", import.meta.url));

export const FILTERS = listFilters(ROOT);

/** Copies `build/<id>.wasm` of every filter to a temporary folder (other builds may run meanwhile). */
export function copyModules(): { dir: string; wasm: Record<string, string> } {
  const dir = mkdtempSync(join(tmpdir(), "sluice-wasm-"));
  const wasm: Record<string, string> = {};
  for (const id of FILTERS) {
    const src = join(ROOT, "build", `${id}.wasm`);
    if (!existsSync(src)) throw new Error(`${src} missing: run npm run build first`);
    wasm[id] = join(dir, `${id}.wasm`);
    copyFileSync(src, wasm[id]);
  }
  return { dir, wasm };
}

export function blobPath(layoutDir: string, digest: string): string {
  return join(layoutDir, "blobs", "sha256", digest.replace(/^sha256:/, ""));
}

export interface LayoutManifest {
  digest: string;
  bytes: Buffer;
  json: {
    schemaVersion: number;
    mediaType?: string;
    config: { mediaType: string; digest: string; size: number };
    layers: { mediaType: string; digest: string; size: number }[];
    annotations?: Record<string, string>;
  };
}

/** The manifest an image layout's index.json names `tag` (or its only manifest). */
export function layoutManifest(layoutDir: string, tag?: string): LayoutManifest {
  const index = JSON.parse(readFileSync(join(layoutDir, "index.json"), "utf8")) as {
    manifests: { digest: string; annotations?: Record<string, string> }[];
  };
  const entry = tag === undefined ? index.manifests[0] : index.manifests.find((m) => m.annotations?.["org.opencontainers.image.ref.name"] === tag);
  if (!entry) throw new Error(`no manifest ${tag} in ${layoutDir}`);
  const bytes = readFileSync(blobPath(layoutDir, entry.digest));
  return { digest: entry.digest, bytes, json: JSON.parse(bytes.toString("utf8")) };
}

/**
 * What Istio's fetcher would load from this image: Docker manifest → last layer must be
 * rootfs.diff.tar.gzip; otherwise "compat" → last layer must be OCI tar+gzip, first tar entry whose
 * base name is plugin.wasm; otherwise the solo "oci" variant → exactly two layers, the module raw in
 * the one of type application/vnd.module.wasm.content.layer.v1+wasm. The result must start with
 * \0asm and be at least 8 bytes.
 */
export function istioExtract(layoutDir: string, tag?: string): Buffer {
  const { json } = layoutManifest(layoutDir, tag);
  const last = json.layers[json.layers.length - 1];
  const wanted =
    json.mediaType === "application/vnd.docker.distribution.manifest.v2+json"
      ? "application/vnd.docker.image.rootfs.diff.tar.gzip"
      : "application/vnd.oci.image.layer.v1.tar+gzip";
  let wasm: Buffer;
  if (last && last.mediaType === wanted) {
    const tar = gunzipSync(readFileSync(blobPath(layoutDir, last.digest)));
    const entry = tarEntries(tar).find((e) => basename(e.name) === "plugin.wasm");
    if (!entry) throw new Error("plugin.wasm not found in the layer");
    wasm = Buffer.from(entry.data);
  } else {
    const module = json.layers.find((l) => l.mediaType === "application/vnd.module.wasm.content.layer.v1+wasm");
    if (json.layers.length !== 2 || !module) throw new Error("the given image is in invalid format as an OCI image");
    wasm = readFileSync(blobPath(layoutDir, module.digest));
  }
  if (wasm.length < 8 || wasm.readUInt32BE(0) !== 0x0061736d) throw new Error("not a Wasm binary");
  return wasm;
}
