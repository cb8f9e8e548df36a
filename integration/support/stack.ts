// One test file's containers: a network, an echo upstream per cluster address of the bootstrap
// (minus the ones `skip` names), and Envoy with the filters. stop() removes everything.
import { Network, type StartedNetwork } from "testcontainers";
import { bootstrapPath, clusterEndpoints, containerReady, loadBootstrap, wasmFilters } from "./bootstrap.js";
import { startEnvoy, validateBootstrap, wasmErrorLines, type ContentToCopy, type EnvoyFiles, type StartedEnvoy, type ValidateResult } from "./envoy.js";
import { startUpstreamsFor, stopAll, type StartedUpstream } from "./upstream.js";

export interface StackOptions {
  /** envoy/<name>/envoy.yaml */
  name: string;
  /** Files besides the bootstrap and the Wasm modules (certificates). */
  extra?: ContentToCopy[];
  /** Cluster addresses not to serve with an echo upstream (started by the test itself). */
  skipUpstreams?: string[];
  /** Runs after the network exists and before Envoy starts (e.g. the rate limit service). */
  before?: (network: StartedNetwork) => Promise<void>;
}

export interface Stack {
  network: StartedNetwork;
  envoy: StartedEnvoy;
  upstreams: StartedUpstream[];
  files: EnvoyFiles;
  stop(): Promise<void>;
}

/** The filter ids the bootstrap loads (from /etc/sluice/<id>.wasm). */
export function filterIdsOf(name: string): string[] {
  return wasmFilters(loadBootstrap(bootstrapPath(name))).map((f) => {
    const m = /^\/etc\/sluice\/([a-z0-9-]+)\.wasm$/.exec(f.filename);
    if (m === null) throw new Error(`envoy/${name}/envoy.yaml loads ${f.filename}, expected /etc/sluice/<id>.wasm`);
    return m[1];
  });
}

export function stackFiles(name: string, extra: ContentToCopy[] = []): EnvoyFiles {
  const bootstrap = bootstrapPath(name);
  const problems = containerReady(loadBootstrap(bootstrap));
  if (problems.length > 0) throw new Error(`envoy/${name}/envoy.yaml: ${problems.join("; ")}`);
  return { bootstrap, filters: [...new Set(filterIdsOf(name))], extra };
}

export async function startStack(opts: StackOptions): Promise<Stack> {
  const files = stackFiles(opts.name, opts.extra);
  const network = await new Network().start();
  let upstreams: StartedUpstream[] = [];
  try {
    const endpoints = clusterEndpoints(loadBootstrap(files.bootstrap));
    upstreams = await startUpstreamsFor(network, endpoints, opts.skipUpstreams ?? []);
    if (opts.before !== undefined) await opts.before(network);
    const envoy = await startEnvoy({ ...files, network });
    return {
      network,
      envoy,
      upstreams,
      files,
      stop: async () => {
        await envoy.stop();
        await stopAll(upstreams);
        await network.stop().catch(() => undefined);
      },
    };
  } catch (err) {
    await stopAll(upstreams);
    await network.stop().catch(() => undefined);
    throw err;
  }
}

/** `envoy --mode validate` on the stack's files; throws with Envoy's output when it fails. */
export async function expectValid(files: EnvoyFiles): Promise<ValidateResult> {
  const result = await validateBootstrap(files);
  if (!result.ok) throw new Error(`envoy --mode validate rejected ${files.bootstrap}:\n${result.output}`);
  return result;
}

/** Throws with the offending lines when Envoy logged a Wasm error. */
export function expectNoWasmErrors(envoy: StartedEnvoy, allow: readonly RegExp[] = []): void {
  const lines = wasmErrorLines(envoy.logs.text(), allow);
  if (lines.length > 0) throw new Error(`Envoy logged Wasm errors:\n${lines.join("\n")}`);
}
