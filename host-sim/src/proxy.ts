// The simulated Envoy process: plugins chained in order, worker VMs, shared stores, the virtual
// clock, callouts and the deferred-work queue.

import { LOG_LEVELS, type LogLevelName } from "./abi/spec.js";
import type { GrpcCall, HttpCall } from "./callouts.js";
import { Clock } from "./clock.js";
import type { RootContext } from "./context.js";
import type { HeadersInput } from "./headers.js";
import { Plugin, type PluginOptions } from "./plugin.js";
import type { PropertyInput } from "./properties.js";
import { MetricStore, QueueStore, SharedDataStore, type SharedValue } from "./stores.js";
import { Stream, type FilterState, type StreamResult, type UpstreamResponse } from "./stream.js";
import type { Vm } from "./vm.js";

export interface ProxyOptions {
  /** Worker threads, each with its own VM per plugin (default 1). */
  workers?: number;
  /** Virtual wall clock at start, epoch ms (default 1_700_000_000_000). */
  startTimeMs?: number;
  /** Envoy `wasm` logger level: lower guest logs are dropped; proxy_get_log_level returns it (default "info"). */
  logLevel?: LogLevelName;
  /** Record every callback and host call (per stream and per VM). Counting is always on. */
  trace?: boolean;
  /** Upstream clusters known to every plugin's http_call / grpc_call. */
  clusters?: string[];
  /** Properties for every context (dotted keys), overridden per stream. */
  properties?: PropertyInput;
}

export interface StreamOptions {
  /** Worker index (default: round-robin). */
  worker?: number;
  properties?: PropertyInput;
}

export interface RequestOptions extends StreamOptions {
  headers: HeadersInput;
  body?: string | Uint8Array;
  trailers?: HeadersInput;
  /** What the upstream answers if the chain lets the request through (default `:status 200`). */
  response?: UpstreamResponse;
}

export type RequestResult = StreamResult & { stream: Stream };

export interface ForeignCall {
  name: string;
  args: Uint8Array;
  plugin: string;
  stream: number | undefined;
}

export type MetricValue = number | number[];

export class Proxy {
  readonly workerCount: number;
  readonly clock: Clock;
  readonly logLevel: number;
  readonly tracing: boolean;
  readonly clusters: Set<string>;
  readonly defaultProperties: PropertyInput;
  readonly plugins: Plugin[] = [];
  readonly shared = new SharedDataStore();
  readonly queues = new QueueStore();
  readonly metricStore = new MetricStore();
  readonly httpCalls: HttpCall[] = [];
  readonly grpcCalls: GrpcCall[] = [];
  readonly foreignCalls: ForeignCall[] = [];
  httpHandler: ((call: HttpCall) => void) | undefined;
  grpcHandler: ((call: GrpcCall) => void) | undefined;
  /** Filter instances with deferred actions to run after the current VM call. */
  readonly dirty = new Set<FilterState>();
  private tasks: (() => void)[] = [];
  private depth = 0;
  private draining = false;
  private streamSeq = 0;
  private nextWorker = 0;

  constructor(opts: ProxyOptions = {}) {
    this.workerCount = opts.workers ?? 1;
    this.clock = new Clock(opts.startTimeMs ?? 1_700_000_000_000);
    this.logLevel = LOG_LEVELS.indexOf(opts.logLevel ?? "info");
    this.tracing = opts.trace ?? false;
    this.clusters = new Set(opts.clusters ?? []);
    this.defaultProperties = opts.properties ?? {};
  }

  /** Loads a plugin: base VM, canary start+configure, then start+configure on every worker VM. */
  /** The plugin owning the worker VMs of each VM key (vm_id, VM config, env, code). */
  readonly vmOwners = new Map<string, Plugin>();

  async addPlugin(opts: PluginOptions): Promise<Plugin> {
    const plugin = new Plugin(this, opts);
    this.plugins.push(plugin);
    this.depth++;
    try {
      await plugin.load(opts.wasm);
    } finally {
      this.depth--;
    }
    this.drain();
    return plugin;
  }

  /** Plugins whose configuration was accepted (canary passed), in chain order. */
  get chain(): Plugin[] {
    return this.plugins.filter((p) => p.accepted);
  }

  newStream(opts: StreamOptions = {}): Stream {
    const worker = opts.worker ?? this.nextWorker++ % this.workerCount;
    if (worker < 0 || worker >= this.workerCount) throw new Error(`no worker ${worker}`);
    const id = ++this.streamSeq;
    return this.op(() => new Stream(this, id, worker, id, opts.properties ?? {}, this.chain));
  }

  /** A whole request: headers, body, trailers, the upstream's answer, then on_log/on_done/on_delete. */
  request(opts: RequestOptions): RequestResult {
    return this.op(() => {
      const s = this.newStream(opts);
      s.autoComplete = true;
      s.upstreamResponse = opts.response ?? {};
      const hasBody = opts.body !== undefined;
      const hasTrailers = opts.trailers !== undefined;
      s.sendRequestHeaders(opts.headers, { endOfStream: !hasBody && !hasTrailers });
      if (hasBody) s.sendRequestBody(opts.body!, { endOfStream: !hasTrailers });
      if (hasTrailers) s.sendRequestTrailers(opts.trailers!);
      return s;
    }).resultWithStream();
  }

  /** Moves the virtual clock, firing ticks, callout timeouts and delayed answers in due order. */
  advance(ms: number): void {
    this.op(() => this.clock.advance(ms, () => this.drain()));
  }

  now(): number {
    return this.clock.now();
  }

  /** Value of a metric by its Envoy-visible name (without `wasmcustom.`); histograms give their samples. */
  metric(name: string): MetricValue | undefined {
    for (const type of [0, 1, 2]) {
      const s = this.metricStore.stats.get(`${type}:wasmcustom.${name}`);
      if (s) return s.type === 2 ? [...s.samples] : s.value;
    }
    return undefined;
  }

  metrics(): Record<string, MetricValue> {
    const out: Record<string, MetricValue> = {};
    for (const s of this.metricStore.stats.values()) out[s.name.slice("wasmcustom.".length)] = s.type === 2 ? [...s.samples] : s.value;
    return out;
  }

  sharedData(vmId: string): Map<string, SharedValue> {
    return this.shared.view(vmId);
  }

  /** Every VM created (base, canary, workers, reloaded workers), optionally of one plugin. */
  vms(pluginName?: string): Vm[] {
    return this.plugins.filter((p) => pluginName === undefined || p.name === pluginName).flatMap((p) => p.allVms);
  }

  plugin(name: string): Plugin | undefined {
    return this.plugins.find((p) => p.name === name);
  }

  /** Called synchronously for every proxy_http_call (after validation); answer with call.respond/fail. */
  onHttpCall(handler: ((call: HttpCall) => void) | undefined): void {
    this.httpHandler = handler;
  }

  onGrpcCall(handler: ((call: GrpcCall) => void) | undefined): void {
    this.grpcHandler = handler;
  }

  get pendingHttpCalls(): HttpCall[] {
    return this.httpCalls.filter((c) => c.state === "pending");
  }

  get pendingGrpcCalls(): GrpcCall[] {
    return this.grpcCalls.filter((c) => c.state === "pending");
  }

  // ---- host internals -------------------------------------------------------------------

  setTickPeriod(root: RootContext, period: number): void {
    this.clock.cancel(root.tickTimer);
    root.tickTimer = undefined;
    root.tickPeriod = period;
    if (period > 0) root.tickTimer = this.clock.schedule(period, () => this.tick(root));
  }

  private tick(root: RootContext): void {
    const vm = root.vm;
    if (!vm.alive || vm.failed) return;
    root.tickTimer = undefined;
    vm.call(root, "proxy_on_tick", [root.id]);
    if (root.tickPeriod > 0 && vm.alive && !vm.failed) {
      this.clock.cancel(root.tickTimer);
      root.tickTimer = this.clock.schedule(root.tickPeriod, () => this.tick(root));
    }
  }

  /** Work that Envoy posts to a dispatcher: runs after the current operation, never re-entrantly. */
  post(task: () => void): void {
    this.tasks.push(task);
  }

  deliverLater(delayMs: number, task: () => void): void {
    if (delayMs > 0) this.clock.schedule(delayMs, task);
    else this.post(task);
    if (this.depth === 0) this.drain();
  }

  /** Runs `fn` as one public operation; deferred work drains when the outermost one ends. */
  op<T>(fn: () => T): T {
    this.depth++;
    try {
      return fn();
    } finally {
      this.depth--;
      if (this.depth === 0) this.drain();
    }
  }

  /** Runs deferred stream actions and posted tasks until none is left (not re-entrant). */
  drain(): void {
    if (this.draining) return;
    this.draining = true;
    this.depth++;
    try {
      for (;;) {
        const fs = this.dirty.values().next().value as FilterState | undefined;
        if (fs) {
          fs.stream.applyActions(fs);
          continue;
        }
        const task = this.tasks.shift();
        if (!task) return;
        task();
      }
    } finally {
      this.depth--;
      this.draining = false;
    }
  }
}
