// `sluice image build|push`: argument parsing, messages and exit codes around build.ts/push.ts.

import { existsSync } from "node:fs";
import { isAbsolute, join, relative, resolve } from "node:path";
import { parseArgs } from "node:util";
import { lockImage } from "../lock.js";
import { buildImage, IMAGE_FORMATS, listFilters, readVersion, resolveCreated, resolveRevision, resolveSource, sourceUrl, type ImageFormat } from "./build.js";
import { parseReference, pushImage } from "./push.js";

export { buildImage, gzipDeterministic, listFilters, readVersion, resolveCreated, resolveRevision, resolveSource, sha256Digest, sourceUrl } from "./build.js";
export type { BuildImageOptions, BuiltImage, Descriptor, ImageManifest } from "./build.js";
export { isLoopbackHost, parseChallenge, parseReference, pushImage, PushError, readLayout } from "./push.js";
export type { PushOptions, PushResult } from "./push.js";
export { tarArchive, tarEntries, tarHeader } from "./tar.js";

export interface ImageIo {
  stdout: (line: string) => void;
  stderr: (line: string) => void;
  /** Repository root for `build` and base for relative paths (default: process.cwd()). */
  cwd: string;
  env: NodeJS.ProcessEnv;
}

const defaultIo = (): ImageIo => ({
  stdout: (line) => process.stdout.write(line + "\n"),
  stderr: (line) => process.stderr.write(line + "\n"),
  cwd: process.cwd(),
  env: process.env,
});

export const IMAGE_USAGE = `Usage:
  sluice image build [--filter <id>]... [--bundle] [--format compat|wasm] [--out <dir>] [--source <url>] [--revision <rev>]
  sluice image push <layout> <registry>/<repo>[:<tag>] [--insecure] [--lock <file>]
                    [--username <u> --password <p> | --token <t>] [--chunk-size <bytes>]

build  writes one OCI image layout per filter to <out>/<id>/, in a layout Istio's Wasm image
       fetcher accepts, tagged with the Sluice version (package.json version).
       --format        compat (default): one tar+gzip layer holding plugin.wasm; wasm: the module
                       itself as an application/vnd.module.wasm.content.layer.v1+wasm layer
       --filter        only this filter (repeatable, or comma-separated); default: all, the
                       bundle (sluice, every filter in one module: build/sluice.wasm) included
       --bundle        only the bundle (the same as --filter sluice)
       --out           parent folder of the layouts (default dist/oci, dist/oci-wasm for --format wasm)
       --source        org.opencontainers.image.source, an http(s) URL (default: package.json repository)
       --revision      org.opencontainers.image.revision (default: git rev-parse HEAD)
       SOURCE_DATE_EPOCH sets org.opencontainers.image.created (default: last commit time, else 0).
       Prints "<id> <version> <manifest digest> <layout>" per filter.

push   uploads a layout through the OCI distribution API and prints the manifest digest as
       WasmPlugin spec.sha256 takes it (64 hex digits, no "sha256:"). Progress goes to stderr.
       Without :<tag>, the layout's version is the tag.
       --insecure      plain HTTP, for lab and kind registries (a warning line unless loopback)
       --lock <file>   also record <registry>/<repo>:<tag> and the digest in this lock file
                       (sluice render istio --lock reads it)
       --username/--password  basic credentials (also used to fetch bearer tokens);
                       defaults: SLUICE_REGISTRY_USERNAME, SLUICE_REGISTRY_PASSWORD
       --token         a registry bearer token (default: SLUICE_REGISTRY_TOKEN)
       --chunk-size    upload blobs larger than this in chunks of this size (default 10 MiB / 5 MiB)

Exit codes: 0 done, 1 failed (the registry, the network or the layout), 2 bad arguments.`;

class UsageError extends Error {}

function oneLine(message: string): string {
  return message.replace(/\s*\n\s*/g, " ").trim();
}

async function runBuild(args: string[], io: ImageIo): Promise<number> {
  const { values } = parseArgs({
    args,
    options: {
      filter: { type: "string", multiple: true },
      bundle: { type: "boolean" },
      format: { type: "string" },
      out: { type: "string" },
      source: { type: "string" },
      revision: { type: "string" },
      help: { type: "boolean", short: "h" },
    },
    allowPositionals: false,
    strict: true,
  });
  if (values.help) {
    io.stdout(IMAGE_USAGE);
    return 0;
  }
  const root = resolve(io.cwd);
  const known = listFilters(root);
  if (known.length === 0) throw new Error(`no filters found under ${join(root, "filters")}; run sluice from the repository root`);
  const wanted = [...(values.filter ?? []), ...(values.bundle ? ["sluice"] : [])].flatMap((f) => f.split(",")).map((f) => f.trim()).filter(Boolean);
  for (const id of wanted) {
    if (!known.includes(id)) throw new UsageError(`unknown filter ${JSON.stringify(id)} (known: ${known.join(", ")})`);
  }
  const filters = wanted.length > 0 ? [...new Set(wanted)] : known;
  const format = (values.format ?? "compat") as ImageFormat;
  if (!IMAGE_FORMATS.includes(format)) throw new UsageError(`--format must be one of ${IMAGE_FORMATS.join(", ")}, got ${JSON.stringify(values.format)}`);
  const outDir = resolve(root, values.out ?? join("dist", format === "compat" ? "oci" : "oci-wasm"));
  const created = resolveCreated(root, io.env);
  if (values.source !== undefined && sourceUrl(values.source) === undefined) {
    throw new UsageError(`--source must be the repository's http(s) URL, got ${JSON.stringify(values.source)}`);
  }
  const source = values.source !== undefined ? sourceUrl(values.source) : resolveSource(root);
  const revision = values.revision ?? resolveRevision(root);
  const version = readVersion(root);
  for (const filter of filters) {
    const wasmPath = join(root, "build", `${filter}.wasm`);
    if (!existsSync(wasmPath)) throw new Error(`build/${filter}.wasm not found; run npm run build first`);
    const image = await buildImage({ filter, wasmPath, version, source, revision, created, outDir, format });
    const shown = relative(root, image.layoutDir);
    io.stdout(`${filter} ${image.tag} ${image.manifestDigest} ${shown.startsWith("..") || isAbsolute(shown) ? image.layoutDir : shown}`);
  }
  return 0;
}

async function runPush(args: string[], io: ImageIo): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    options: {
      insecure: { type: "boolean" },
      lock: { type: "string" },
      username: { type: "string" },
      password: { type: "string" },
      token: { type: "string" },
      "chunk-size": { type: "string" },
      help: { type: "boolean", short: "h" },
    },
    allowPositionals: true,
    strict: true,
  });
  if (values.help) {
    io.stdout(IMAGE_USAGE);
    return 0;
  }
  if (positionals.length !== 2) throw new UsageError(`push takes <layout> <registry>/<repo>[:<tag>], got ${positionals.length} argument(s)`);
  let chunkSize: number | undefined;
  if (values["chunk-size"] !== undefined) {
    const raw = values["chunk-size"];
    if (!/^\d+$/.test(raw) || Number(raw) < 1) throw new UsageError(`--chunk-size must be a positive integer, got ${JSON.stringify(raw)}`);
    chunkSize = Number(raw);
  }
  const fromEnv = (name: string): string | undefined => (io.env[name] ? io.env[name] : undefined);
  const explicitBasic = values.username !== undefined || values.password !== undefined;
  const token = values.token ?? (explicitBasic ? undefined : fromEnv("SLUICE_REGISTRY_TOKEN"));
  const username = values.username ?? (values.token ? undefined : fromEnv("SLUICE_REGISTRY_USERNAME"));
  const password = values.password ?? (values.token ? undefined : fromEnv("SLUICE_REGISTRY_PASSWORD"));
  if ((username === undefined) !== (password === undefined)) throw new UsageError("--username and --password go together");
  if (token !== undefined && username !== undefined) throw new UsageError("use either --token or --username/--password, not both");
  const [layout, reference] = positionals;
  try {
    parseReference(reference);
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
  const result = await pushImage(resolve(io.cwd, layout), reference, {
    insecure: values.insecure ?? false,
    username,
    password,
    token,
    chunkThreshold: chunkSize,
    chunkSize,
    onProgress: (line) => io.stderr(line.startsWith("warning: ") ? `sluice image push: ${line}` : line),
  });
  if (values.lock !== undefined) {
    lockImage(resolve(io.cwd, values.lock), result.reference, result.digest);
    io.stderr(`locked ${result.reference} in ${values.lock}`);
  }
  io.stdout(result.digest.slice("sha256:".length));
  return 0;
}

/**
 * `sluice image ...`: `args` are the words after `image`. Returns the exit code (0 done, 1 failed,
 * 2 bad arguments); errors are one line on stderr, `sluice image <sub>: <message>`.
 */
export async function runImage(args: string[], io: Partial<ImageIo> = {}): Promise<number> {
  const full: ImageIo = { ...defaultIo(), ...io };
  const [sub, ...rest] = args;
  if (sub === undefined || sub === "--help" || sub === "-h" || sub === "help") {
    (sub === undefined ? full.stderr : full.stdout)(IMAGE_USAGE);
    return sub === undefined ? 2 : 0;
  }
  const run = sub === "build" ? runBuild : sub === "push" ? runPush : undefined;
  if (!run) {
    full.stderr(`sluice image: unknown subcommand ${JSON.stringify(sub)} (build, push; see sluice image --help)`);
    return 2;
  }
  try {
    return await run(rest, full);
  } catch (err) {
    const e = err as Error & { code?: string };
    const usage = err instanceof UsageError || (typeof e.code === "string" && e.code.startsWith("ERR_PARSE_ARGS"));
    full.stderr(`sluice image ${sub}: ${oneLine(e.message ?? String(err))}`);
    return usage ? 2 : 1;
  }
}
