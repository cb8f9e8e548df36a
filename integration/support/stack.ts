// One test file's Envoy with its surroundings, on the backend the suite runs on (runtime.ts):
// Envoy with a bootstrap from envoy/ and the built filters, an echo upstream per cluster address
// of the bootstrap, the rate limit service when asked, a front proxy when asked. stop() ends
// everything it started. The test files only see this interface, so they run unchanged on local
// processes and on containers.
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Network, type StartedNetwork } from "testcontainers";
import { bootstrapPath, clusterEndpoints, containerReady, loadBootstrap, parseBootstrap, wasmFilters, wasmPath, type Json } from "./bootstrap.js";
import { startEchoServer, type EchoServer } from "./echo-server.js";
import {
  ENVOY_ALIAS,
  WASM_DIR,
  startEnvoy,
  validateBootstrap,
  wasmErrorLines,
  type ContentToCopy,
  type EnvoyFiles,
  type RunningEnvoy,
  type StartedEnvoy,
  type ValidateResult,
} from "./envoy.js";
import { FRONT_ALIAS, FRONT_FILES, frontProxyBootstrap, type XfccDetails } from "./front-proxy.js";
import { ldsUpdateCount } from "../../cli/local-envoy/admin.js";
import { endpointKey, ldsDocument, withFileLds } from "../../cli/local-envoy/bootstrap-rewrite.js";
import { startLocalEnvoy, type LocalEnvoy } from "../../cli/local-envoy/envoy-process.js";
import { startLocalRls, type LocalRls } from "./local-rls.js";
import { RLS_ALIAS, startRateLimitService, type StartedRls } from "./rls.js";
import { backendStatus, type BackendKind } from "./runtime.js";
import { startUpstreamsFor, stopAll, type StartedUpstream } from "./upstream.js";

export interface StackOptions {
  /** envoy/<name>/envoy.yaml */
  name: string;
  /** Files besides the bootstrap and the Wasm modules (certificates), by the path the bootstrap names. */
  extra?: ContentToCopy[];
  /** Start the rate limit service (for the bootstrap's `ratelimit` cluster) with this domain YAML. */
  rls?: string;
  /** Serve the listeners through a watched LDS file, so that reconfigure() can change them live. */
  dynamicListeners?: boolean;
}

export interface FrontProxyOptions {
  /** The bootstrap port of the Sluice Envoy's listener the front proxy calls. */
  listenerPort: number;
  /** SNI for the upstream TLS connection (a DNS name in the Sluice Envoy's server certificate). */
  sni: string;
  /** PEM contents: the CA, the proxy's SVID and its key. */
  ca: string;
  cert: string;
  key: string;
  /** What the front proxy writes into x-forwarded-client-cert (default: the URI, text format). */
  xfcc?: XfccDetails;
}

export interface Stack {
  kind: BackendKind;
  envoy: RunningEnvoy;
  files: EnvoyFiles;
  /** `envoy --mode validate` on exactly what Envoy runs. */
  validate(): Promise<ValidateResult>;
  /** Stops the rate limit service (Redis stays), to show the filter's failure mode. */
  stopRateLimitService(): Promise<void>;
  /** A second Envoy terminating the caller's mTLS and forwarding XFCC to this one. */
  startFrontProxy(opts: FrontProxyOptions): Promise<RunningEnvoy>;
  /** Applies `edit` to the listeners and hands them to the running Envoy (needs dynamicListeners). */
  reconfigure(edit: (listeners: Json[]) => Json[]): Promise<void>;
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
  const runtime = await backendStatus();
  if (!runtime.available) throw new Error(`no backend to run Envoy on: ${runtime.reason}`);
  return runtime.kind === "process" ? startProcessStack(opts) : startContainerStack(opts);
}

/** Writes `contents` under a new temporary directory; returns target path -> local path. */
function writeContents(dir: string, contents: readonly ContentToCopy[]): Map<string, string> {
  const out = new Map<string, string>();
  contents.forEach((c, i) => {
    const local = join(dir, `${i}-${c.target.split("/").pop()}`);
    writeFileSync(local, c.content, { mode: c.mode ?? 0o644 });
    out.set(c.target, local);
  });
  return out;
}

async function startProcessStack(opts: StackOptions): Promise<Stack> {
  const files = stackFiles(opts.name, opts.extra);
  const rendered = loadBootstrap(files.bootstrap);
  const dir = mkdtempSync(join(tmpdir(), "sluice-stack-"));
  const echoes: EchoServer[] = [];
  const fronts: LocalEnvoy[] = [];
  let rls: LocalRls | undefined;
  let envoy: LocalEnvoy | undefined;
  const stopAllParts = async (): Promise<void> => {
    await Promise.all(fronts.map((f) => f.stop().catch(() => undefined)));
    await envoy?.stop().catch(() => undefined);
    await rls?.stop().catch(() => undefined);
    await Promise.all(echoes.map((e) => e.stop().catch(() => undefined)));
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    const endpoints = new Map<string, number>();
    const echoByAddress = new Map<string, EchoServer>();
    for (const e of clusterEndpoints(rendered)) {
      if (e.address === RLS_ALIAS && opts.rls !== undefined) {
        rls ??= await startLocalRls(opts.rls);
        endpoints.set(endpointKey(e.address, e.port), rls.grpcPort);
        continue;
      }
      let echo = echoByAddress.get(e.address);
      if (echo === undefined) {
        echo = await startEchoServer(e.address);
        echoes.push(echo);
        echoByAddress.set(e.address, echo);
      }
      endpoints.set(endpointKey(e.address, e.port), echo.port);
    }
    const localFiles = writeContents(dir, files.extra ?? []);
    for (const id of files.filters) localFiles.set(`${WASM_DIR}/${id}.wasm`, wasmPath(id));
    envoy = await startLocalEnvoy({ rendered, rewrite: { endpoints, files: localFiles }, dynamicListeners: opts.dynamicListeners, name: `envoy ${opts.name}` });
    const main = envoy;
    return {
      kind: "process",
      envoy: main,
      files,
      validate: () => main.validate(),
      stopRateLimitService: async () => {
        if (rls === undefined) throw new Error("this stack has no rate limit service");
        await rls.stopService();
      },
      startFrontProxy: async (front) => {
        const frontDir = mkdtempSync(join(dir, "front-"));
        const frontFiles = writeContents(frontDir, [
          { content: front.ca, target: FRONT_FILES.ca },
          { content: front.cert, target: FRONT_FILES.cert },
          { content: front.key, target: FRONT_FILES.key },
        ]);
        const frontRendered = parseBootstrap(frontProxyBootstrap({ target: { address: ENVOY_ALIAS, port: front.listenerPort }, sni: front.sni, xfcc: front.xfcc }));
        const proxy = await startLocalEnvoy({
          rendered: frontRendered,
          rewrite: { endpoints: new Map([[endpointKey(ENVOY_ALIAS, front.listenerPort), main.listenerPort(front.listenerPort)]]), files: frontFiles },
          concurrency: 1,
          name: "front proxy",
        });
        fronts.push(proxy);
        return proxy;
      },
      reconfigure: (edit) => main.reconfigure(edit),
      stop: stopAllParts,
    };
  } catch (err) {
    await stopAllParts();
    throw err;
  }
}

const LDS_DIR = "/etc/envoy/lds";


async function startContainerStack(opts: StackOptions): Promise<Stack> {
  let files = stackFiles(opts.name, opts.extra);
  const network: StartedNetwork = await new Network().start();
  const tmp = mkdtempSync(join(tmpdir(), "sluice-stack-"));
  let upstreams: StartedUpstream[] = [];
  let rls: StartedRls | undefined;
  const fronts: StartedEnvoy[] = [];
  let envoy: StartedEnvoy | undefined;
  const stopAllParts = async (): Promise<void> => {
    await Promise.all(fronts.map((f) => f.stop()));
    await envoy?.stop();
    await rls?.stop();
    await stopAll(upstreams);
    await network.stop().catch(() => undefined);
    rmSync(tmp, { recursive: true, force: true });
  };
  try {
    const rendered = loadBootstrap(files.bootstrap);
    let listeners: Json[] = [];
    if (opts.dynamicListeners === true) {
      const lds = withFileLds(rendered, LDS_DIR);
      listeners = lds.listeners;
      const dynamicBootstrap = join(tmp, "envoy.yaml");
      writeFileSync(dynamicBootstrap, JSON.stringify(lds.bootstrap));
      files = { ...files, bootstrap: dynamicBootstrap, extra: [...(files.extra ?? []), { content: ldsDocument(listeners), target: `${LDS_DIR}/lds.yaml`, mode: 0o644 }] };
    }
    upstreams = await startUpstreamsFor(network, clusterEndpoints(rendered), opts.rls !== undefined ? [RLS_ALIAS] : []);
    if (opts.rls !== undefined) rls = await startRateLimitService(network, opts.rls);
    envoy = await startEnvoy({ ...files, network });
    const main = envoy;
    const stackFilesNow = files;
    return {
      kind: "container",
      envoy: main,
      files: stackFilesNow,
      validate: () => validateBootstrap(stackFilesNow),
      stopRateLimitService: async () => {
        if (rls === undefined) throw new Error("this stack has no rate limit service");
        await rls.ratelimit.stop();
      },
      startFrontProxy: async (front) => {
        const frontBootstrap = join(tmp, "front.yaml");
        writeFileSync(frontBootstrap, frontProxyBootstrap({ target: { address: ENVOY_ALIAS, port: front.listenerPort }, sni: front.sni, xfcc: front.xfcc }));
        const proxy = await startEnvoy({
          network,
          alias: FRONT_ALIAS,
          bootstrap: frontBootstrap,
          filters: [],
          extra: [
            { content: front.ca, target: FRONT_FILES.ca, mode: 0o644 },
            { content: front.cert, target: FRONT_FILES.cert, mode: 0o644 },
            { content: front.key, target: FRONT_FILES.key, mode: 0o644 },
          ],
        });
        fronts.push(proxy);
        return proxy;
      },
      reconfigure: async (edit) => {
        if (opts.dynamicListeners !== true) throw new Error("reconfigure needs dynamicListeners");
        const before = await ldsUpdateCount(main.adminUrl);
        listeners = edit(listeners);
        await main.container.copyContentToContainer([{ content: ldsDocument(listeners), target: `${LDS_DIR}/lds.next.yaml`, mode: 0o644 }]);
        const moved = await main.container.exec(["mv", `${LDS_DIR}/lds.next.yaml`, `${LDS_DIR}/lds.yaml`]);
        if (moved.exitCode !== 0) throw new Error(`mv in the Envoy container failed: ${moved.output}`);
        const deadline = Date.now() + 15_000;
        while ((await ldsUpdateCount(main.adminUrl)) <= before) {
          if (Date.now() > deadline) throw new Error("Envoy did not take the new listeners within 15 s");
          await new Promise((r) => setTimeout(r, 100));
        }
      },
      stop: stopAllParts,
    };
  } catch (err) {
    await stopAllParts();
    throw err;
  }
}

/** `envoy --mode validate` on the stack's files; throws with Envoy's output when it fails. */
export async function expectValid(stack: Stack): Promise<ValidateResult> {
  const result = await stack.validate();
  if (!result.ok) throw new Error(`envoy --mode validate rejected ${stack.files.bootstrap}:\n${result.output}`);
  return result;
}

/** Lines where Envoy warned about a deprecated field or option (none is acceptable). */
export function deprecationLines(logs: string): string[] {
  return logs.split("\n").filter((l) => /\bdeprecated\b/i.test(l));
}

/** Throws with the offending lines when Envoy logged a Wasm error or a deprecation warning. */
export function expectNoWasmErrors(envoy: RunningEnvoy, allow: readonly RegExp[] = []): void {
  const text = envoy.logs.text();
  const lines = [...wasmErrorLines(text, allow), ...deprecationLines(text)];
  if (lines.length > 0) throw new Error(`Envoy logged Wasm errors or deprecation warnings:\n${lines.join("\n")}`);
}
