// vitest globalSetup of the "integration" project: probe the backend once (runtime.ts), print
// which one runs or the skip line once, and hand the result to every test file (suite.ts reads it
// with inject()).
import type { TestProject } from "vitest/node";
import { backendStatus, runtimeRequired, skipLine, type RuntimeStatus } from "./runtime.js";

declare module "vitest" {
  export interface ProvidedContext {
    sluiceBackend: RuntimeStatus;
  }
}

export default async function setup(project: TestProject): Promise<void> {
  const status = await backendStatus();
  if (!status.available) {
    if (runtimeRequired()) {
      throw new Error(`integration: ${status.reason} and SLUICE_INTEGRATION_REQUIRED is set`);
    }
    process.stdout.write(`${skipLine(status.reason)}\n`);
  } else {
    process.stdout.write(`integration: Envoy as a ${status.kind} (${status.detail})\n`);
  }
  project.provide("sluiceBackend", status);
}
