// One Wasm VM instance: imports, restricted mode, context registry, guest calls with trap handling,
// guest allocation and per-VM bookkeeping (metric ids, callout tokens, counters, trace).

import { HttpContext, pluginOf, RootContext, VM_CONTEXT, type Context } from "./context.js";
import { GuestMemory, MemoryAccessError } from "./memory.js";
import { LOG_LEVELS, MALLOC_ALLOWED, Result, START_ALLOWED, type LogLevelName } from "./abi/spec.js";
import { buildImports } from "./abi/imports.js";
import { toText } from "./codec.js";
import type { Plugin } from "./plugin.js";
import type { Proxy } from "./proxy.js";
import type { Stream } from "./stream.js";

export type VmRole = "base" | "canary" | "worker";

export interface TraceEntry {
  vm: string;
  context: number;
  kind: "callback" | "host";
  name: string;
  args: string;
  result?: number;
}

export interface LogEntry {
  level: LogLevelName;
  message: string;
  /** Envoy's line: `wasm log<prefix>: <message>`. */
  line: string;
  plugin: string;
  vm: string;
  context: number;
  stream?: number;
}

/** Thrown by a host function called outside the allowed set in restricted mode. */
export class RestrictedCallback extends Error {
  constructor() {
    super("restricted_callback");
  }
}

/** Unwinds guest frames after the VM already failed inside a nested call (e.g. malloc). */
class VmAbort extends Error {}

function describeTrap(e: unknown): string | undefined {
  if (e instanceof RestrictedCallback) return e.message;
  if (e instanceof WebAssembly.RuntimeError) return `Uncaught RuntimeError: ${e.message}`;
  if (e instanceof RangeError) return `Uncaught RangeError: ${e.message}`;
  return undefined;
}

let vmSerial = 0;

export class Vm {
  readonly name: string;
  readonly serial = ++vmSerial;
  instance!: WebAssembly.Instance;
  memory!: GuestMemory;
  private fns: Record<string, (...args: number[]) => number> = {};
  failed = false;
  failMessage: string | undefined;
  /** Alive until killed (canary after configure, replaced worker after reload). */
  alive = true;
  restricted: ReadonlySet<string> | null = null;
  readonly contexts = new Map<number, RootContext | HttpContext>();
  private nextContextId = 1;
  /** Root context per hosted plugin: plugins with the same vm_id, code and VM configuration
   *  share one VM instance per worker, as in Envoy. */
  readonly roots = new Map<Plugin, RootContext>();
  current: Context = VM_CONTEXT;
  effective: RootContext | HttpContext | null = null;
  activeStream: Stream | null = null;
  mallocCount = 0;
  hostCallCount = 0;
  readonly trace: TraceEntry[] = [];
  // Metric ids per VM: type in the low 2 bits, stepping by 4 (cpp-host wasm.h).
  readonly metricIds = new Map<number, string>();
  readonly nextMetricId = [4, 5, 6];
  // Callout tokens per VM: HTTP 4, 8…; gRPC call 5, 9…; gRPC stream 6, 10….
  private nextToken = { http: 0, grpcCall: 1, grpcStream: 2 };

  constructor(
    readonly proxy: Proxy,
    readonly plugin: Plugin,
    readonly role: VmRole,
    readonly index: number,
  ) {
    this.name = role === "worker" ? `${plugin.name}/worker${index}#${this.serial}` : `${plugin.name}/${role}#${this.serial}`;
  }

  /** Instantiates the module and runs `_initialize`(+`main`) or `_start` in restricted mode. */
  initialize(module: WebAssembly.Module): boolean {
    this.instance = new WebAssembly.Instance(module, buildImports(this) as WebAssembly.Imports);
    const exp = this.instance.exports as Record<string, unknown>;
    for (const [k, v] of Object.entries(exp)) if (typeof v === "function") this.fns[k] = v as (...a: number[]) => number;
    this.memory = new GuestMemory(exp.memory as WebAssembly.Memory);
    this.restricted = START_ALLOWED;
    try {
      if (this.fns._initialize) {
        this.call(VM_CONTEXT, "_initialize", []);
        if (this.fns.main) this.call(VM_CONTEXT, "main", [0, 0]);
        else if (this.fns.__main_void) this.call(VM_CONTEXT, "__main_void", []);
      } else if (this.fns._start) {
        this.call(VM_CONTEXT, "_start", []);
      }
    } finally {
      this.restricted = null;
    }
    return !this.failed;
  }

  /** Root context create + on_vm_start + on_configure (cpp-host `start` then `configure`). */
  startPlugin(plugin: Plugin = this.plugin): string | undefined {
    const root = new RootContext(this.nextContextId++, this, plugin);
    this.contexts.set(root.id, root);
    this.roots.set(plugin, root);
    this.call(root, "proxy_on_context_create", [root.id, 0]);
    if (this.failed) return this.failMessage;
    const vmStart = this.call(root, "proxy_on_vm_start", [root.id, plugin.vmConfig.length]);
    if (this.failed) return this.failMessage;
    if (vmStart === 0) return "proxy_on_vm_start returned false";
    root.configuring = true;
    const configured = this.call(root, "proxy_on_configure", [root.id, plugin.config.length]);
    root.configuring = false;
    if (this.failed) return this.failMessage;
    if (configured === 0) return "proxy_on_configure returned false";
    return undefined;
  }

  has(exportName: string): boolean {
    return this.fns[exportName] !== undefined;
  }

  get memoryPages(): number {
    return this.memory ? this.memory.byteLength / 65536 : 0;
  }

  newHttpContext(fs: HttpContext["fs"]): HttpContext | null {
    const root = this.roots.get(fs.plugin);
    if (!root) return null;
    const ctx = new HttpContext(this.nextContextId++, this, root, fs);
    this.contexts.set(ctx.id, ctx);
    return ctx;
  }

  /** The context host calls act on (cpp-host `contextOrEffectiveContext`). */
  ctx(): Context {
    return this.effective ?? this.current;
  }

  /** Calls a guest export; a trap fails the VM and yields undefined. Missing exports yield undefined. */
  call(ctx: Context, name: string, args: number[]): number | undefined {
    const fn = this.fns[name];
    if (!fn || this.failed) return undefined;
    const prev = [this.current, this.effective, this.activeStream] as const;
    this.current = ctx;
    this.effective = null;
    this.activeStream = ctx.kind === "http" ? ctx.fs.stream : null;
    if (this.proxy.tracing) this.record({ vm: this.name, context: ctx.id, kind: "callback", name, args: args.join(",") });
    try {
      const r = fn(...args);
      return typeof r === "number" ? r >>> 0 : 0;
    } catch (e) {
      if (e instanceof VmAbort) return undefined;
      const trap = describeTrap(e);
      if (trap === undefined) throw e;
      this.fail(`Function: ${name} failed: ${trap}`);
      return undefined;
    } finally {
      [this.current, this.effective, this.activeStream] = prev;
    }
  }

  fail(message: string): void {
    if (this.failed) return;
    this.failed = true;
    this.failMessage = message;
    for (const plugin of new Set([this.plugin, ...this.roots.keys()])) plugin.recordFailure(this, message);
  }

  kill(): void {
    this.alive = false;
    for (const c of this.contexts.values()) if (c.kind === "root") this.proxy.clock.cancel(c.tickTimer);
  }

  /**
   * Allocates `size` bytes through the guest allocator in restricted mode (malloc preferred over
   * proxy_on_memory_allocate). Returns 0-free pointers only; failures are InvalidMemoryAccess.
   */
  alloc(size: number): number {
    const fname = this.fns.malloc ? "malloc" : "proxy_on_memory_allocate";
    const saved = this.restricted;
    this.restricted = MALLOC_ALLOWED;
    let ptr: number | undefined;
    const prevCtx = [this.current, this.effective] as const;
    try {
      this.current = VM_CONTEXT;
      this.effective = null;
      ptr = this.fns[fname](size) >>> 0;
      this.mallocCount++;
    } catch (e) {
      const trap = describeTrap(e);
      if (trap === undefined && !(e instanceof VmAbort)) throw e;
      if (trap !== undefined) this.fail(`Function: ${fname} failed: ${trap}`);
      throw new VmAbort();
    } finally {
      this.restricted = saved;
      [this.current, this.effective] = prevCtx;
    }
    if (ptr === 0) throw new MemoryAccessError(0, size);
    this.memory.check(ptr, size);
    return ptr;
  }

  /** cpp-host `copyToPointerSize`: empty ⇒ (0,0) without malloc, else malloc + copy. */
  writeValue(ptrPtr: number, sizePtr: number, bytes: Uint8Array): void {
    let ptr = 0;
    if (bytes.length > 0) {
      ptr = this.alloc(bytes.length);
      this.memory.write(ptr, bytes);
    }
    this.memory.writeU32(ptrPtr, ptr);
    this.memory.writeU32(sizePtr, bytes.length);
  }

  nextCalloutToken(kind: "http" | "grpcCall" | "grpcStream"): number {
    this.nextToken[kind] += 4;
    return this.nextToken[kind];
  }

  /** Guest log line, dropped below the configured level like Envoy's `wasm` logger. */
  log(level: number, message: string): void {
    if (level < this.proxy.logLevel) return;
    const ctx = this.ctx();
    const p = pluginOf(ctx) ?? this.plugin;
    const parts = ctx.kind === "http" ? [p.name, p.rootId, p.vmId] : ctx.kind === "root" ? [p.rootId, p.vmId] : [p.vmId];
    const prefix = parts.filter((s) => s !== "").map((s) => ` ${s}`).join("");
    const text = toText(message);
    const stream = ctx.kind === "http" ? ctx.fs.stream : (this.activeStream ?? undefined);
    const entry: LogEntry = {
      level: LOG_LEVELS[level],
      message: text,
      line: `wasm log${prefix}: ${text}`,
      plugin: p.name,
      vm: this.name,
      context: ctx.id,
      stream: stream?.id,
    };
    p.logEntries.push(entry);
    stream?.logEntries.push(entry);
  }

  /** Wraps a host function: counting, restricted mode, memory faults ⇒ InvalidMemoryAccess, trace. */
  wrap(name: string, impl: (...args: never[]) => number | void): (...args: number[]) => number | undefined {
    return (...args: number[]) => {
      this.hostCallCount++;
      const stream = this.activeStream;
      if (stream) stream.hostCalls++;
      if (this.restricted !== null && !this.restricted.has(name)) throw new RestrictedCallback();
      let r: number | void;
      try {
        r = (impl as (...a: number[]) => number | void)(...args);
      } catch (e) {
        if (!(e instanceof MemoryAccessError)) throw e;
        r = Result.InvalidMemoryAccess;
      }
      if (this.proxy.tracing) {
        this.record({ vm: this.name, context: this.ctx().id, kind: "host", name, args: args.map(String).join(","), result: r ?? undefined });
      }
      return r === undefined ? undefined : r;
    };
  }

  private record(entry: TraceEntry): void {
    this.trace.push(entry);
    this.activeStream?.trace.push(entry);
  }
}
