// Builds the import object for one VM: exactly the env and WASI functions cpp-host registers.

import { calloutImports } from "./callouts.js";
import { bufferImports } from "./buffers.js";
import { headerImports } from "./headers.js";
import { loggingImports } from "./logging.js";
import { metricImports } from "./metrics.js";
import { miscImports } from "./misc.js";
import { propertyImports } from "./properties.js";
import { sharedImports } from "./shared.js";
import { ENV_IMPORT_NAMES, WASI_MODULES } from "./spec.js";
import { streamControlImports } from "./stream-control.js";
import { wasiImports } from "./wasi.js";
import type { Vm } from "../vm.js";

type HostFn = (...args: never[]) => number | void;

export function buildImports(vm: Vm): Record<string, Record<string, unknown>> {
  const env: Record<string, HostFn> = {
    ...loggingImports(vm),
    ...headerImports(vm),
    ...bufferImports(vm),
    ...propertyImports(vm),
    ...streamControlImports(vm),
    ...sharedImports(vm),
    ...calloutImports(vm),
    ...metricImports(vm),
    ...miscImports(vm),
  };
  const imports: Record<string, Record<string, unknown>> = { env: {} };
  for (const name of ENV_IMPORT_NAMES) {
    if (!env[name]) throw new Error(`host-sim: no implementation for env.${name}`);
    imports.env[name] = vm.wrap(name, env[name]);
  }
  const wasi = wasiImports(vm);
  const wrapped = Object.fromEntries(Object.entries(wasi).map(([n, f]) => [n, vm.wrap(n, f)]));
  for (const mod of WASI_MODULES) imports[mod] = wrapped;
  return imports;
}
