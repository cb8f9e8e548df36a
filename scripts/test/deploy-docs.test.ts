import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { FILTERS, filterReadmeWithExamples, readmeWithDeploySections } from "../deploy-docs.mjs";

const ROOT = join(import.meta.dirname, "../..");
const read = (path: string) => readFileSync(join(ROOT, path), "utf8");

describe("README sections copied from envoy/", () => {
  it("README.md's deploy sections quote the rendered files as they are now (run npm run render if this fails)", () => {
    const readme = read("README.md");
    expect(readme).toBe(readmeWithDeploySections(readme));
    for (const heading of ["## Deploy with Istio", "## Deploy with Envoy", "kind: WasmPlugin", "- name: envoy.filters.http.wasm"]) {
      expect(readme).toContain(heading);
    }
  });

  it.each(FILTERS)("filters/%s/README.md's examples are the rendered bootstrap entry and WasmPlugin", (id: string) => {
    const readme = read(`filters/${id}/README.md`);
    expect(readme).toBe(filterReadmeWithExamples(id, readme));
    expect(readme).toContain(`filename: /etc/sluice/${id}.wasm`);
    expect(readme).toContain(`pluginName: ${id}`);
  });
});
