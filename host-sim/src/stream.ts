// One HTTP stream through the filter chain, with Envoy's iteration rules (stop/continue, buffering,
// local replies through the encoder chain, failure policies) and its observable result.

import { concatBytes, toBytes, toText } from "./codec.js";
import { HttpContext } from "./context.js";
import { HeaderMap, type HeadersInput } from "./headers.js";
import type { Plugin } from "./plugin.js";
import type { PropertyInput } from "./properties.js";
import type { Proxy } from "./proxy.js";
import type { LogEntry, TraceEntry, Vm } from "./vm.js";

export type Decision = "continue" | "local_response" | "closed" | "paused";

export interface LocalReplySpec {
  status: number;
  details: string;
  /** Byte string. */
  body: string;
  headers: [string, string][];
  grpcStatus: number | undefined;
}

export interface LocalResponse {
  status: number;
  headers: [string, string][];
  body: string;
  details: string;
  /** gRPC status the client sees (gRPC requests only). */
  grpcStatus: number | undefined;
  /** Plugin that sent it (undefined for host-generated replies). */
  plugin: string;
}

export type StreamEvent =
  | { type: "routeCacheCleared"; plugin: string; via: "header_mutation" | "foreign_function" }
  | { type: "foreignCall"; plugin: string; name: string };

export interface StreamResult {
  decision: Decision;
  localResponse?: LocalResponse;
  /** Request headers as the upstream saw them (undefined if they never reached it). */
  requestHeaders?: [string, string][];
  requestBody: Uint8Array;
  requestTrailers?: [string, string][];
  /** Response headers as the client saw them. */
  responseHeaders?: [string, string][];
  responseBody: Uint8Array;
  responseTrailers?: [string, string][];
  /** Host calls made during this stream's callbacks (always counted). */
  hostCalls: number;
  /** Callbacks and host calls (only with `trace: true`). */
  trace: TraceEntry[];
  logs: LogEntry[];
  events: StreamEvent[];
  routeCacheCleared: number;
  completed: boolean;
}

type Frame = { k: "h"; eos: boolean } | { k: "d"; data: Uint8Array; eos: boolean } | { k: "t" };

type Action = { k: "reply"; reply: LocalReplySpec } | { k: "continue"; dir: 0 | 1 } | { k: "close" };

class DirState {
  stoppedAll = false;
  held: Frame[] = [];
  heldHeaders: { eos: boolean } | null = null;
  heldTrailers = false;
  buffering = false;
  /** The body this filter sees (current chunk, or the accumulated buffer while buffering). */
  body: Uint8Array | null = null;
  bodyEos = false;
  addedTrailers = false;
}

/** One plugin's filter instance on one stream. */
export class FilterState {
  ctx: HttpContext | null = null;
  created = false;
  /** wasm: normal; bypass: filter not added (FAIL_OPEN); unavailable: no usable VM (503). */
  mode: "wasm" | "bypass" | "unavailable";
  /** Header maps 0..3 accessible (Envoy's request_headers_ etc. pointers). */
  readonly win = [false, false, false, false];
  inLog = false;
  /** on_*_body with end_of_stream and no trailers: trailers may be added. */
  readonly trailersAddable = [false, false];
  readonly d: [DirState, DirState] = [new DirState(), new DirState()];
  stopFlag = false;
  actions: Action[] = [];
  failureReplySent = false;

  constructor(
    readonly stream: Stream,
    readonly plugin: Plugin,
    readonly vm: Vm,
  ) {
    this.mode = !vm.failed ? "wasm" : plugin.failurePolicy === "FAIL_OPEN" ? "bypass" : "unavailable";
  }

  queue(a: Action): void {
    this.actions.push(a);
    this.stream.proxy.dirty.add(this);
  }

  /** Header map for host calls: HeaderMap, null (not available ⇒ BadArgument) or "notfound". */
  headerMap(type: number, write: boolean): HeaderMap | null | "notfound" {
    const s = this.stream;
    if (this.inLog) {
      if (write) return null;
      if (type === 0) return s.req.headers;
      if (type === 1) return "notfound";
      return type === 2 ? s.resp.headers : s.resp.trailers;
    }
    const side = type < 2 ? s.req : s.resp;
    if (type === 0 || type === 2) return this.win[type] ? side.headers : null;
    if (this.win[type]) return side.trailers;
    const dir = type === 1 ? 0 : 1;
    if (write && this.trailersAddable[dir] && !side.trailers) {
      side.trailers = new HeaderMap();
      this.d[dir].addedTrailers = true;
      return side.trailers;
    }
    return null;
  }

  /** Headers for header-derived properties (request.* / response.headers). */
  propertyHeaders(type: 0 | 2): HeaderMap | null {
    const side = type === 0 ? this.stream.req : this.stream.resp;
    return this.inLog || this.win[type] ? side.headers : null;
  }

  participates(dir: 0 | 1): boolean {
    if (this.mode === "bypass") return false;
    if (this.mode === "unavailable") return dir === 0 && !this.failureReplySent;
    if (dir === 1 && !this.created) return false;
    if (this.vm.failed) return !this.failureReplySent && this.plugin.failurePolicy !== "FAIL_OPEN";
    return true;
  }
}

const GRPC_FROM_HTTP: Record<number, number> = { 400: 13, 401: 16, 403: 7, 404: 12, 429: 14, 502: 14, 503: 14, 504: 14 };

interface Side {
  headers: HeaderMap | null;
  trailers: HeaderMap | null;
}

interface Sink {
  headers?: HeaderMap;
  body: Uint8Array;
  trailers?: HeaderMap;
  ended: boolean;
}

export interface UpstreamResponse {
  headers?: HeadersInput;
  body?: string | Uint8Array;
  trailers?: HeadersInput;
  /** Virtual time the upstream takes to answer (advances the clock). */
  latencyMs?: number;
}

export class Stream {
  readonly filters: FilterState[];
  private readonly reversed: FilterState[];
  readonly startMs: number;
  endMs: number | undefined;
  readonly req: Side = { headers: null, trailers: null };
  readonly resp: Side = { headers: null, trailers: null };
  private readonly upstream: Sink = { body: new Uint8Array(0), ended: false };
  private readonly client: Sink = { body: new Uint8Array(0), ended: false };
  private readonly halted = [false, false];
  private respStarted = false;
  private replied = false;
  private closed = false;
  private completed = false;
  private isGrpc = false;
  localResponse: LocalResponse | undefined;
  responseCode: number | undefined;
  codeDetails: string | undefined;
  requestBytes = 0;
  responseBytes = 0;
  hostCalls = 0;
  readonly trace: TraceEntry[] = [];
  readonly logEntries: LogEntry[] = [];
  readonly events: StreamEvent[] = [];
  /** Envoy filter state set through proxy_set_property (`wasm.<path>`). */
  readonly filterState = new Map<string, Uint8Array>();
  /** Upstream answer sent automatically once the whole request reached the upstream. */
  upstreamResponse: UpstreamResponse | undefined;
  /** Run on_log/on_done/on_delete as soon as the response is complete. */
  autoComplete = false;

  constructor(
    readonly proxy: Proxy,
    readonly id: number,
    readonly worker: number,
    readonly connectionId: number,
    readonly props: PropertyInput,
    plugins: Plugin[],
  ) {
    this.startMs = proxy.now();
    this.filters = plugins.map((p) => new FilterState(this, p, p.vmFor(worker)));
    this.reversed = [...this.filters].reverse();
  }

  // ---- test-facing inputs ------------------------------------------------------------------

  /** Fires on_context_create + proxy_on_request_headers on each filter in order. */
  sendRequestHeaders(headers: HeadersInput, opts: { endOfStream?: boolean } = {}): this {
    return this.proxy.op(() => {
      if (this.req.headers || this.completed) return this;
      this.req.headers = HeaderMap.fromDownstream(headers);
      this.isGrpc = (this.req.headers.get("content-type") ?? "").startsWith("application/grpc");
      this.push(0, 0, { k: "h", eos: opts.endOfStream ?? false });
      return this;
    });
  }

  /** Fires proxy_on_request_body (buffered per filter on PAUSE). */
  sendRequestBody(data: string | Uint8Array, opts: { endOfStream?: boolean } = {}): this {
    return this.proxy.op(() => {
      const bytes = toBytes(data);
      this.requestBytes += bytes.length;
      this.push(0, 0, { k: "d", data: bytes, eos: opts.endOfStream ?? false });
      return this;
    });
  }

  /** Fires proxy_on_request_trailers. */
  sendRequestTrailers(trailers: HeadersInput): this {
    return this.proxy.op(() => {
      this.req.trailers = HeaderMap.fromInput(trailers);
      this.push(0, 0, { k: "t" });
      return this;
    });
  }

  /** Upstream response headers: proxy_on_response_headers on each created filter in reverse order. */
  sendResponseHeaders(headers: HeadersInput, opts: { endOfStream?: boolean } = {}): this {
    return this.proxy.op(() => {
      if (this.respStarted || this.halted[1] || this.completed) return this;
      this.startResponse(HeaderMap.fromInput(headers), "via_upstream");
      this.push(1, 0, { k: "h", eos: opts.endOfStream ?? false });
      return this;
    });
  }

  sendResponseBody(data: string | Uint8Array, opts: { endOfStream?: boolean } = {}): this {
    return this.proxy.op(() => {
      if (!this.respStarted || this.replied) return this;
      const bytes = toBytes(data);
      this.push(1, 0, { k: "d", data: bytes, eos: opts.endOfStream ?? false });
      return this;
    });
  }

  sendResponseTrailers(trailers: HeadersInput): this {
    return this.proxy.op(() => {
      if (!this.respStarted || this.replied) return this;
      this.resp.trailers = HeaderMap.fromInput(trailers);
      this.push(1, 0, { k: "t" });
      return this;
    });
  }

  /** Stream end: proxy_on_log on every filter (creating contexts never created), then on_done and on_delete. */
  complete(): this {
    return this.proxy.op(() => {
      this.finish();
      return this;
    });
  }

  /** Downstream reset: decision "closed" (unless a local reply was sent), then as complete(). */
  cancel(): this {
    return this.proxy.op(() => {
      if (!this.replied) this.closed = true;
      this.finish();
      return this;
    });
  }

  get result(): StreamResult {
    const u = this.upstream;
    const c = this.client;
    return {
      decision: this.decision,
      localResponse: this.localResponse,
      requestHeaders: u.headers?.toText(),
      requestBody: u.body,
      requestTrailers: u.trailers?.toText(),
      responseHeaders: c.headers?.toText(),
      responseBody: c.body,
      responseTrailers: c.trailers?.toText(),
      hostCalls: this.hostCalls,
      trace: this.trace,
      logs: this.logEntries,
      events: this.events,
      routeCacheCleared: this.events.filter((e) => e.type === "routeCacheCleared").length,
      completed: this.completed,
    };
  }

  resultWithStream(): StreamResult & { stream: Stream } {
    return { ...this.result, stream: this };
  }

  get decision(): Decision {
    if (this.replied) return "local_response";
    if (this.closed) return "closed";
    return this.upstream.headers ? "continue" : "paused";
  }

  routeCacheCleared(fs: FilterState, via: "header_mutation" | "foreign_function"): void {
    this.events.push({ type: "routeCacheCleared", plugin: fs.plugin.name, via });
  }

  // ---- filter-chain iteration ---------------------------------------------------------------

  private push(dir: 0 | 1, pos: number, f: Frame): void {
    const list = dir === 0 ? this.filters : this.reversed;
    for (; pos < list.length; pos++) {
      if (this.halted[dir]) return;
      if (list[pos].participates(dir)) return this.deliver(list[pos], dir, pos, f);
    }
    if (!this.halted[dir]) this.sink(dir, f);
  }

  private deliver(fs: FilterState, dir: 0 | 1, pos: number, f: Frame): void {
    const d = fs.d[dir];
    if (d.stoppedAll) {
      d.held.push(f);
      return;
    }
    if (fs.mode === "unavailable" || fs.vm.failed) return this.failStream(fs);
    if (f.k === "h") this.onHeaders(fs, dir, pos, f.eos);
    else if (f.k === "d") this.onData(fs, dir, pos, f);
    else this.onTrailers(fs, dir, pos);
    this.applyActions(fs);
  }

  private ensureContext(fs: FilterState): boolean {
    if (fs.created) return !fs.vm.failed;
    fs.created = true;
    fs.ctx = fs.vm.newHttpContext(fs);
    if (!fs.ctx) return false;
    fs.vm.call(fs.ctx, "proxy_on_context_create", [fs.ctx.id, fs.ctx.root.id]);
    return !fs.vm.failed;
  }

  private callFilter(fs: FilterState, name: string, args: number[]): number | undefined {
    fs.stopFlag = false;
    return fs.vm.call(fs.ctx!, name, [fs.ctx!.id, ...args]);
  }

  private onHeaders(fs: FilterState, dir: 0 | 1, pos: number, eos: boolean): void {
    if (dir === 0 && !this.ensureContext(fs)) return this.trapped(fs, dir, pos, { k: "h", eos });
    const map = dir === 0 ? this.req.headers! : this.resp.headers!;
    fs.win[dir * 2] = true;
    const r = this.callFilter(fs, dir === 0 ? "proxy_on_request_headers" : "proxy_on_response_headers", [map.size, eos ? 1 : 0]);
    if (fs.vm.failed) return this.trapped(fs, dir, pos, { k: "h", eos });
    // 0 Continue and 2 ContinueAndEndStream continue; 1 (no allow_on_headers_stop_iteration), 3, 4, >4
    // and a local reply stop all iteration.
    if (!fs.stopFlag && (r === undefined || r === 0 || r === 2)) {
      fs.win[dir * 2] = false;
      this.push(dir, pos + 1, { k: "h", eos });
    } else {
      fs.d[dir].stoppedAll = true;
      fs.d[dir].heldHeaders = { eos };
    }
  }

  private onData(fs: FilterState, dir: 0 | 1, pos: number, f: { data: Uint8Array; eos: boolean }): void {
    const d = fs.d[dir];
    d.body = d.buffering && d.body ? concatBytes(d.body, f.data) : f.data;
    d.bodyEos = f.eos;
    d.addedTrailers = false;
    fs.trailersAddable[dir] = f.eos && !(dir === 0 ? this.req.trailers : this.resp.trailers);
    const r = this.callFilter(fs, dir === 0 ? "proxy_on_request_body" : "proxy_on_response_body", [d.body.length, f.eos ? 1 : 0]);
    fs.trailersAddable[dir] = false;
    if (fs.vm.failed) return this.trapped(fs, dir, pos, { k: "d", data: d.body, eos: f.eos });
    if (fs.stopFlag || (r !== undefined && r >= 3)) {
      // StopIterationNoBuffer: the chunk is neither buffered nor passed on.
      d.body = null;
      d.buffering = false;
    } else if (r === 1 || r === 2) {
      d.buffering = true; // StopIterationAndBuffer: called again with the accumulated body
    } else {
      const data = d.body;
      d.body = null;
      d.buffering = false;
      this.push(dir, pos + 1, { k: "d", data, eos: f.eos && !d.addedTrailers });
      if (d.addedTrailers) this.push(dir, pos + 1, { k: "t" });
    }
  }

  private onTrailers(fs: FilterState, dir: 0 | 1, pos: number): void {
    const map = dir === 0 ? this.req.trailers! : this.resp.trailers!;
    fs.win[dir * 2 + 1] = true;
    const r = this.callFilter(fs, dir === 0 ? "proxy_on_request_trailers" : "proxy_on_response_trailers", [map.size]);
    if (fs.vm.failed) return this.trapped(fs, dir, pos, { k: "t" });
    if (!fs.stopFlag && (r === undefined || r === 0)) {
      fs.win[dir * 2 + 1] = false;
      this.flushBuffered(fs, dir, pos, false);
      this.push(dir, pos + 1, { k: "t" });
    } else {
      fs.d[dir].stoppedAll = true;
      fs.d[dir].heldTrailers = true;
    }
  }

  private flushBuffered(fs: FilterState, dir: 0 | 1, pos: number, eos: boolean): void {
    const d = fs.d[dir];
    if (!d.buffering) return;
    const data = d.body ?? new Uint8Array(0);
    d.body = null;
    d.buffering = false;
    this.push(dir, pos + 1, { k: "d", data, eos });
  }

  /** proxy_continue_stream: resume iteration after a stop (Envoy continueDecoding/Encoding). */
  private resume(fs: FilterState, dir: 0 | 1): void {
    if (this.halted[dir]) return;
    const d = fs.d[dir];
    const pos = (dir === 0 ? this.filters : this.reversed).indexOf(fs);
    if (d.heldHeaders) {
      const { eos } = d.heldHeaders;
      d.heldHeaders = null;
      d.stoppedAll = false;
      fs.win[dir * 2] = false;
      this.push(dir, pos + 1, { k: "h", eos });
      const held = d.held;
      d.held = [];
      for (const f of held) if (!this.halted[dir]) this.deliver(fs, dir, pos, f);
    } else if (d.heldTrailers) {
      d.heldTrailers = false;
      d.stoppedAll = false;
      fs.win[dir * 2 + 1] = false;
      this.flushBuffered(fs, dir, pos, false);
      this.push(dir, pos + 1, { k: "t" });
    } else if (d.buffering) {
      this.flushBuffered(fs, dir, pos, d.bodyEos);
    }
  }

  /** Runs deferred actions queued by host calls (local reply, continue, close). */
  applyActions(fs: FilterState): void {
    this.proxy.dirty.delete(fs);
    while (fs.actions.length > 0) {
      const a = fs.actions.shift()!;
      if (a.k === "reply") this.localReply(fs, a.reply);
      else if (a.k === "continue") this.resume(fs, a.dir);
      else this.reset();
    }
  }

  /** The VM failed inside this stream's callback: fail open (continue) or 503 wasm_fail_stream. */
  private trapped(fs: FilterState, dir: 0 | 1, pos: number, f: Frame): void {
    fs.win.fill(false);
    fs.actions = [];
    if (fs.plugin.failurePolicy === "FAIL_OPEN") this.push(dir, pos + 1, f);
    else this.failStream(fs);
  }

  private failStream(fs: FilterState): void {
    if (fs.failureReplySent) return;
    fs.failureReplySent = true;
    this.localReply(null, { status: 503, details: "wasm_fail_stream", body: "", headers: [], grpcStatus: 14 });
  }

  private startResponse(headers: HeaderMap, details: string): void {
    this.respStarted = true;
    this.resp.headers = headers;
    this.resp.trailers = null;
    this.codeDetails = details;
    const status = Number(headers.get(":status"));
    this.responseCode = Number.isFinite(status) ? status : undefined;
  }

  /** Envoy sendLocalReply: through the whole encoder chain while decoding, direct to the client after. */
  private localReply(fs: FilterState | null, spec: LocalReplySpec): void {
    if (this.replied || this.closed || this.completed) return;
    this.replied = true;
    this.halted[0] = true;
    for (const f of this.filters) {
      f.win[0] = f.win[1] = false;
      f.d[0] = new DirState();
    }
    const grpcStatus = this.isGrpc ? (spec.grpcStatus ?? GRPC_FROM_HTTP[spec.status] ?? 2) : undefined;
    const headers = new HeaderMap([[":status", String(this.isGrpc ? 200 : spec.status)]]);
    for (const [k, v] of spec.headers) headers.add(k, v);
    let body = spec.body;
    if (this.isGrpc) {
      headers.replace("content-type", "application/grpc");
      headers.add("grpc-status", String(grpcStatus));
      if (body) headers.add("grpc-message", encodeURIComponent(body));
      body = "";
    } else if (body) {
      headers.replace("content-length", String(body.length));
      if (headers.get("content-type") === undefined) headers.add("content-type", "text/plain");
    }
    this.localResponse = {
      status: spec.status,
      headers: headers.toText(),
      body: toText(body),
      details: toText(spec.details),
      grpcStatus,
      plugin: fs?.plugin.name ?? "",
    };
    const bytes = Buffer.from(body, "latin1");
    if (this.respStarted) {
      this.halted[1] = true;
      this.codeDetails = spec.details;
      this.responseCode = spec.status;
      this.client.headers = headers;
      this.client.body = bytes;
      this.client.trailers = undefined;
      this.endClient();
      return;
    }
    this.startResponse(headers, spec.details);
    this.push(1, 0, { k: "h", eos: bytes.length === 0 });
    if (bytes.length > 0) this.push(1, 0, { k: "d", data: bytes, eos: true });
  }

  /** proxy_close_stream: Envoy resets the stream (details wasm_close_stream). */
  private reset(): void {
    if (this.completed) return;
    if (!this.replied) {
      this.closed = true;
      this.codeDetails = "wasm_close_stream";
    }
    this.halted[0] = this.halted[1] = true;
    this.proxy.post(() => this.finish());
  }

  private sink(dir: 0 | 1, f: Frame): void {
    const s = dir === 0 ? this.upstream : this.client;
    const side = dir === 0 ? this.req : this.resp;
    if (f.k === "h") s.headers = side.headers!.clone();
    else if (f.k === "d") s.body = concatBytes(s.body, f.data);
    else s.trailers = side.trailers!.clone();
    if (dir === 1 && f.k === "d") this.responseBytes += f.data.length;
    const ended = f.k === "t" || f.eos;
    if (!ended) return;
    if (dir === 1) this.endClient();
    else if (this.upstreamResponse) this.answerFromUpstream(this.upstreamResponse);
  }

  private endClient(): void {
    this.client.ended = true;
    if (this.autoComplete) this.proxy.post(() => this.finish());
  }

  private answerFromUpstream(r: UpstreamResponse): void {
    this.proxy.deliverLater(r.latencyMs ?? 0, () => {
      const body = toBytes(r.body);
      const hasTrailers = r.trailers !== undefined;
      this.sendResponseHeaders(r.headers ?? { ":status": "200" }, { endOfStream: body.length === 0 && !hasTrailers });
      if (body.length > 0) this.sendResponseBody(body, { endOfStream: !hasTrailers });
      if (hasTrailers) this.sendResponseTrailers(r.trailers!);
    });
  }

  private finish(): void {
    if (this.completed) return;
    this.completed = true;
    this.endMs = this.proxy.now();
    this.halted[0] = this.halted[1] = true;
    const live = this.filters.filter((fs) => fs.mode === "wasm" && fs.vm.alive);
    for (const fs of live) {
      if (!this.ensureContext(fs)) continue;
      fs.win.fill(false);
      fs.inLog = true;
      this.callFilter(fs, "proxy_on_log", []);
      fs.inLog = false;
    }
    for (const fs of live) {
      if (!fs.created || !fs.ctx || fs.vm.failed) continue;
      this.callFilter(fs, "proxy_on_done", []);
      this.callFilter(fs, "proxy_on_delete", []);
      fs.vm.contexts.delete(fs.ctx.id);
      this.proxy.dirty.delete(fs);
    }
  }
}
