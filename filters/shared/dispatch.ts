// The dispatch layer: the proxy_on_* exports of ABI 0.2.1 that every Sluice filter needs, and malloc.
// A filter's index.ts re-exports this module (`export * from "../shared/dispatch"`), and
// access-log-dispatch.ts when its streams act at access-log time, callout-dispatch.ts when it
// makes gRPC calls. Callbacks no filter answers otherwise are not exported: the host treats a
// missing callback as "continue" or a no-op (proxy-wasm-cpp-host ContextBase::onRequestBody,
// onVmStart, ...; real-host-findings.md), the same as an export that only answers so, and each
// export costs every module its name and code. So: no vm_start (a plugin starts), no body or
// trailers callbacks (they continue), no network (L4) or metadata callbacks.
// Contexts the registry does not know (a root id no factory serves, a stream whose root chose
// to pass traffic through, callbacks after a delete) get the neutral answer, never a trap.
import { stringToBuffer } from "./bytes";
import { findRootFactory, HeadersStatus, registeredRootIds } from "./context";
import { countStreamForLogLevel, logMessage, LogLevel, refreshLogLevel } from "./log";
import { getEncodedProperty } from "./encoded-host-calls";
import { hostAlloc } from "./host-memory";
import { addRoot, addStream, rootOf, streamOf, takeRoot, takeStream } from "./context-registry";
import { collectIfAllocated } from "./collector";

// Collections (collector.ts) are considered every COLLECT_EVERY stream deletions rather than after
// each one: garbage of at most that many streams is ever held.
// @ts-ignore: decorator
@inline const COLLECT_EVERY: u32 = 64;
let deletedSinceCollect: u32 = 0;

/** ABI marker: the host detects Proxy-Wasm ABI v0.2.1 by this export's name. */
export function proxy_abi_version_0_2_1(): void {}

/** The host's allocator for values it returns to the guest (host-memory.ts); helpers hostFree them. */
export function malloc(size: usize): usize {
  return hostAlloc(size);
}

function createRoot(contextId: u32): void {
  const read = getEncodedProperty(stringToBuffer("plugin_root_id"));
  const rootId = read === null ? "" : read;
  const factory = findRootFactory(rootId);
  if (factory == null) {
    logMessage(LogLevel.Critical, "sluice: unknown root_id \"" + rootId + "\"; this module serves: " + registeredRootIds());
    return;
  }
  addRoot(factory(contextId, rootId));
}

export function proxy_on_context_create(contextId: u32, parentId: u32): void {
  if (parentId == 0) {
    createRoot(contextId);
    return;
  }
  const root = rootOf(parentId);
  if (root === null) return;
  countStreamForLogLevel();
  const stream = root.streamContext(contextId);
  if (stream !== null) addStream(stream);
}

export function proxy_on_configure(rootId: u32, configSize: u32): u32 {
  refreshLogLevel();
  const root = rootOf(rootId);
  return root !== null && root.onConfigure(configSize) ? 1 : 0;
}

export function proxy_on_tick(rootId: u32): void {
  const root = rootOf(rootId);
  if (root !== null) root.onTick();
}

export function proxy_on_request_headers(contextId: u32, headerCount: u32, endOfStream: u32): u32 {
  const stream = streamOf(contextId);
  return stream === null ? HeadersStatus.Continue : stream.onRequestHeaders(headerCount, endOfStream != 0);
}

export function proxy_on_response_headers(contextId: u32, headerCount: u32, endOfStream: u32): u32 {
  const stream = streamOf(contextId);
  return stream === null ? HeadersStatus.Continue : stream.onResponseHeaders(headerCount, endOfStream != 0);
}

export function proxy_on_done(contextId: u32): u32 {
  const stream = streamOf(contextId);
  if (stream !== null) {
    stream.onDone();
    return 1;
  }
  const root = rootOf(contextId);
  return root === null || root.onDone() ? 1 : 0;
}

export function proxy_on_delete(contextId: u32): void {
  const stream = takeStream(contextId);
  if (stream !== null) {
    stream.onDelete();
    stream.root.keepSpare(stream);
    // With the stack unwound here, nothing on it can hold a reference the collector misses.
    if (ASC_RUNTIME == 1 && ++deletedSinceCollect >= COLLECT_EVERY) {
      deletedSinceCollect = 0;
      collectIfAllocated();
    }
    return;
  }
  const root = takeRoot(contextId);
  if (root !== null) root.onDelete();
}
