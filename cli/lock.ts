// sluice.lock: the manifest digest of every image pushed, so rendered manifests pin what was pushed
// without anyone editing generated files. `sluice image push <layout> <ref> --lock sluice.lock`
// writes `<ref>: sha256:<hex>` (adding or replacing that entry); `sluice render istio --lock
// sluice.lock` puts the hex into spec.sha256 (with imagePullPolicy IfNotPresent) of every filter
// whose oci:// image is listed, and refuses to render one that is not.
//
//   # sluice.lock: written by sluice image push --lock; read by sluice render istio --lock
//   images:
//     ghcr.io/sluice/rate-limit:0.1.0: sha256:4f1c...
import { existsSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { stringify } from "yaml";
import { parseText } from "./config.js";
import { CliError } from "./errors.js";

export interface Lock {
  file: string;
  /** `<registry>/<repository>:<tag>` → `sha256:<64 hex>` */
  images: Record<string, string>;
}

const HEADER = "# sluice.lock: written by sluice image push --lock; read by sluice render istio --lock\n";
const DIGEST = /^sha256:[a-f0-9]{64}$/;

function bad(file: string, what: string): never {
  throw new CliError(`${file}: ${what}`);
}

/** Reads a lock file; a missing file is an error unless `missingOk` (then it is empty). */
export function readLock(file: string, missingOk = false): Lock {
  if (!existsSync(file)) {
    if (missingOk) return { file, images: {} };
    bad(file, "no such file (sluice image push ... --lock writes it)");
  }
  const doc: unknown = parseText(file, readFileSync(file, "utf8")).doc.toJS({ maxAliasCount: 100 });
  if (doc === null || typeof doc !== "object" || Array.isArray(doc)) bad(file, "must be a mapping with an images mapping");
  const { images, ...rest } = doc as Record<string, unknown>;
  for (const k of Object.keys(rest)) bad(file, `${k}: unknown key (known: images)`);
  if (images === undefined || images === null) return { file, images: {} };
  if (typeof images !== "object" || Array.isArray(images)) bad(file, "images: must be a mapping of image reference: sha256:<hex>");
  for (const [ref, digest] of Object.entries(images as object)) {
    if (typeof digest !== "string" || !DIGEST.test(digest)) bad(file, `images.${ref}: must be sha256: and 64 lowercase hex digits, got ${JSON.stringify(digest)}`);
  }
  return { file, images: images as Record<string, string> };
}

/** Adds or replaces the digest of `reference` in the lock file (created when missing), keys sorted. */
export function lockImage(file: string, reference: string, digest: string): void {
  if (!DIGEST.test(digest)) throw new Error(`not a sha256 digest: ${digest}`);
  const lock = readLock(file, true);
  const images: Record<string, string> = { ...lock.images, [reference]: digest };
  const sorted = Object.fromEntries(Object.keys(images).sort().map((k) => [k, images[k]!]));
  const temporary = `${file}.tmp-${process.pid}`;
  try {
    writeFileSync(temporary, HEADER + stringify({ images: sorted }, { lineWidth: 0 }));
    renameSync(temporary, file); // never a half-written lock
  } catch (e) {
    throw new CliError(`${file}: cannot write: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`, 1);
  }
}
