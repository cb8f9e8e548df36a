// Every bootstrap in envoy/ (what `sluice render envoy` writes; envoy-files.test.ts proves they
// are up to date) passes `envoy --mode validate` of the Envoy on this machine, with no deprecation
// warning. The files they name are supplied locally: build/<id>.wasm and a test CA's certificates.
// Without an Envoy (ENVOY_BIN or PATH) the file prints one line and skips.
import { readdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { stringify } from "yaml";
import { mapFiles } from "../local-envoy/bootstrap-rewrite.js";
import { envoyVersion, validateLocal } from "../local-envoy/envoy-process.js";
import { bootstrapPath, loadBootstrap, referencedFiles, wasmPath } from "../../integration/support/bootstrap.js";
import { TestCa } from "../local-envoy/certs.js";
import { repoRoot } from "../paths.js";

const version = await envoyVersion().catch((err: Error) => {
  process.stdout.write(`envoy --mode validate: skipped, no local Envoy (${err.message})\n`);
  return undefined;
});

const names = readdirSync(join(repoRoot(), "envoy"), { withFileTypes: true })
  .filter((d) => d.isDirectory() && d.name !== "istio")
  .map((d) => d.name)
  .sort();

describe.skipIf(version === undefined)(`envoy --mode validate (${version ?? "no Envoy"})`, () => {
  const ca = TestCa.create();
  const server = ca.issue({ name: "server", dnsNames: ["sluice-envoy"], usages: ["serverAuth"] });
  const certs = new Map([
    ["/etc/sluice/certs/ca.pem", ca.certPath],
    ["/etc/sluice/certs/server.pem", server.certPath],
    ["/etc/sluice/certs/server-key.pem", server.keyPath],
  ]);
  afterAll(() => ca.dispose());

  it("covers every bootstrap", () => {
    expect(names).toEqual(["chain", "circuit-breaker", "rate-limit", "spiffe-rbac", "traffic-colour"]);
  });

  it.each(names)("accepts envoy/%s/envoy.yaml without deprecation warnings", async (name) => {
    const rendered = loadBootstrap(bootstrapPath(name));
    const files = new Map(certs);
    for (const f of referencedFiles(rendered)) {
      const m = /^\/etc\/sluice\/([a-z0-9-]+)\.wasm$/.exec(f);
      if (m !== null) files.set(f, wasmPath(m[1]));
    }
    const local = join(ca.dir, `${name}.yaml`);
    writeFileSync(local, stringify(mapFiles(rendered, files)));
    const result = await validateLocal(local);
    expect(result.ok, result.output).toBe(true);
    expect(result.output.split("\n").filter((l) => /deprecated/i.test(l))).toEqual([]);
  });
});
