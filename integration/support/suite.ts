// What a test file calls first: `const runtime = await suiteRuntime();` then
// `describe.skipIf(!runtime.available)(...)`. Uses the globalSetup's probe when the vitest
// config has it (integration/support/global-setup.ts); otherwise probes here and prints the skip
// line once per process.
import { inject } from "vitest";
import { backendStatus, runtimeRequired, skipLine, type RuntimeStatus } from "./runtime.js";
import "./global-setup.js"; // the ProvidedContext declaration

const PRINTED = Symbol.for("sluice.integration.skipLinePrinted");

export async function suiteRuntime(): Promise<RuntimeStatus> {
  const provided = inject("sluiceBackend") as RuntimeStatus | undefined;
  if (provided !== undefined) return provided;
  const status = await backendStatus();
  if (!status.available) {
    if (runtimeRequired()) {
      throw new Error(`integration: ${status.reason} and SLUICE_INTEGRATION_REQUIRED is set`);
    }
    const g = globalThis as { [PRINTED]?: boolean };
    if (g[PRINTED] !== true) {
      g[PRINTED] = true;
      process.stdout.write(`${skipLine(status.reason)}\n`);
    }
  }
  return status;
}
