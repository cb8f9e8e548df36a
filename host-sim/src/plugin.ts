// A plugin (Envoy PluginConfig): module checks, base VM, canary, worker VMs and failure policy.

import { createHash } from "node:crypto";
import { readFile } from "node:fs/promises";
import { ABI_VERSION_EXPORTS, EXPORT_SIGNATURES, LOG_LEVELS, PROVIDED_IMPORTS, type LogLevelName } from "./abi/spec.js";
import { fromText, stringBytes } from "./codec.js";
import type { RootContext } from "./context.js";
import type { Proxy } from "./proxy.js";
import { Vm, type LogEntry } from "./vm.js";
import { readModuleShape } from "./wasm-binary.js";

export type FailurePolicy = "FAIL_CLOSED" | "FAIL_OPEN" | "FAIL_RELOAD";

export interface PluginOptions {
  /** Plugin name (Envoy PluginConfig.name); also the filter name in errors and log prefixes. */
  name: string;
  /** Path to a .wasm file or its bytes. */
  wasm: string | Uint8Array;
  /** Root id (default ""). */
  rootId?: string;
  /** VM id (default = rootId); plugins with the same vmId share shared data and queues. */
  vmId?: string;
  /** Plugin configuration: bytes passed as they are, strings UTF-8 encoded, objects JSON.stringified. */
  config?: unknown;
  vmConfig?: string;
  /** Default FAIL_RELOAD (Envoy ≥ 1.33). */
  failurePolicy?: FailurePolicy;
  /** Environment variables served through WASI environ_*. */
  env?: Record<string, string>;
  /** Upstream clusters known to http_call / grpc_call (added to the proxy's clusters). */
  clusters?: string[];
}

export interface FailureRecord {
  vm: string;
  message: string;
}

/** Checks a module the way cpp-host loads it; returns the first error message or undefined. */
export function checkModule(bytes: Uint8Array): string | undefined {
  let shape;
  try {
    shape = readModuleShape(bytes);
  } catch (e) {
    return `Failed to load Wasm module: ${(e as Error).message}`;
  }
  const { imports, exports } = shape;
  if (!ABI_VERSION_EXPORTS.some((n) => exports.has(n))) return "Missing or unknown Proxy-Wasm ABI version";
  if (!exports.has("proxy_abi_version_0_2_1")) return "host-sim supports only Proxy-Wasm ABI version 0.2.1";
  for (const imp of imports) {
    const sig = PROVIDED_IMPORTS.get(`${imp.module}.${imp.name}`);
    if (imp.kind !== "function" || sig === undefined) return `Failed to load Wasm module due to a missing import: ${imp.module}.${imp.name}`;
    if (sig !== imp.signature) return "Failed to load Wasm module due to an import type mismatch";
  }
  if (exports.get("memory") !== "memory") return "Wasm module is missing memory export";
  for (const [name, sig] of EXPORT_SIGNATURES) {
    const got = exports.get(name);
    if (got !== undefined && got !== sig) return `Bad function signature for: ${name}`;
    if (name === "proxy_on_memory_allocate" && !exports.has("malloc") && got === undefined) return "Wasm module is missing malloc function.";
  }
  return undefined;
}

export class Plugin {
  readonly name: string;
  readonly rootId: string;
  readonly vmId: string;
  readonly config: Uint8Array;
  readonly vmConfig: Uint8Array;
  readonly failurePolicy: FailurePolicy;
  readonly env: Record<string, string>;
  private readonly clusters: Set<string>;
  ok = false;
  /** The canary passed: the plugin is part of the filter chain. */
  accepted = false;
  error: string | undefined;
  module: WebAssembly.Module | undefined;
  /** All VMs ever created for this plugin (base, canary, workers, reloaded workers). */
  readonly allVms: Vm[] = [];
  /** Current worker VM per worker index (shared with the other plugins of a VM group). */
  workers: Vm[] = [];
  /** The plugin that created the VMs this one runs in (itself unless it joined a VM group). */
  private owner: Plugin = this;
  /** The plugins hosted by this owner's VMs, owner first. */
  private readonly group: Plugin[] = [this];
  readonly logEntries: LogEntry[] = [];
  readonly failures: FailureRecord[] = [];

  constructor(
    readonly proxy: Proxy,
    opts: PluginOptions,
  ) {
    this.name = opts.name;
    this.rootId = opts.rootId ?? "";
    this.vmId = opts.vmId ?? this.rootId;
    const cfg = opts.config === undefined ? "" : typeof opts.config === "string" ? opts.config : JSON.stringify(opts.config);
    this.config = opts.config instanceof Uint8Array ? opts.config : stringBytes(fromText(cfg));
    this.vmConfig = stringBytes(fromText(opts.vmConfig ?? ""));
    this.failurePolicy = opts.failurePolicy ?? "FAIL_RELOAD";
    this.env = opts.env ?? {};
    this.clusters = new Set(opts.clusters ?? []);
  }

  knowsCluster(byteName: string): boolean {
    return this.clusters.has(byteName) || this.proxy.clusters.has(byteName);
  }

  /**
   * Loads and starts: base VM, canary (start+configure, then killed), then one VM per worker.
   * Like Envoy, a plugin whose vm_id, VM configuration, environment and code match an earlier
   * plugin's runs in that plugin's worker VMs, with a root context of its own.
   */
  async load(wasm: string | Uint8Array): Promise<void> {
    const bytes = typeof wasm === "string" ? new Uint8Array(await readFile(wasm)) : wasm;
    const problem = checkModule(bytes);
    if (problem) return this.reject(problem);
    const key = this.vmKey(bytes);
    const owner = this.proxy.vmOwners.get(key);
    if (owner?.accepted) return this.joinVmsOf(owner);
    this.module = await WebAssembly.compile(new Uint8Array(bytes));
    const base = this.newVm("base", 0);
    if (!base.initialize(this.module)) return this.reject(base.failMessage!);
    const canary = this.newVm("canary", 0);
    const canaryError = canary.initialize(this.module) ? canary.startPlugin() : canary.failMessage;
    canary.kill();
    if (canaryError) return this.reject(canaryError);
    this.accepted = true;
    let ok = true;
    for (let i = 0; i < this.proxy.workerCount; i++) {
      const vm = this.startWorker(i);
      this.workers.push(vm);
      ok &&= !vm.failed;
    }
    this.ok = ok;
    if (!ok) this.error = this.workers.find((w) => w.failed)!.failMessage;
    this.proxy.vmOwners.set(key, this);
  }

  /** Envoy's VM key: vm_id, VM configuration, environment and the code's hash. */
  private vmKey(bytes: Uint8Array): string {
    const code = createHash("sha256").update(bytes).digest("hex");
    return JSON.stringify([this.vmId, Buffer.from(this.vmConfig).toString("latin1"), this.env, code]);
  }

  /** Starts this plugin in `owner`'s worker VMs (after a canary of its own). */
  private joinVmsOf(owner: Plugin): void {
    this.module = owner.module;
    const canary = this.newVm("canary", 0);
    const canaryError = canary.initialize(this.module!) ? canary.startPlugin(this) : canary.failMessage;
    canary.kill();
    if (canaryError) return this.reject(canaryError);
    this.accepted = true;
    this.owner = owner;
    owner.group.push(this);
    this.workers = owner.workers;
    let error: string | undefined;
    for (const vm of this.workers) error ??= vm.startPlugin(this) ?? (vm.failed ? vm.failMessage : undefined);
    this.ok = error === undefined;
    this.error = error;
  }

  /** The worker VM for a new stream; FAIL_RELOAD replaces a failed one with a fresh VM first. */
  vmFor(worker: number): Vm {
    if (this.owner !== this) return this.owner.vmFor(worker);
    const vm = this.workers[worker];
    if (vm.failed && this.failurePolicy === "FAIL_RELOAD") {
      vm.kill();
      this.workers[worker] = this.startWorker(worker);
    }
    return this.workers[worker];
  }

  recordFailure(vm: Vm, message: string): void {
    this.failures.push({ vm: vm.name, message });
  }

  /** on_done for every worker root; a root returning false stays until it calls proxy_done. */
  shutdown(): void {
    for (const vm of this.workers) {
      const root = vm.roots.get(this);
      if (!root || !vm.alive || vm.failed) continue;
      const done = vm.call(root, "proxy_on_done", [root.id]);
      if (done === 0) root.pendingDone = true;
      else this.deleteRoot(vm, root);
    }
  }

  /** on_delete for this plugin's root in `vm`; the VM goes away with its last root. */
  deleteRoot(vm: Vm, root: RootContext): void {
    root.pendingDone = false;
    vm.call(root, "proxy_on_delete", [root.id]);
    vm.contexts.delete(root.id);
    vm.roots.delete(this);
    if (vm.roots.size === 0) vm.kill();
  }

  /**
   * Guest log messages of this plugin across all its VMs (canary and base included).
   * `level` selects one exact level; `{ min }` selects that level and above.
   */
  logs(level?: LogLevelName | { min: LogLevelName }): string[] {
    return filterLogs(this.logEntries, level).map((e) => e.message);
  }

  /** A fresh worker VM running every plugin of this VM group. */
  private startWorker(i: number): Vm {
    const vm = this.newVm("worker", i);
    if (vm.initialize(this.module!)) {
      for (const plugin of this.group) {
        const err = vm.startPlugin(plugin);
        if (err && !vm.failed && plugin === this) vm.fail(err);
      }
    }
    return vm;
  }

  private newVm(role: "base" | "canary" | "worker", index: number): Vm {
    const vm = new Vm(this.proxy, this, role, index);
    this.allVms.push(vm);
    return vm;
  }

  private reject(detail: string): void {
    this.ok = false;
    this.error = `Unable to create Wasm HTTP filter ${this.name}: ${detail}`;
  }
}

export function filterLogs(entries: LogEntry[], level?: LogLevelName | { min: LogLevelName }): LogEntry[] {
  if (level === undefined) return entries;
  if (typeof level === "string") return entries.filter((e) => e.level === level);
  const min = LOG_LEVELS.indexOf(level.min);
  return entries.filter((e) => LOG_LEVELS.indexOf(e.level) >= min);
}
