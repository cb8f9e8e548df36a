// What the bundle's shared reads (filters/shared/hook-reads.ts) should save, worked out from a
// request's trace through the separate modules: the host calls a read kept earlier in the same
// hook would have answered. The rules, as that file states them: within one hook (the request
// headers, the response headers or the access log, across the chain's filters), a request header
// read by name, a `connection.*` property and the clock are kept; a write of a request header
// forgets every kept value (not the clock), and a replace keeps what it wrote; any other callback
// (a call's answer, done, delete) is outside hooks, where nothing is kept.
import type { Proxy, TraceEntry } from "../../../host-sim/src/index.js";

const HOOKS = new Set(["proxy_on_request_headers", "proxy_on_response_headers", "proxy_on_log"]);
const REQUEST_HEADERS = 0;
/** The cache's bound (hook-reads.ts MAX_ENTRIES). */
const MAX_ENTRIES = 16;

/** The host calls of `trace` (one request through separate modules) a bundle answers itself. */
export function shareableReads(proxy: Proxy, trace: TraceEntry[]): number {
  const memoryOf = new Map(proxy.vms().map((vm) => [vm.name, vm.memory]));
  const text = (e: TraceEntry, ptr: number, len: number): string => memoryOf.get(e.vm)!.readString(ptr, len);
  let hook: string | null = null;
  let kept = new Set<string>();
  let clock = false;
  let saved = 0;
  const keep = (key: string): void => {
    if (kept.size < MAX_ENTRIES) kept.add(key);
  };
  const read = (key: string): void => {
    if (hook === null) return;
    if (kept.has(key)) saved++;
    else keep(key);
  };
  for (const e of trace) {
    const a = e.args.split(",").map(Number);
    if (e.kind === "callback") {
      if (e.name === "proxy_on_context_create") continue;
      const next = HOOKS.has(e.name) ? e.name : null;
      if (next !== hook || next === null) {
        kept = new Set();
        clock = false;
      }
      hook = next;
      continue;
    }
    switch (e.name) {
      case "proxy_get_header_map_value":
        if (a[0] === REQUEST_HEADERS) read(`header ${text(e, a[1], a[2])}`);
        break;
      case "proxy_get_property": {
        const path = text(e, a[0], a[1]);
        if (path.startsWith("connection\0")) read(`property ${path}`);
        break;
      }
      case "proxy_get_current_time_nanoseconds":
        if (hook !== null && clock) saved++;
        clock = hook !== null;
        break;
      case "proxy_replace_header_map_value":
      case "proxy_add_header_map_value":
      case "proxy_remove_header_map_value":
        if (a[0] !== REQUEST_HEADERS) break;
        kept = new Set();
        if (hook !== null && e.name === "proxy_replace_header_map_value" && e.result === 0) keep(`header ${text(e, a[1], a[2])}`);
        break;
    }
  }
  return saved;
}

/** The host calls of `trace` made in hook `hook` (e.g. "proxy_on_request_headers"), each with the
 *  header name or property path it reads or writes ("proxy_get_header_map_value x-user-id"). */
export function hostCallsIn(proxy: Proxy, trace: TraceEntry[], hook: string): string[] {
  const memoryOf = new Map(proxy.vms().map((vm) => [vm.name, vm.memory]));
  const calls: string[] = [];
  let inHook = false;
  for (const e of trace) {
    if (e.kind === "callback") {
      if (e.name !== "proxy_on_context_create") inHook = e.name === hook;
      continue;
    }
    if (!inHook) continue;
    const a = e.args.split(",").map(Number);
    const named = e.name === "proxy_get_property" ? [a[0], a[1]] : e.name.includes("header_map_value") ? [a[1], a[2]] : null;
    calls.push(named === null ? e.name : `${e.name} ${memoryOf.get(e.vm)!.readString(named[0], named[1]).replaceAll("\0", ".")}`);
  }
  return calls;
}
