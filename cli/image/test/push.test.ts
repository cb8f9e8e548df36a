// Pushes to a real registry (Debian's docker-registry, the CNCF distribution registry) on
// 127.0.0.1 and reads the images back with skopeo. Fails with a clear message when
// docker-registry or skopeo is missing (CI installs both).

import { spawn, spawnSync } from "node:child_process";
import { createHash, createPrivateKey, randomUUID, sign, X509Certificate } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildImage, MEDIA_TYPE_WASM_CONFIG, MEDIA_TYPE_WASM_LAYER, readVersion, type BuiltImage } from "../build.js";
import { pushImage } from "../push.js";
import { runImage, type ImageIo } from "../index.js";
import { bundleCli, sluice as sluiceCli, type Cli } from "../../test/helpers.js";
import { TestCa } from "../../local-envoy/certs.js";
import { copyModules, FILTERS, istioExtract, layoutManifest, ROOT } from "./helpers.js";
import { requireTool, skopeo, startRegistry, startServer, type RunningRegistry, type TestServer } from "./registry.js";

const sha = (b: Uint8Array): string => "sha256:" + createHash("sha256").update(b).digest("hex");
/** What push prints: the manifest digest as spec.sha256 takes it. */
const hex = (digest: string): string => digest.slice("sha256:".length);
const VERSION = readVersion(ROOT);

// bcrypt (cost 4) of "sluice-test-pw", made once with libxcrypt (Python's crypt, METHOD_BLOWFISH):
// no bcrypt implementation or htpasswd(1) is needed at test time.
const USER = "sluice";
const PASSWORD = "sluice-test-pw";
const HTPASSWD = `${USER}:$2b$04$wiwry3m9nZFt/DqN9RCdcO0g3NfspLU/sRKISDzxKyFnHF16d/uLq\n`;

let tmp: string;
let modulesDir: string;
let wasm: Record<string, string>;
const images: Record<string, BuiltImage> = {};
const wasmImages: Record<string, BuiltImage> = {};
const stops: (() => Promise<void>)[] = [];

async function run(args: string[], env: NodeJS.ProcessEnv = {}): Promise<{ code: number; out: string[]; err: string[] }> {
  const out: string[] = [];
  const err: string[] = [];
  const io: Partial<ImageIo> = { stdout: (l) => out.push(l), stderr: (l) => err.push(l), cwd: tmp, env };
  return { code: await runImage(args, io), out, err };
}

/** skopeo copy docker://… oci:<dir>:<tag>, then the plugin.wasm Istio would load from it. */
async function copyBack(ref: string, tag: string, extra: string[] = []): Promise<{ manifestDigest: string; wasm: Buffer }> {
  const dir = mkdtempSync(join(tmp, "copy-"));
  const res = await skopeo(["copy", "--src-tls-verify=false", ...extra, `docker://${ref}`, `oci:${dir}:${tag}`]);
  expect(res.status, res.stderr).toBe(0);
  return { manifestDigest: layoutManifest(dir, tag).digest, wasm: istioExtract(dir, tag) };
}

async function inspectRaw(ref: string, extra: string[] = []): Promise<Buffer> {
  const res = await skopeo(["inspect", "--raw", "--tls-verify=false", ...extra, `docker://${ref}`]);
  expect(res.status, res.stderr).toBe(0);
  return res.stdout;
}

beforeAll(async () => {
  requireTool("/usr/bin/skopeo", "skopeo");
  tmp = mkdtempSync(join(tmpdir(), "sluice-image-push-"));
  ({ dir: modulesDir, wasm } = copyModules());
  for (const id of FILTERS) {
    const common = { filter: id, wasmPath: wasm[id], version: VERSION, source: "https://example.invalid/sluice", revision: "r", created: 0 };
    images[id] = await buildImage({ ...common, outDir: join(tmp, "oci") });
    wasmImages[id] = await buildImage({ ...common, outDir: join(tmp, "oci-wasm"), format: "wasm" });
  }
});

afterAll(async () => {
  for (const stop of stops.reverse()) await stop();
  if (tmp) rmSync(tmp, { recursive: true, force: true });
  if (modulesDir) rmSync(modulesDir, { recursive: true, force: true });
});

describe("push to an open registry", () => {
  let registry: RunningRegistry;
  beforeAll(async () => {
    registry = await startRegistry();
    stops.push(registry.stop);
  });

  it("pushes every filter; skopeo reads back the same digest and the same plugin.wasm", async () => {
    for (const id of FILTERS) {
      const ref = `${registry.host}/sluice/${id}:${VERSION}`;
      const r = await run(["push", images[id].layoutDir, ref, "--insecure"]);
      expect(r.code, r.err.join("\n")).toBe(0);
      expect(r.out).toEqual([hex(images[id].manifestDigest)]);
      // progress: each blob announced, then its result; then the manifest
      expect(r.err).toEqual([
        expect.stringMatching(/^blob 1\/2 sha256:[0-9a-f]{64} \(\d+\.\d KiB\)$/), expect.stringMatching(/^blob sha256:[0-9a-f]{12}: uploaded \(monolithic\)$/),
        expect.stringMatching(/^blob 2\/2 sha256:[0-9a-f]{64} \(\d+\.\d KiB\)$/), expect.stringMatching(/^blob sha256:[0-9a-f]{12}: uploaded \(monolithic\)$/),
        `manifest ${ref} ${images[id].manifestDigest}`,
      ]);
      expect(r.err.at(-1)).toBe(`manifest ${ref} ${images[id].manifestDigest}`);

      const raw = await inspectRaw(ref);
      expect(sha(raw)).toBe(images[id].manifestDigest);
      expect(raw.equals(layoutManifest(images[id].layoutDir).bytes)).toBe(true);

      const back = await copyBack(ref, VERSION);
      expect(back.manifestDigest).toBe(images[id].manifestDigest);
      expect(back.wasm.equals(readFileSync(wasm[id])), id).toBe(true);
    }
  });

  it("skips blobs the registry already has; the tag defaults to the layout's version", async () => {
    const image = images["rate-limit"];
    const result = await pushImage(image.layoutDir, `${registry.host}/sluice/rate-limit`, { insecure: true });
    expect(result).toEqual({
      reference: `${registry.host}/sluice/rate-limit:${VERSION}`,
      digest: image.manifestDigest,
      blobs: [
        { digest: image.manifest.config.digest, size: image.manifest.config.size, action: "exists" },
        { digest: image.manifest.layers[0].digest, size: image.manifest.layers[0].size, action: "exists" },
      ],
    });
  });

  it("uploads large blobs in chunks (PATCH with Content-Range, then PUT with the digest)", async () => {
    const image = images["spiffe-rbac"];
    const ref = `${registry.host}/chunked/spiffe-rbac:c1`;
    const r = await run(["push", image.layoutDir, ref, "--insecure", "--chunk-size", "4096"]);
    expect(r.code, r.err.join("\n")).toBe(0);
    expect(r.out).toEqual([hex(image.manifestDigest)]);
    expect(r.err[1]).toMatch(/^blob sha256:[0-9a-f]{12}: uploaded \(monolithic\)$/); // config < 4096
    // the layer: a progress line per chunk, then done
    const chunks = r.err.filter((l) => / of .* \(\d+%\)$/.test(l));
    expect(chunks.length).toBe(Math.ceil(image.manifest.layers[0].size / 4096));
    expect(chunks[chunks.length - 1]).toMatch(/^blob sha256:[0-9a-f]{12}: (\d+\.\d KiB) of \1 \(100%\)$/);
    expect(r.err).toContainEqual(expect.stringMatching(/^blob sha256:[0-9a-f]{12}: uploaded \(chunked\)$/));
    expect(image.manifest.layers[0].size).toBeGreaterThan(4 * 4096);
    expect(sha(await inspectRaw(ref))).toBe(image.manifestDigest);
    expect((await copyBack(ref, "c1")).wasm.equals(readFileSync(wasm["spiffe-rbac"]))).toBe(true);
  });

  it("the same layout under another tag gives the same digest", async () => {
    const image = images["circuit-breaker"];
    const r = await run(["push", image.layoutDir, `localhost:${registry.port}/sluice/circuit-breaker:latest`, "--insecure"]);
    expect(r.code, r.err.join("\n")).toBe(0);
    expect(r.out).toEqual([hex(image.manifestDigest)]);
  });

  it("--insecure to a host that is not loopback by name: a warning line, then the push", async () => {
    const image = images["circuit-breaker"];
    const r = await run(["push", image.layoutDir, `0.0.0.0:${registry.port}/lab/circuit-breaker:1`, "--insecure"]);
    expect(r.code, r.err.join("\n")).toBe(0);
    expect(r.err[0]).toBe(`sluice image push: warning: --insecure: plain HTTP to 0.0.0.0:${registry.port}; the image travels unencrypted`);
    expect(r.out).toEqual([hex(image.manifestDigest)]);
  });

  it("--format wasm: both blobs Istio's two-layer variant needs; skopeo reads it back and the module is the raw layer", async () => {
    for (const id of FILTERS) {
      const image = wasmImages[id];
      expect(image.manifest.config.mediaType).toBe(MEDIA_TYPE_WASM_CONFIG);
      expect(image.manifest.layers.map((l) => l.mediaType)).toEqual([MEDIA_TYPE_WASM_CONFIG, MEDIA_TYPE_WASM_LAYER]);
      const ref = `${registry.host}/wasm/${id}:${VERSION}`;
      const r = await run(["push", image.layoutDir, ref, "--insecure"]);
      expect(r.code, r.err.join("\n")).toBe(0);
      expect(r.out).toEqual([hex(image.manifestDigest)]);
      expect(r.err.filter((l) => / \d\/2 /.test(l))).toHaveLength(2); // the config once, though it is also a layer
      expect(sha(await inspectRaw(ref))).toBe(image.manifestDigest);
      const back = await copyBack(ref, VERSION);
      expect(back.manifestDigest).toBe(image.manifestDigest);
      expect(back.wasm.equals(readFileSync(wasm[id])), id).toBe(true);
    }
  });

  it("--lock records each pushed image's digest, and render istio --lock pins the manifests with it", async () => {
    const lock = join(tmp, "sluice.lock");
    const printed: Record<string, string> = {};
    for (const id of FILTERS) {
      const r = await run(["push", images[id].layoutDir, `${registry.host}/pinned/${id}:${VERSION}`, "--insecure", "--lock", lock]);
      expect(r.code, r.err.join("\n")).toBe(0);
      expect(r.err[r.err.length - 1]).toBe(`locked ${registry.host}/pinned/${id}:${VERSION} in ${lock}`);
      printed[id] = r.out[0]!;
    }
    const sluiceYaml = join(tmp, "pinned.yaml");
    const example = readFileSync(join(ROOT, "examples/sluice.yaml"), "utf8").replace(/^registry: .*$/m, `registry: ${registry.host}/pinned`);
    writeFileSync(sluiceYaml, example);
    const cli = await bundleCli();
    try {
      const r = await sluiceCli(cli, ["render", "istio", sluiceYaml, "--lock", lock]);
      expect([r.code, r.stderr]).toEqual([0, ""]);
      // one WasmPlugin per filter of the chain (the bundle's image, pushed too, is not in it)
      const chain = FILTERS.filter((id) => id !== "sluice");
      const plugins = r.stdout.split("\n---\n").slice(0, chain.length);
      for (const id of chain) {
        const doc = plugins.find((d) => d.includes(`pluginName: ${id}\n`))!;
        expect(doc).toContain(`url: oci://${registry.host}/pinned/${id}:${VERSION}\n  sha256: ${printed[id]}\n  imagePullPolicy: IfNotPresent\n`);
      }
    } finally {
      cli.cleanup();
    }
  });

  it("without --insecure it speaks HTTPS; a plain-HTTP registry gets a one-line hint instead of OpenSSL's words", async () => {
    const r = await run(["push", images["rate-limit"].layoutDir, `${registry.host}/sluice/rate-limit:tls`]);
    expect(r.code).toBe(1);
    expect(r.err.filter((l) => l.startsWith("sluice"))).toEqual([
      `sluice image push: cannot reach registry https://${registry.host}: it answers plain HTTP, not TLS: pass --insecure for a plain-HTTP registry`,
    ]);
  });
});

describe("push to an HTTPS registry", () => {
  let registry: RunningRegistry;
  let ca: TestCa;
  let cli: Cli;
  beforeAll(async () => {
    ca = TestCa.create();
    const server = ca.issue({ name: "registry", ips: ["127.0.0.1"], usages: ["serverAuth"] });
    registry = await startRegistry("", { certificate: server.certPath, key: server.keyPath });
    stops.push(registry.stop, async () => ca.dispose());
    cli = await bundleCli();
    stops.push(async () => cli.cleanup());
  });

  it("an untrusted certificate: a one-line hint naming NODE_EXTRA_CA_CERTS", async () => {
    const r = await run(["push", images["rate-limit"].layoutDir, `${registry.host}/sluice/rate-limit:1`]);
    expect(r.code).toBe(1);
    expect(r.err.filter((l) => l.startsWith("sluice"))).toEqual([
      `sluice image push: cannot reach registry https://${registry.host}: its TLS certificate is not trusted (UNABLE_TO_VERIFY_LEAF_SIGNATURE): ` +
      "give Node its CA with NODE_EXTRA_CA_CERTS=<ca.pem>, or pass --insecure if it speaks plain HTTP",
    ]);
  });

  it("--insecure against HTTPS: a one-line hint to drop it", async () => {
    const r = await run(["push", images["rate-limit"].layoutDir, `${registry.host}/sluice/rate-limit:1`, "--insecure"]);
    expect(r.code).toBe(1);
    expect(r.err.filter((l) => l.startsWith("sluice"))).toEqual([`sluice image push: registry http://${registry.host} speaks HTTPS: drop --insecure`]);
  });

  it("with its CA in NODE_EXTRA_CA_CERTS: pushed over TLS (the CLI as users run it)", async () => {
    const image = images["traffic-colour"];
    const run = await new Promise<{ code: number | null; out: string; err: string }>((done) => {
      const child = spawn(process.execPath, [cli.bin, "image", "push", image.layoutDir, `${registry.host}/tls/traffic-colour:1`], {
        env: { ...process.env, NODE_EXTRA_CA_CERTS: ca.certPath }, stdio: ["ignore", "pipe", "pipe"],
      });
      let out = "";
      let err = "";
      child.stdout.on("data", (d) => (out += d));
      child.stderr.on("data", (d) => (err += d));
      const timer = setTimeout(() => child.kill("SIGKILL"), 30_000);
      child.on("close", (code) => {
        clearTimeout(timer);
        done({ code, out, err });
      });
    });
    expect([run.code, run.out], run.err).toEqual([0, `${hex(image.manifestDigest)}\n`]);
  });
});

describe("push to a registry with basic auth (htpasswd)", () => {
  let registry: RunningRegistry;
  beforeAll(async () => {
    const file = join(tmp, "htpasswd");
    writeFileSync(file, HTPASSWD);
    registry = await startRegistry(`  htpasswd:\n    realm: sluice-test\n    path: ${file}`);
    stops.push(registry.stop);
  });

  it("without credentials: asks for them", async () => {
    const r = await run(["push", images["rate-limit"].layoutDir, `${registry.host}/sluice/rate-limit:0.1.0`, "--insecure"]);
    expect(r.code).toBe(1);
    expect(r.err.filter((l) => l.startsWith("sluice"))).toEqual([`sluice image push: registry ${registry.host} requires basic authentication: pass --username and --password`]);
  });

  it("with a wrong password: authentication failed", async () => {
    const r = await run(["push", images["rate-limit"].layoutDir, `${registry.host}/sluice/rate-limit:0.1.0`, "--insecure", "--username", USER, "--password", "nope"]);
    expect(r.code).toBe(1);
    const errors = r.err.filter((l) => l.startsWith("sluice"));
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatch(new RegExp(`^sluice image push: authentication failed at ${registry.host}: HEAD blob sha256:[0-9a-f]+ was refused \\(HTTP 401\\)$`));
  });

  it("with the credentials (flags or environment): pushed and readable with them", async () => {
    const image = images["traffic-colour"];
    const ref = `${registry.host}/sluice/traffic-colour:0.1.0`;
    const r = await run(["push", image.layoutDir, ref, "--insecure", "--username", USER, "--password", PASSWORD]);
    expect(r.code, r.err.join("\n")).toBe(0);
    expect(r.out).toEqual([hex(image.manifestDigest)]);
    const again = await run(["push", image.layoutDir, `${registry.host}/sluice/traffic-colour:env`, "--insecure"], {
      SLUICE_REGISTRY_USERNAME: USER,
      SLUICE_REGISTRY_PASSWORD: PASSWORD,
    });
    expect(again.code, again.err.join("\n")).toBe(0);
    expect(again.out).toEqual([hex(image.manifestDigest)]);

    const creds = [`--creds=${USER}:${PASSWORD}`];
    expect(sha(await inspectRaw(ref, creds))).toBe(image.manifestDigest);
    expect((await copyBack(ref, "0.1.0", [`--src-creds=${USER}:${PASSWORD}`])).wasm.equals(readFileSync(wasm["traffic-colour"]))).toBe(true);
    const anonymous = await skopeo(["inspect", "--raw", "--tls-verify=false", `docker://${ref}`]);
    expect(anonymous.status).not.toBe(0);
  });
});

describe("push to a registry with bearer-token auth", () => {
  let registry: RunningRegistry;
  let tokens: TestServer;
  let issued = 0;
  beforeAll(async () => {
    // The token service: checks the basic credentials, answers {"token": ...}.
    tokens = await startServer((req, res) => {
      const expected = "Basic " + Buffer.from(`${USER}:${PASSWORD}`).toString("base64");
      if (req.headers.authorization !== expected) {
        res.writeHead(401, { "www-authenticate": 'Basic realm="tokens"' }).end();
        return;
      }
      issued++;
      res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({ token: `token-${issued}`, expires_in: 300 }));
    });
    stops.push(tokens.close);
    // The registry's "silly" access controller answers 401 with a real Bearer challenge
    // (realm, service, scope) to requests without Authorization and accepts any token.
    registry = await startRegistry(`  silly:\n    realm: ${tokens.origin}/token\n    service: sluice-registry`);
    stops.push(registry.stop);
  });

  it("fetches a token from the realm with the credentials and the challenged scope, then pushes", async () => {
    const image = images["circuit-breaker"];
    const ref = `${registry.host}/sluice/circuit-breaker:0.1.0`;
    const r = await run(["push", image.layoutDir, ref, "--insecure", "--username", USER, "--password", PASSWORD]);
    expect(r.code, r.err.join("\n")).toBe(0);
    expect(r.out).toEqual([hex(image.manifestDigest)]);
    expect(issued).toBe(1); // one token covers pull and push for the repository
    const url = new URL(tokens.requests.at(-1)!.url, tokens.origin);
    expect(url.pathname).toBe("/token");
    expect(url.searchParams.get("service")).toBe("sluice-registry");
    expect(url.searchParams.getAll("scope")).toContain("repository:sluice/circuit-breaker:pull,push");
    expect((await copyBack(ref, "0.1.0", ["--src-registry-token=anything"])).wasm.equals(readFileSync(wasm["circuit-breaker"]))).toBe(true);
  });

  it("without credentials the token service refuses: clear error", async () => {
    const r = await run(["push", images["rate-limit"].layoutDir, `${registry.host}/sluice/rate-limit:0.1.0`, "--insecure"]);
    expect(r.code).toBe(1);
    expect(r.err.filter((l) => l.startsWith("sluice"))).toEqual([`sluice image push: token request to ${tokens.origin}/token failed: HTTP 401 (pass --username and --password)`]);
  });

  it("--token sends the bearer token as it is, without asking the realm", async () => {
    const before = tokens.requests.length;
    const image = images["rate-limit"];
    const r = await run(["push", image.layoutDir, `${registry.host}/sluice/rate-limit:tok`, "--insecure", "--token", "given-token"]);
    expect(r.code, r.err.join("\n")).toBe(0);
    expect(r.out).toEqual([hex(image.manifestDigest)]);
    expect(tokens.requests.length).toBe(before);
  });
});

describe("push to a registry with token auth (signed JWTs from an in-test token service)", () => {
  let registry: RunningRegistry;
  let tokens: TestServer;
  const granted: string[] = [];
  beforeAll(async () => {
    // A throwaway issuer certificate; the registry trusts it through rootcertbundle and finds it
    // in each token's x5c header.
    const dir = mkdtempSync(join(tmp, "issuer-"));
    const openssl = requireTool("/usr/bin/openssl", "openssl");
    const gen = spawnSync(openssl, ["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", join(dir, "key.pem"), "-out", join(dir, "cert.pem"), "-days", "2", "-subj", "/CN=sluice-test-issuer"], { encoding: "utf8", timeout: 20_000 });
    expect(gen.status, gen.stderr).toBe(0);
    const key = createPrivateKey(readFileSync(join(dir, "key.pem")));
    const certDer = new X509Certificate(readFileSync(join(dir, "cert.pem"))).raw.toString("base64");
    const b64url = (v: Buffer | string): string => Buffer.from(v).toString("base64url");
    tokens = await startServer((req, res) => {
      const url = new URL(req.url ?? "/", "http://x");
      if (req.headers.authorization !== "Basic " + Buffer.from(`${USER}:${PASSWORD}`).toString("base64")) return void res.writeHead(401).end();
      const access = url.searchParams.getAll("scope").map((scope) => {
        const [type, ...rest] = scope.split(":");
        const actions = rest.pop() ?? "";
        granted.push(scope);
        return { type, name: rest.join(":"), actions: actions.split(",") };
      });
      const now = Math.floor(Date.now() / 1000);
      const header = b64url(JSON.stringify({ typ: "JWT", alg: "RS256", x5c: [certDer] }));
      const claims = b64url(JSON.stringify({ iss: "sluice-test-issuer", sub: USER, aud: "sluice-registry", exp: now + 300, nbf: now - 10, iat: now, jti: randomUUID(), access }));
      const signature = b64url(sign("sha256", Buffer.from(`${header}.${claims}`), key));
      res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({ token: `${header}.${claims}.${signature}` }));
    });
    stops.push(tokens.close);
    registry = await startRegistry(
      [`  token:`, `    realm: ${tokens.origin}/token`, `    service: sluice-registry`, `    issuer: sluice-test-issuer`, `    rootcertbundle: ${join(dir, "cert.pem")}`].join("\n"),
    );
    stops.push(registry.stop);
  });

  it("pushes with a token the registry verifies; skopeo reads it back through the same token service", async () => {
    const image = images["spiffe-rbac"];
    const ref = `${registry.host}/sluice/spiffe-rbac:0.1.0`;
    const r = await run(["push", image.layoutDir, ref, "--insecure", "--username", USER, "--password", PASSWORD]);
    expect(r.code, r.err.join("\n")).toBe(0);
    expect(r.out).toEqual([hex(image.manifestDigest)]);
    expect(granted).toContain("repository:sluice/spiffe-rbac:pull,push");
    expect(sha(await inspectRaw(ref, [`--creds=${USER}:${PASSWORD}`]))).toBe(image.manifestDigest);
    expect((await copyBack(ref, "0.1.0", [`--src-creds=${USER}:${PASSWORD}`])).wasm.equals(readFileSync(wasm["spiffe-rbac"]))).toBe(true);
  });

  it("a token the registry cannot verify is refused", async () => {
    const r = await run(["push", images["spiffe-rbac"].layoutDir, `${registry.host}/sluice/spiffe-rbac:bad`, "--insecure", "--token", "not.a.jwt"]);
    expect(r.code).toBe(1);
    const errors = r.err.filter((l) => l.startsWith("sluice"));
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatch(/^sluice image push: authentication failed at 127\.0\.0\.1:\d+: HEAD blob sha256:[0-9a-f]+ was refused \(HTTP 401\)$/);
  });
});
