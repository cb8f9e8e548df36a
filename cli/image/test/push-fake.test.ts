// The client's side of the protocol, checked request by request against a strict in-test fake
// registry: bearer tokens bound to a scope, Location followed after every PATCH, Content-Range
// continuity, the digest check on the manifest, and error bodies.

import { createHash, randomUUID } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildImage, type BuiltImage } from "../build.js";
import { pushImage } from "../push.js";
import { copyModules } from "./helpers.js";
import { startServer, type TestServer } from "./registry.js";

const sha = (b: Uint8Array): string => "sha256:" + createHash("sha256").update(b).digest("hex");
const BASIC = "Basic " + Buffer.from("u:p").toString("base64");

interface Fake {
  server: TestServer;
  host: string;
  blobs: Map<string, Buffer>;
  manifests: Map<string, Buffer>;
  ranges: string[];
  mode: { wrongManifestDigest?: boolean; failUploads?: boolean };
}

async function startFake(): Promise<Fake> {
  const blobs = new Map<string, Buffer>();
  const manifests = new Map<string, Buffer>();
  const uploads = new Map<string, Buffer>();
  const uploadRepo = new Map<string, string>();
  const tokens = new Map<string, string>(); // token -> granted scope list
  const ranges: string[] = [];
  const mode: Fake["mode"] = {};
  let origin = "";
  const server = await startServer((req, res, body) => {
    const url = new URL(req.url ?? "/", origin);
    if (url.pathname === "/token") {
      if (req.headers.authorization !== BASIC) return void res.writeHead(401).end();
      const token = randomUUID();
      tokens.set(token, url.searchParams.getAll("scope").join(" "));
      return void res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({ access_token: token }));
    }
    const m = /^\/(?:v2\/(.+)\/(blobs|manifests)\/(sha256:[0-9a-f]{64}|[A-Za-z0-9_][A-Za-z0-9_.-]*)|v2\/(.+)\/blobs\/uploads\/|upload\/([0-9a-f-]+))$/.exec(url.pathname);
    const repo = m?.[1] ?? m?.[4] ?? uploadRepo.get(m?.[5] ?? "") ?? "unknown";
    const need = req.method === "HEAD" || req.method === "GET" ? "pull" : "push";
    const auth = /^Bearer (.+)$/.exec(req.headers.authorization ?? "");
    const granted = auth ? tokens.get(auth[1]) : undefined;
    if (!granted || !granted.split(" ").some((s) => s === `repository:${repo}:pull,push` || s === `repository:${repo}:${need}`)) {
      return void res
        .writeHead(401, { "www-authenticate": `Bearer realm="${origin}/token",service="fake",scope="repository:${repo}:${need}"` })
        .end(JSON.stringify({ errors: [{ code: "UNAUTHORIZED", message: "authentication required" }] }));
    }
    if (!m) return void res.writeHead(404).end();
    if (m[2] === "blobs" && req.method === "HEAD") return void res.writeHead(blobs.has(`${repo}@${m[3]}`) ? 200 : 404).end();
    if (m[4] && req.method === "POST") {
      if (mode.failUploads) {
        return void res.writeHead(500).end(JSON.stringify({ errors: [{ code: "BLOB_UPLOAD_INVALID", message: "disk full" }] }));
      }
      const id = randomUUID();
      uploads.set(id, Buffer.alloc(0));
      uploadRepo.set(id, repo);
      return void res.writeHead(202, { location: `/upload/${id}?_state=0` }).end();
    }
    if (m[5]) {
      const id = m[5];
      const sofar = uploads.get(id);
      if (!sofar || url.searchParams.get("_state") !== String(sofar.length)) return void res.writeHead(400).end("stale location");
      if (req.method === "PATCH") {
        const range = String(req.headers["content-range"]);
        ranges.push(range);
        if (range !== `${sofar.length}-${sofar.length + body.length - 1}` || req.headers["content-type"] !== "application/octet-stream") {
          return void res.writeHead(416).end();
        }
        const next = Buffer.concat([sofar, body]);
        uploads.set(id, next);
        return void res.writeHead(202, { location: `/upload/${id}?_state=${next.length}`, range: `0-${next.length - 1}` }).end();
      }
      if (req.method === "PUT") {
        const data = Buffer.concat([sofar, body]);
        const digest = url.searchParams.get("digest") ?? "";
        if (sha(data) !== digest) return void res.writeHead(400).end(JSON.stringify({ errors: [{ code: "DIGEST_INVALID" }] }));
        blobs.set(`${repo}@${digest}`, data);
        uploads.delete(id);
        return void res.writeHead(201, { "docker-content-digest": digest, location: `/v2/${repo}/blobs/${digest}` }).end();
      }
    }
    if (m[2] === "manifests" && req.method === "PUT") {
      if (req.headers["content-type"] !== "application/vnd.oci.image.manifest.v1+json") return void res.writeHead(400).end();
      manifests.set(`${repo}:${m[3]}`, body);
      const digest = mode.wrongManifestDigest ? sha(Buffer.from("other")) : sha(body);
      return void res.writeHead(201, { "docker-content-digest": digest }).end();
    }
    res.writeHead(405).end();
  });
  origin = server.origin;
  return { server, host: `127.0.0.1:${server.port}`, blobs, manifests, ranges, mode };
}

let tmp: string;
let modulesDir: string;
let image: BuiltImage;
let fake: Fake;

beforeAll(async () => {
  tmp = mkdtempSync(join(tmpdir(), "sluice-image-fake-"));
  const modules = copyModules();
  modulesDir = modules.dir;
  image = await buildImage({ filter: "rate-limit", wasmPath: modules.wasm["rate-limit"], version: "0.1.0", created: 0, outDir: tmp });
  fake = await startFake();
});

afterAll(async () => {
  await fake?.server.close();
  rmSync(tmp, { recursive: true, force: true });
  rmSync(modulesDir, { recursive: true, force: true });
});

describe("push against a strict fake registry", () => {
  it("bearer token for the repository scope, chunks with contiguous Content-Range, fresh Location each time", async () => {
    const lines: string[] = [];
    const result = await pushImage(image.layoutDir, `${fake.host}/sluice/rate-limit:0.1.0`, {
      insecure: true,
      username: "u",
      password: "p",
      chunkThreshold: 1000,
      chunkSize: 1000,
      onProgress: (l) => lines.push(l),
    });
    expect(result.digest).toBe(image.manifestDigest);
    expect(result.blobs.map((b) => b.action)).toEqual(["monolithic", "chunked"]);
    const layer = image.manifest.layers[0];
    const expected: string[] = [];
    for (let o = 0; o < layer.size; o += 1000) expected.push(`${o}-${Math.min(o + 1000, layer.size) - 1}`);
    expect(fake.ranges).toEqual(expected);
    expect(sha(fake.blobs.get(`sluice/rate-limit@${layer.digest}`)!)).toBe(layer.digest);
    expect(fake.manifests.get("sluice/rate-limit:0.1.0")?.equals(Buffer.from(JSON.stringify(image.manifest)))).toBe(true);
    // One token request, then every registry call carried the token.
    const tokenCalls = fake.server.requests.filter((r) => r.url.startsWith("/token"));
    expect(tokenCalls).toHaveLength(1);
    expect(new URL(tokenCalls[0].url, fake.server.origin).searchParams.getAll("scope")).toEqual([
      "repository:sluice/rate-limit:pull",
      "repository:sluice/rate-limit:pull,push",
    ]);
    expect(lines.at(-1)).toBe(`manifest ${fake.host}/sluice/rate-limit:0.1.0 ${image.manifestDigest}`);
  });

  it("a manifest digest that differs from the local one is an error", async () => {
    fake.mode.wrongManifestDigest = true;
    try {
      await expect(pushImage(image.layoutDir, `${fake.host}/sluice/rate-limit:x`, { insecure: true, username: "u", password: "p" })).rejects.toThrow(
        `registry reports manifest digest ${sha(Buffer.from("other"))}, local digest is ${image.manifestDigest}`,
      );
    } finally {
      fake.mode.wrongManifestDigest = false;
    }
  });

  it("a refused token and a registry error are reported with the registry's error code", async () => {
    await expect(pushImage(image.layoutDir, `${fake.host}/other/repo:1`, { insecure: true, token: "made-up" })).rejects.toThrow(
      /^authentication failed at 127\.0\.0\.1:\d+: HEAD blob sha256:[0-9a-f]+ was refused \(HTTP 401\)$/,
    );
    fake.mode.failUploads = true;
    try {
      await expect(pushImage(image.layoutDir, `${fake.host}/other/repo:1`, { insecure: true, username: "u", password: "p" })).rejects.toThrow(
        /^starting a blob upload failed at 127\.0\.0\.1:\d+: HTTP 500: BLOB_UPLOAD_INVALID disk full$/,
      );
    } finally {
      fake.mode.failUploads = false;
    }
  });

  it("a corrupted layout is refused before any request", async () => {
    const { writeFileSync } = await import("node:fs");
    const before = fake.server.requests.length;
    const layerPath = join(image.layoutDir, "blobs", "sha256", image.manifest.layers[0].digest.slice(7));
    writeFileSync(layerPath, Buffer.from("tampered"));
    await expect(pushImage(image.layoutDir, `${fake.host}/sluice/rate-limit:t`, { insecure: true })).rejects.toThrow(
      `blob ${image.manifest.layers[0].digest} in ${image.layoutDir} does not match its digest or size`,
    );
    expect(fake.server.requests.length).toBe(before);
  });
});
