// vitest globalSetup of the "integration" project: probe the container runtime once, print the
// skip line once, and hand the result to every test file (suite.ts reads it with inject()).
import type { TestProject } from "vitest/node";
import { containerRuntime, runtimeRequired, skipLine, type RuntimeStatus } from "./runtime.js";

declare module "vitest" {
  export interface ProvidedContext {
    sluiceContainerRuntime: RuntimeStatus;
  }
}

export default async function setup(project: TestProject): Promise<void> {
  const status = await containerRuntime();
  if (!status.available) {
    if (runtimeRequired()) {
      throw new Error(`integration: no container runtime (${status.reason}) and SLUICE_INTEGRATION_REQUIRED is set`);
    }
    process.stdout.write(`${skipLine(status.reason)}\n`);
  }
  project.provide("sluiceContainerRuntime", status);
}
