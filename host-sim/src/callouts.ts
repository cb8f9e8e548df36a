// HTTP and gRPC callouts issued by guests, answered by tests (respond / fail / let time out).

import { toBytes } from "./codec.js";
import { HeaderMap, type HeadersInput } from "./headers.js";
import type { Timer } from "./clock.js";
import type { RootContext } from "./context.js";
import type { Vm } from "./vm.js";

export interface HttpCallResponse {
  headers?: HeadersInput;
  body?: string | Uint8Array;
  trailers?: HeadersInput;
  /** Deliver after this many virtual ms (default: right after the current operation). */
  delayMs?: number;
}

export type CallState = "pending" | "responded" | "failed" | "timed_out" | "cancelled";

export class HttpCall {
  state: CallState = "pending";
  timer: Timer | undefined;
  constructor(
    readonly vm: Vm,
    /** The root context that issued the call and gets its answer. */
    readonly root: RootContext,
    readonly token: number,
    readonly cluster: string,
    readonly headers: [string, string][],
    readonly body: Uint8Array,
    readonly trailers: [string, string][],
    readonly timeoutMs: number,
  ) {}

  get plugin(): string {
    return this.root.plugin.name;
  }

  /** Answer the call: the root gets proxy_on_http_call_response(root, token, headers, body, trailers). */
  respond(r: HttpCallResponse = {}): void {
    const headers = HeaderMap.fromInput(r.headers ?? { ":status": "200" });
    const trailers = HeaderMap.fromInput(r.trailers);
    this.vm.proxy.deliverLater(r.delayMs ?? 0, () => this.deliver({ headers, trailers, body: toBytes(r.body) }, "responded"));
  }

  /** Connection reset: on_http_call_response(root, token, 0, 0, 0) and status (11, "reset"). */
  fail(): void {
    this.vm.proxy.deliverLater(0, () => this.deliver(null, "failed"));
  }

  /** Envoy's async client answers a timeout with a local 504 "upstream request timeout". */
  timeout(): void {
    const body = "upstream request timeout";
    const headers = HeaderMap.fromInput({ ":status": "504", "content-length": String(body.length), "content-type": "text/plain" });
    this.deliver({ headers, trailers: new HeaderMap(), body: toBytes(body) }, "timed_out");
  }

  private deliver(r: { headers: HeaderMap; trailers: HeaderMap; body: Uint8Array } | null, state: CallState): void {
    if (this.state !== "pending") return;
    this.state = state;
    this.vm.proxy.clock.cancel(this.timer);
    const { vm, root } = this;
    if (!vm.alive || vm.failed || vm.contexts.get(root.id) !== root) return;
    if (!r) {
      root.status = { code: 11, message: "reset" };
      vm.call(root, "proxy_on_http_call_response", [root.id, this.token, 0, 0, 0]);
      return;
    }
    root.view = { headers: r.headers, trailers: r.trailers, body: r.body, headersType: 6, trailersType: 7, bodyType: 4 };
    try {
      vm.call(root, "proxy_on_http_call_response", [root.id, this.token, r.headers.size, r.body.length, r.trailers.size]);
    } finally {
      root.view = null;
    }
  }
}

export class GrpcCall {
  state: CallState = "pending";
  timer: Timer | undefined;
  /** Messages the guest sent on a stream (proxy_grpc_send). */
  readonly sent: Uint8Array[] = [];
  localClosed = false;
  constructor(
    readonly vm: Vm,
    /** The root context that issued the call and gets its answer. */
    readonly root: RootContext,
    readonly kind: "call" | "stream",
    readonly token: number,
    readonly cluster: string,
    readonly service: string,
    readonly method: string,
    readonly initialMetadata: [string, string][],
    readonly message: Uint8Array,
    readonly timeoutMs: number,
  ) {}

  get plugin(): string {
    return this.root.plugin.name;
  }

  /** Unary success: on_grpc_receive(root, token, size) with the message in buffer GRPC_CALL_MESSAGE. */
  respond(message: string | Uint8Array, opts: { delayMs?: number } = {}): void {
    this.vm.proxy.deliverLater(opts.delayMs ?? 0, () => {
      if (this.state !== "pending") return;
      if (this.kind === "call") this.finish("responded");
      this.receive(toBytes(message));
    });
  }

  /** Stream: on_grpc_receive_initial_metadata(root, token, n). */
  sendInitialMetadata(md: HeadersInput): void {
    this.vm.proxy.deliverLater(0, () => this.metadata(HeaderMap.fromInput(md), 4, "proxy_on_grpc_receive_initial_metadata"));
  }

  /** Stream: on_grpc_receive_trailing_metadata(root, token, n). */
  sendTrailingMetadata(md: HeadersInput): void {
    this.vm.proxy.deliverLater(0, () => this.metadata(HeaderMap.fromInput(md), 5, "proxy_on_grpc_receive_trailing_metadata"));
  }

  /** Remote close / failure: on_grpc_close(root, token, status); get_status ⇒ (status, message). */
  close(status = 14, message = "", opts: { delayMs?: number } = {}): void {
    this.vm.proxy.deliverLater(opts.delayMs ?? 0, () => this.closeNow(status, message, "failed"));
  }

  fail(status = 14, message = ""): void {
    this.close(status, message);
  }

  timeout(): void {
    this.closeNow(4, "", "timed_out");
  }

  private finish(state: CallState): void {
    this.state = state;
    this.vm.proxy.clock.cancel(this.timer);
  }

  private liveRoot(): RootContext | null {
    const { vm, root } = this;
    return vm.alive && !vm.failed && vm.contexts.get(root.id) === root ? root : null;
  }

  private receive(message: Uint8Array): void {
    const root = this.liveRoot();
    if (!root) return;
    root.status = { code: 0, message: "" };
    root.view = { body: message, bodyType: 5 };
    try {
      this.vm.call(root, "proxy_on_grpc_receive", [root.id, this.token, message.length]);
    } finally {
      root.view = null;
    }
  }

  private metadata(md: HeaderMap, type: 4 | 5, callback: string): void {
    const root = this.liveRoot();
    if (this.state !== "pending" || !root) return;
    root.view = type === 4 ? { headers: md, headersType: 4 } : { trailers: md, trailersType: 5 };
    try {
      this.vm.call(root, callback, [root.id, this.token, md.size]);
    } finally {
      root.view = null;
    }
  }

  private closeNow(status: number, message: string, state: CallState): void {
    if (this.state !== "pending") return;
    this.finish(state);
    const root = this.liveRoot();
    if (!root) return;
    root.status = { code: status, message };
    this.vm.call(root, "proxy_on_grpc_close", [root.id, this.token, status]);
  }
}

