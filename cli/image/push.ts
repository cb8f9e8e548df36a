// `sluice image push`: an OCI image layout to a registry through the OCI distribution API, with
// Node's built-in fetch (no dependency: the API is a handful of HTTP calls, and the registry
// clients on npm either pull only or bring their own HTTP stacks).
//
//   per blob:  HEAD /v2/<repo>/blobs/<digest>            200: present, skip
//              POST /v2/<repo>/blobs/uploads/             202 + Location
//              monolithic: PUT <location>?digest=<d>      201
//              chunked:    PATCH <location> (Content-Range) 202 + Location, ..., PUT ?digest=<d> 201
//   manifest:  PUT /v2/<repo>/manifests/<tag>             201 + Docker-Content-Digest (checked)
//
// Auth: a 401 with `WWW-Authenticate: Basic` is answered with the basic credentials, one with
// `Bearer realm=...,service=...,scope=...` by a token fetched from the realm (with the basic
// credentials when given); `--token` sends a bearer token as it is.

import { createHash } from "node:crypto";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { ANNOTATION_REF_NAME, MEDIA_TYPE_MANIFEST } from "./build.js";

export class PushError extends Error {}

export interface PushOptions {
  /** Plain HTTP (lab and kind registries); pushImage warns through onProgress unless the registry is loopback. */
  insecure?: boolean;
  username?: string;
  password?: string;
  /** A registry bearer token, sent as `Authorization: Bearer <token>` from the first request. */
  token?: string;
  /** Blobs larger than this many bytes are uploaded in chunks (default 10 MiB). */
  chunkThreshold?: number;
  /** Chunk size for chunked uploads (default 5 MiB). */
  chunkSize?: number;
  /** Per-request timeout in milliseconds (default 60 s). */
  timeoutMs?: number;
  /** Progress lines: a warning for plain HTTP, each blob (and each chunk of a chunked one), the manifest. */
  onProgress?: (line: string) => void;
}

export type BlobAction = "exists" | "monolithic" | "chunked";

export interface PushResult {
  /** `<registry>/<repo>:<tag>` */
  reference: string;
  /** `sha256:<hex>` of the manifest, as reported by the registry (equal to the local one). */
  digest: string;
  blobs: { digest: string; size: number; action: BlobAction }[];
}

export interface ImageReference {
  registry: string;
  repository: string;
  tag?: string;
}

const REPO_COMPONENT = /^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*$/;
const TAG = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/;

/** `<registry>/<repo>[:<tag>]`; the registry part is required (no implicit Docker Hub). */
export function parseReference(ref: string): ImageReference {
  const slash = ref.indexOf("/");
  if (slash <= 0) throw new PushError(`invalid image reference ${JSON.stringify(ref)}: expected <registry>/<repo>:<tag>`);
  const registry = ref.slice(0, slash);
  let rest = ref.slice(slash + 1);
  if (rest.includes("@")) throw new PushError(`invalid image reference ${JSON.stringify(ref)}: push by tag, not by digest`);
  let tag: string | undefined;
  const colon = rest.lastIndexOf(":");
  if (colon >= 0) {
    tag = rest.slice(colon + 1);
    rest = rest.slice(0, colon);
    if (!TAG.test(tag)) throw new PushError(`invalid tag ${JSON.stringify(tag)} in ${JSON.stringify(ref)}`);
  }
  if (!rest || !rest.split("/").every((c) => REPO_COMPONENT.test(c))) {
    throw new PushError(`invalid repository ${JSON.stringify(rest)} in ${JSON.stringify(ref)} (lowercase letters, digits, separators . _ - and /)`);
  }
  try {
    const url = new URL(`http://${registry}`);
    if (url.username || url.password || url.pathname !== "/" || url.search || url.hash) throw new Error();
  } catch {
    throw new PushError(`invalid registry ${JSON.stringify(registry)} in ${JSON.stringify(ref)}`);
  }
  return { registry, repository: rest, tag };
}

/** 127.0.0.0/8, localhost, [::1] (hostname as `URL.hostname` gives it). */
export function isLoopbackHost(hostname: string): boolean {
  const h = hostname.toLowerCase();
  if (h === "localhost" || h === "[::1]" || h === "::1") return true;
  const m = /^127\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(h);
  return m !== null && m.slice(1).every((part) => Number(part) <= 255);
}

// ---------------------------------------------------------------------------------------------
// WWW-Authenticate

export interface Challenge {
  scheme: string;
  params: Record<string, string>;
}

/** One challenge: `Bearer realm="...",service="...",scope="repository:a:pull,push"` (quoted commas kept). */
export function parseChallenge(header: string): Challenge {
  const m = /^\s*([A-Za-z][A-Za-z0-9_-]*)\s*(.*)$/s.exec(header);
  if (!m) return { scheme: "", params: {} };
  const params: Record<string, string> = {};
  const re = /([A-Za-z0-9_-]+)\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^,\s]*))\s*,?\s*/gy;
  const rest = m[2];
  re.lastIndex = 0;
  let p: RegExpExecArray | null;
  while (re.lastIndex < rest.length && (p = re.exec(rest)) !== null) {
    params[p[1].toLowerCase()] = p[2] !== undefined ? p[2].replace(/\\(.)/g, "$1") : p[3];
  }
  return { scheme: m[1].toLowerCase(), params };
}

// ---------------------------------------------------------------------------------------------
// The local layout

interface LocalBlob {
  digest: string;
  size: number;
  data: Buffer;
}

interface LocalImage {
  tag?: string;
  manifestDigest: string;
  manifestMediaType: string;
  manifest: Buffer;
  blobs: LocalBlob[];
}

function readBlob(layoutDir: string, digest: string, size: number): Buffer {
  const m = /^sha256:([0-9a-f]{64})$/.exec(digest);
  if (!m) throw new PushError(`unsupported digest ${JSON.stringify(digest)} in ${layoutDir}`);
  const path = join(layoutDir, "blobs", "sha256", m[1]);
  if (!existsSync(path)) throw new PushError(`blob ${digest} missing from ${layoutDir}`);
  const data = readFileSync(path);
  if (data.length !== size || "sha256:" + createHash("sha256").update(data).digest("hex") !== digest) {
    throw new PushError(`blob ${digest} in ${layoutDir} does not match its digest or size`);
  }
  return data;
}

/** Reads and verifies an image layout; picks the manifest whose ref name is `tag`, or the only one. */
export function readLayout(layoutDir: string, tag?: string): LocalImage {
  const indexPath = join(layoutDir, "index.json");
  if (!existsSync(join(layoutDir, "oci-layout")) || !existsSync(indexPath)) {
    throw new PushError(`${layoutDir} is not an OCI image layout (no oci-layout/index.json); run sluice image build`);
  }
  let index: { manifests?: { mediaType?: string; digest: string; size: number; annotations?: Record<string, string> }[] };
  try {
    index = JSON.parse(readFileSync(indexPath, "utf8"));
  } catch (e) {
    throw new PushError(`${indexPath}: ${(e as Error).message}`);
  }
  const manifests = index.manifests ?? [];
  let chosen = tag !== undefined ? manifests.find((m) => m.annotations?.[ANNOTATION_REF_NAME] === tag) : undefined;
  if (!chosen && manifests.length === 1) chosen = manifests[0];
  if (!chosen) {
    throw new PushError(`${indexPath}: ${manifests.length} manifests and none named ${JSON.stringify(tag ?? "")}`);
  }
  const manifest = readBlob(layoutDir, chosen.digest, chosen.size);
  let parsed: { mediaType?: string; config?: { digest: string; size: number }; layers?: { digest: string; size: number }[] };
  try {
    parsed = JSON.parse(manifest.toString("utf8"));
  } catch (e) {
    throw new PushError(`manifest ${chosen.digest}: ${(e as Error).message}`);
  }
  if (!parsed.config || !Array.isArray(parsed.layers)) throw new PushError(`manifest ${chosen.digest} is not an image manifest`);
  // the config and each layer once (the "wasm" layout lists its config as a layer too)
  const unique = [parsed.config, ...parsed.layers].filter((d, i, all) => all.findIndex((o) => o.digest === d.digest) === i);
  const blobs = unique.map((d) => ({ digest: d.digest, size: d.size, data: readBlob(layoutDir, d.digest, d.size) }));
  return {
    tag: chosen.annotations?.[ANNOTATION_REF_NAME],
    manifestDigest: chosen.digest,
    manifestMediaType: parsed.mediaType ?? chosen.mediaType ?? MEDIA_TYPE_MANIFEST,
    manifest,
    blobs,
  };
}

// ---------------------------------------------------------------------------------------------
// The registry client

interface RequestInit2 {
  headers?: Record<string, string>;
  body?: Buffer;
  expect: number[];
  what: string;
}

const UNTRUSTED_CERTIFICATE = new Set([
  "SELF_SIGNED_CERT_IN_CHAIN", "DEPTH_ZERO_SELF_SIGNED_CERT", "UNABLE_TO_VERIFY_LEAF_SIGNATURE", "UNABLE_TO_GET_ISSUER_CERT_LOCALLY",
  "UNABLE_TO_GET_ISSUER_CERT", "CERT_HAS_EXPIRED", "CERT_NOT_YET_VALID", "ERR_TLS_CERT_ALTNAME_INVALID", "CERT_UNTRUSTED",
]);

/** One line for a failed connection; TLS mismatches get what to do instead of OpenSSL's words. */
function describeFetchError(err: unknown, url: URL): string {
  const e = err as { name?: string; message?: string; cause?: { code?: string; message?: string; errors?: { message?: string }[] } };
  if (e.name === "TimeoutError" || e.name === "AbortError") return "timed out";
  const cause = e.cause;
  const code = cause?.code ?? "";
  if (url.protocol === "https:" && (code === "ERR_SSL_WRONG_VERSION_NUMBER" || code === "ERR_SSL_PACKET_LENGTH_TOO_LONG" || /wrong version number|packet length too long/.test(cause?.message ?? ""))) {
    return "it answers plain HTTP, not TLS: pass --insecure for a plain-HTTP registry";
  }
  if (url.protocol === "https:" && UNTRUSTED_CERTIFICATE.has(code)) {
    return `its TLS certificate is not trusted (${code}): give Node its CA with NODE_EXTRA_CA_CERTS=<ca.pem>, or pass --insecure if it speaks plain HTTP`;
  }
  // Several addresses tried (e.g. localhost as ::1 and 127.0.0.1): an AggregateError.
  if (cause && !cause.message && cause.errors?.[0]?.message) return cause.errors[0].message;
  if (cause?.code && cause.message) return cause.message.includes(cause.code) ? cause.message : `${cause.code} ${cause.message}`;
  return cause?.message ?? e.message ?? String(err);
}

async function errorDetail(res: Response): Promise<string> {
  try {
    const text = await res.text();
    const body = JSON.parse(text) as { errors?: { code?: string; message?: string }[] };
    const first = body.errors?.[0];
    if (first) return `: ${[first.code, first.message].filter(Boolean).join(" ")}`;
  } catch {
    // not JSON
  }
  return "";
}

class Registry {
  private auth: string | undefined;
  private readonly base: URL;

  constructor(
    readonly registry: string,
    readonly repository: string,
    private readonly options: PushOptions,
  ) {
    this.base = new URL(`${options.insecure ? "http" : "https"}://${registry}/`);
    if (options.token) this.auth = `Bearer ${options.token}`;
  }

  url(path: string): URL {
    return new URL(path, this.base);
  }

  private async send(method: string, url: URL, init: RequestInit2): Promise<Response> {
    const headers: Record<string, string> = { ...init.headers };
    // Credentials only go to the registry's own origin (upload locations may point elsewhere).
    if (this.auth && url.origin === this.base.origin) headers.authorization = this.auth;
    try {
      return await fetch(url, {
        method,
        headers,
        body: init.body ? new Uint8Array(init.body) : undefined,
        redirect: "follow",
        signal: AbortSignal.timeout(this.options.timeoutMs ?? 60_000),
      });
    } catch (err) {
      throw new PushError(`cannot reach registry ${this.base.origin}: ${describeFetchError(err, url)}`);
    }
  }

  async request(method: string, pathOrUrl: string | URL, init: RequestInit2): Promise<Response> {
    const url = typeof pathOrUrl === "string" ? this.url(pathOrUrl) : pathOrUrl;
    let res = await this.send(method, url, init);
    if (res.status === 401 && url.origin === this.base.origin) {
      const challenge = res.headers.get("www-authenticate") ?? "";
      await res.body?.cancel();
      if (await this.authenticate(challenge)) res = await this.send(method, url, init);
      if (res.status === 401) {
        await res.body?.cancel();
        throw new PushError(`authentication failed at ${this.registry}: ${init.what} was refused (HTTP 401)`);
      }
    }
    if (!init.expect.includes(res.status)) {
      if (res.status === 400 && url.protocol === "http:" && (await this.speaksHttps())) {
        throw new PushError(`registry ${this.base.origin} speaks HTTPS: drop --insecure`);
      }
      const detail = await errorDetail(res);
      throw new PushError(`${init.what} failed at ${this.registry}: HTTP ${res.status}${detail}`);
    }
    return res;
  }

  /** Whether a plain-HTTP request gets the answer of an HTTPS server (a HEAD's 400 has no body to tell). */
  private async speaksHttps(): Promise<boolean> {
    try {
      const res = await fetch(this.url("/v2/"), { signal: AbortSignal.timeout(this.options.timeoutMs ?? 60_000) });
      return res.status === 400 && (await res.text()).includes("HTTP request to an HTTPS server");
    } catch {
      return false;
    }
  }

  private basic(): string | undefined {
    const { username, password } = this.options;
    if (username === undefined || password === undefined) return undefined;
    return "Basic " + Buffer.from(`${username}:${password}`, "utf8").toString("base64");
  }

  /** Updates the credentials for a challenge; true when the request is worth sending again. */
  private async authenticate(header: string): Promise<boolean> {
    const challenge = parseChallenge(header);
    if (challenge.scheme === "basic") {
      const basic = this.basic();
      if (!basic) throw new PushError(`registry ${this.registry} requires basic authentication: pass --username and --password`);
      if (this.auth === basic) return false; // already sent and refused
      this.auth = basic;
      return true;
    }
    if (challenge.scheme === "bearer") {
      if (this.options.token) return false; // the given token was refused
      await this.fetchToken(challenge.params);
      return true;
    }
    throw new PushError(`registry ${this.registry} asks for unsupported authentication ${JSON.stringify(header || "(no WWW-Authenticate)")}`);
  }

  private async fetchToken(params: Record<string, string>): Promise<void> {
    const realm = params.realm;
    let url: URL;
    try {
      url = new URL(realm ?? "");
      if (url.protocol !== "https:" && url.protocol !== "http:") throw new Error();
    } catch {
      throw new PushError(`registry ${this.registry} sent a bearer challenge without a usable realm: ${JSON.stringify(realm ?? "")}`);
    }
    const basic = this.basic();
    // credentials go over plain HTTP only to loopback, or with --insecure to the registry's own host
    const ownHost = this.options.insecure && url.hostname === this.base.hostname;
    if (basic && url.protocol === "http:" && !isLoopbackHost(url.hostname) && !ownHost) {
      throw new PushError(`refusing to send credentials to the plain-HTTP token realm ${url.origin}`);
    }
    if (params.service) url.searchParams.set("service", params.service);
    const scopes = new Set<string>();
    if (params.scope) scopes.add(params.scope);
    scopes.add(`repository:${this.repository}:pull,push`);
    for (const scope of scopes) url.searchParams.append("scope", scope);
    let res: Response;
    try {
      res = await fetch(url, {
        headers: basic ? { authorization: basic } : {},
        signal: AbortSignal.timeout(this.options.timeoutMs ?? 60_000),
      });
    } catch (err) {
      throw new PushError(`cannot reach token service ${url.origin}: ${describeFetchError(err, url)}`);
    }
    if (res.status !== 200) {
      await res.body?.cancel();
      const hint = res.status === 401 && !basic ? " (pass --username and --password)" : "";
      throw new PushError(`token request to ${url.origin}${url.pathname} failed: HTTP ${res.status}${hint}`);
    }
    let body: { token?: string; access_token?: string };
    try {
      body = (await res.json()) as typeof body;
    } catch {
      throw new PushError(`token service ${url.origin} answered with something that is not JSON`);
    }
    const token = body.token ?? body.access_token;
    if (!token) throw new PushError(`token service ${url.origin} answered without a token`);
    this.auth = `Bearer ${token}`;
  }
}

function withDigest(location: URL, digest: string): URL {
  const url = new URL(location);
  url.searchParams.set("digest", digest);
  return url;
}

function location(reg: Registry, res: Response, what: string): URL {
  const loc = res.headers.get("location");
  if (!loc) throw new PushError(`${what}: registry ${reg.registry} sent no Location`);
  return reg.url(loc);
}

/** `12.3 MiB` */
function size(bytes: number): string {
  return bytes < 1024 * 1024 ? `${(bytes / 1024).toFixed(1)} KiB` : `${(bytes / 1024 / 1024).toFixed(1)} MiB`;
}

async function uploadBlob(reg: Registry, blob: LocalBlob, options: PushOptions): Promise<BlobAction> {
  const repo = reg.repository;
  const head = await reg.request("HEAD", `/v2/${repo}/blobs/${blob.digest}`, { expect: [200, 404], what: `HEAD blob ${blob.digest}` });
  await head.body?.cancel();
  if (head.status === 200) return "exists";

  const start = await reg.request("POST", `/v2/${repo}/blobs/uploads/`, { expect: [202], what: "starting a blob upload" });
  await start.body?.cancel();
  let loc = location(reg, start, "starting a blob upload");

  const threshold = options.chunkThreshold ?? 10 * 1024 * 1024;
  const chunkSize = Math.max(1, options.chunkSize ?? 5 * 1024 * 1024);
  let action: BlobAction = "monolithic";
  let finalBody: Buffer | undefined = blob.data;
  if (blob.size > threshold) {
    action = "chunked";
    const progress = options.onProgress ?? (() => {});
    for (let offset = 0; offset < blob.size; offset += chunkSize) {
      const chunk = blob.data.subarray(offset, Math.min(offset + chunkSize, blob.size));
      const end = offset + chunk.length - 1;
      const res = await reg.request("PATCH", loc, {
        headers: { "content-type": "application/octet-stream", "content-range": `${offset}-${end}` },
        body: chunk,
        expect: [202],
        what: `uploading bytes ${offset}-${end} of ${blob.digest}`,
      });
      await res.body?.cancel();
      const range = res.headers.get("range");
      if (range && range.replace(/^bytes=/, "") !== `0-${end}`) {
        throw new PushError(`uploading ${blob.digest}: registry has range ${range}, expected 0-${end}`);
      }
      loc = location(reg, res, `uploading ${blob.digest}`);
      progress(`blob ${blob.digest.slice(0, 19)}: ${size(end + 1)} of ${size(blob.size)} (${Math.floor(((end + 1) * 100) / blob.size)}%)`);
    }
    finalBody = undefined;
  }
  const put = await reg.request("PUT", withDigest(loc, blob.digest), {
    headers: finalBody ? { "content-type": "application/octet-stream" } : {},
    body: finalBody,
    expect: [201],
    what: `completing the upload of ${blob.digest}`,
  });
  await put.body?.cancel();
  const reported = put.headers.get("docker-content-digest");
  if (reported && reported !== blob.digest) throw new PushError(`registry stored blob ${blob.digest} as ${reported}`);
  return action;
}

/**
 * Pushes the image in `layoutDir` to `reference` (`<registry>/<repo>:<tag>`; without a tag, the
 * layout's ref name). Returns the manifest digest the registry reported, checked against the local one.
 */
export async function pushImage(layoutDir: string, reference: string, options: PushOptions = {}): Promise<PushResult> {
  const ref = parseReference(reference);
  const hostname = new URL(`http://${ref.registry}`).hostname;
  const progress = options.onProgress ?? (() => {});
  if (options.insecure && !isLoopbackHost(hostname)) {
    const what = options.username !== undefined || options.token ? "the image and the credentials travel" : "the image travels";
    progress(`warning: --insecure: plain HTTP to ${ref.registry}; ${what} unencrypted`);
  }
  if ((options.username === undefined) !== (options.password === undefined)) {
    throw new PushError("--username and --password go together");
  }
  if (options.token && options.username !== undefined) throw new PushError("use either --token or --username/--password, not both");
  const image = readLayout(layoutDir, ref.tag);
  const tag = ref.tag ?? image.tag;
  if (!tag) throw new PushError(`no tag in ${JSON.stringify(reference)} and no ref name in ${layoutDir}/index.json`);
  const reg = new Registry(ref.registry, ref.repository, options);

  const blobs: PushResult["blobs"] = [];
  for (const [i, blob] of image.blobs.entries()) {
    progress(`blob ${i + 1}/${image.blobs.length} ${blob.digest} (${size(blob.size)})`);
    const action = await uploadBlob(reg, blob, options);
    blobs.push({ digest: blob.digest, size: blob.size, action });
    progress(`blob ${blob.digest.slice(0, 19)}: ${action === "exists" ? "already present" : `uploaded (${action})`}`);
  }

  const put = await reg.request("PUT", `/v2/${ref.repository}/manifests/${tag}`, {
    headers: { "content-type": image.manifestMediaType },
    body: image.manifest,
    expect: [201],
    what: `PUT manifest ${ref.repository}:${tag}`,
  });
  await put.body?.cancel();
  let digest = put.headers.get("docker-content-digest");
  if (!digest) {
    const head = await reg.request("HEAD", `/v2/${ref.repository}/manifests/${tag}`, {
      headers: { accept: image.manifestMediaType },
      expect: [200],
      what: `HEAD manifest ${ref.repository}:${tag}`,
    });
    await head.body?.cancel();
    digest = head.headers.get("docker-content-digest") ?? image.manifestDigest;
  }
  if (digest !== image.manifestDigest) {
    throw new PushError(`registry reports manifest digest ${digest}, local digest is ${image.manifestDigest}`);
  }
  const pushed = `${ref.registry}/${ref.repository}:${tag}`;
  progress(`manifest ${pushed} ${digest}`);
  return { reference: pushed, digest, blobs };
}
