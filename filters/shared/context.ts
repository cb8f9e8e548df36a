// Context classes and the root-id-keyed registry behind the dispatch layer (dispatch.ts).
// A filter subclasses RootContext (one per plugin per VM) and HttpContext (one per stream),
// then registers a factory for its root id from its index.ts top level.
// Stream contexts are reused: a deleted stream's context goes back to its root, and the next
// stream of that root gets it after reset(), so a stream allocates nothing (an object made per
// stream costs its allocation and a later sweep, ARCHITECTURE.md "Hot paths").

/** Values a header callback may return (proxy-wasm FilterHeadersStatus). */
export namespace HeadersStatus {
  export const Continue: u32 = 0;
  export const StopIteration: u32 = 1;
}

export class RootContext {
  constructor(public readonly id: u32, public readonly rootId: string) {}
  /** proxy_on_configure; false rejects the configuration. */
  onConfigure(configSize: u32): bool { return true; }
  onTick(): void {}
  /** gRPC call callbacks (callout-dispatch.ts): a message of the call `token`, and its end. */
  onGrpcReceive(token: u32, messageSize: u32): void {}
  onGrpcClose(token: u32, statusCode: u32): void {}
  /** proxy_on_done for this root; true when it is done at once (no proxy_done to follow). */
  onDone(): bool { return true; }
  onDelete(): void {}
  /** The per-stream filter, or null to let this plugin's streams pass untouched. Asked only when
   *  no deleted context is left to reuse: a root that made a context once keeps serving streams. */
  newHttpContext(id: u32): HttpContext | null { return null; }

  /** The next root of the registry's list (context-registry.ts). */
  nextRoot: RootContext | null = null;
  /** Deleted stream contexts of this root, linked through HttpContext.next. */
  private spare: HttpContext | null = null;

  /** The context for new stream `id`: a deleted one reset, or newHttpContext(id). */
  streamContext(id: u32): HttpContext | null {
    const spare = this.spare;
    if (spare === null) return this.newHttpContext(id);
    this.spare = spare.next;
    spare.next = null;
    spare.id = id;
    spare.reset();
    return spare;
  }

  /** Takes back the context of a deleted stream, for the next stream. */
  keepSpare(stream: HttpContext): void {
    stream.next = this.spare;
    this.spare = stream;
  }
}

export class HttpContext {
  /** The next stream of its registry slot while live (context-registry.ts), the next spare of
   *  its root once deleted (RootContext.keepSpare). */
  next: HttpContext | null = null;

  constructor(public id: u32, public readonly root: RootContext) {}
  /** The context serves a new stream (`id` is set): put every per-stream field back as a new
   *  context has it. */
  reset(): void {}
  onRequestHeaders(headerCount: u32, endOfStream: bool): u32 { return HeadersStatus.Continue; }
  onResponseHeaders(headerCount: u32, endOfStream: bool): u32 { return HeadersStatus.Continue; }
  /** Access-log time: the request is complete (or was reset); called only in modules that
   *  export access-log-dispatch.ts. */
  onLog(): void {}
  onDone(): void {}
  onDelete(): void {}
}

export type RootFactory = (id: u32, rootId: string) => RootContext;

/** A registered root id and its factory; registrations are a list, newest first. */
class Registration {
  constructor(readonly rootId: string, readonly factory: RootFactory, readonly next: Registration | null) {}
}

let registrations: Registration | null = null;
/** The root ids registered, comma-separated in registration order (for the unknown-root-id log line). */
let registeredIds = "";

/** Registers the root context factory for `rootId`. Call from a filter's top level only. */
export function registerRoot(rootId: string, factory: RootFactory): void {
  registrations = new Registration(rootId, factory, registrations);
  registeredIds = registeredIds.length == 0 ? rootId : registeredIds + ", " + rootId;
}

/** The factory for `rootId`; an empty root id selects the only registered one. */
export function findRootFactory(rootId: string): RootFactory | null {
  const first = registrations;
  let r = first;
  while (r !== null && r.rootId != rootId) r = r.next;
  if (r !== null) return r.factory;
  if (rootId.length == 0 && first !== null && first.next === null) return first.factory;
  return null;
}

/** Root ids this module serves, comma-separated (for the unknown-root-id log line). */
export function registeredRootIds(): string {
  return registeredIds;
}
