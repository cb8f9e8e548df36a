// Every bootstrap in envoy/ (what `sluice render envoy` writes; envoy-files.test.ts proves they
// are up to date) passes `envoy --mode validate` of the Envoy on this machine, with no deprecation
// warning (failure_policy, never the deprecated fail_open). The files they name are supplied
// locally: build/<id>.wasm and a test CA's certificates. Without an Envoy (ENVOY_BIN, else PATH)
// the file prints one line and skips.
import { existsSync, readdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { stringify } from "yaml";
import { bootstrapPath, loadBootstrap, referencedFiles, wasmPath, type Json } from "../../integration/support/bootstrap.js";
import { mapFiles } from "../local-envoy/bootstrap-rewrite.js";
import { TestCa } from "../local-envoy/certs.js";
import { envoyVersion, validateLocal } from "../local-envoy/envoy-process.js";
import { repoRoot } from "../paths.js";

const version = await envoyVersion().catch((err: Error) => {
  process.stdout.write(`envoy --mode validate: skipped, no local Envoy (${err.message})\n`);
  return undefined;
});

const names = readdirSync(join(repoRoot(), "envoy"), { withFileTypes: true })
  .filter((d) => d.isDirectory() && existsSync(join(repoRoot(), "envoy", d.name, "envoy.yaml")))
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

  /** envoy/<name>/envoy.yaml with its files at local paths, written next to the CA; `edit` changes the text. */
  const localCopy = (name: string, edit: (text: string) => string = (t) => t): string => {
    const rendered = loadBootstrap(bootstrapPath(name));
    const files = new Map(certs);
    for (const f of referencedFiles(rendered)) {
      const m = /^\/etc\/sluice\/([a-z0-9-]+)\.wasm$/.exec(f);
      if (m !== null) files.set(f, wasmPath(m[1]));
    }
    const local = join(ca.dir, `${name}.yaml`);
    writeFileSync(local, edit(stringify(mapFiles(rendered, files) as Json)));
    return local;
  };

  it("covers every bootstrap", () => {
    expect(names).toEqual(["bundle", "chain", "circuit-breaker", "rate-limit", "spiffe-rbac", "traffic-colour"]);
  });

  it.each(names)("accepts envoy/%s/envoy.yaml without deprecation warnings", async (name) => {
    const result = await validateLocal(localCopy(name));
    expect(result.ok, result.output).toBe(true);
    expect(result.output.split("\n").filter((l) => /deprecated/i.test(l))).toEqual([]);
  });

  it("would catch the deprecated fail_open: Envoy warns about it", async () => {
    const result = await validateLocal(localCopy("circuit-breaker", (t) => t.replace("failure_policy: FAIL_OPEN", "fail_open: true")));
    expect(result.output).toContain("Using deprecated option 'envoy.extensions.wasm.v3.PluginConfig.fail_open'");
  });
});
