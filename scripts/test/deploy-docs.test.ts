import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { readmeWithDeploySections } from "../deploy-docs.mjs";

const README = join(import.meta.dirname, "../../README.md");

describe("README deploy sections", () => {
  it("quote the rendered files in envoy/ as they are now (run npm run render if this fails)", () => {
    const readme = readFileSync(README, "utf8");
    expect(readme).toBe(readmeWithDeploySections(readme));
  });

  it("show a WasmPlugin and the Envoy wasm filter entry", () => {
    const readme = readFileSync(README, "utf8");
    expect(readme).toContain("## Deploy with Istio");
    expect(readme).toContain("kind: WasmPlugin");
    expect(readme).toContain("## Deploy with Envoy");
    expect(readme).toContain("- name: envoy.filters.http.wasm");
  });
});
