// The host reads a request's filters share inside the bundle (filters/sluice): request headers by
// name, connection properties and the clock. Every filter reads (and writes request headers)
// through these functions; in a separate module's build each is the host call alone (the
// bundle's code is compiled in only by `--use SLUICE_BUNDLE=1`, scripts/build.mjs). In the bundle,
// a value read while the bundle runs a hook of a stream (beginHook .. endHook) is kept, so the next
// filter of the chain that reads it makes no host call. What is kept is what the host would
// return at that moment:
// - request headers (proxy_get_header_map_value on the request map: the first value, or absence),
//   by name byte for byte: any write of a request header forgets every kept value, and a replace
//   then keeps the value it wrote (the host returns exactly that);
// - properties under `connection` (the downstream connection's): request.*, response.*, xds.*
//   (the route a cleared route cache picks again), source.*, destination.* go to the host;
// - the clock (proxy_get_current_time_nanoseconds): read once per hook.
// A hook that runs inside another (a callback the host makes during a host call) starts with
// nothing kept, and the outer hook finds nothing kept after it; outside hooks (ticks, a call's
// answer) nothing is kept. Memory is fixed: MAX_ENTRIES values and ARENA_SIZE bytes of names and
// values per hook; a value beyond that is read from the host every time (never evicting another).
// Names are the filters' (configuration or code), never a client's.
import {
  proxy_add_header_map_value, proxy_get_current_time_nanoseconds, proxy_get_header_map_value, proxy_get_property,
  proxy_remove_header_map_value, proxy_replace_header_map_value,
} from "@gcoredev/proxy-wasm-sdk-as/assembly/imports";
import { bytesEqualBytes } from "./bytes";
import { hostAlloc } from "./host-memory";

// @ts-ignore: decorator
@inline const REQUEST_HEADERS: i32 = 0;

/** The first value of header `name` in `map` written at `ret`/`retLen` as the host does. */
// @ts-ignore: decorator
@inline export function hostHeaderValue(map: i32, name: usize, nameLen: usize, ret: usize, retLen: usize): u32 {
  if (isDefined(SLUICE_BUNDLE)) {
    if (map == REQUEST_HEADERS) return sharedRead(HEADER, name, nameLen, ret, retLen);
  }
  return proxy_get_header_map_value(map, name, nameLen, ret, retLen);
}

/** Property `path` written at `ret`/`retLen` as the host does. */
// @ts-ignore: decorator
@inline export function hostProperty(path: usize, pathLen: usize, ret: usize, retLen: usize): u32 {
  if (isDefined(SLUICE_BUNDLE)) return sharedRead(PROPERTY, path, pathLen, ret, retLen);
  return proxy_get_property(path, pathLen, ret, retLen);
}

/** The host's clock (Unix epoch nanoseconds) written at `out`. */
// @ts-ignore: decorator
@inline export function hostTime(out: usize): u32 {
  if (isDefined(SLUICE_BUNDLE)) return sharedTime(out);
  return proxy_get_current_time_nanoseconds(out);
}

/** Sets header `name` of `map` to `value` (replacing every value). */
// @ts-ignore: decorator
@inline export function hostReplaceHeader(map: i32, name: usize, nameLen: usize, value: usize, valueLen: usize): u32 {
  if (isDefined(SLUICE_BUNDLE)) return replaceShared(map, name, nameLen, value, valueLen);
  return proxy_replace_header_map_value(map, name, nameLen, value, valueLen);
}

/** Appends `value` to header `name` of `map`. */
// @ts-ignore: decorator
@inline export function hostAddHeader(map: i32, name: usize, nameLen: usize, value: usize, valueLen: usize): u32 {
  if (isDefined(SLUICE_BUNDLE)) {
    if (map == REQUEST_HEADERS) forgetValues();
  }
  return proxy_add_header_map_value(map, name, nameLen, value, valueLen);
}

/** Removes every value of header `name` of `map`. */
// @ts-ignore: decorator
@inline export function hostRemoveHeader(map: i32, name: usize, nameLen: usize): u32 {
  if (isDefined(SLUICE_BUNDLE)) {
    if (map == REQUEST_HEADERS) forgetValues();
  }
  return proxy_remove_header_map_value(map, name, nameLen);
}

// ---- the bundle's cache (compiled in only with SLUICE_BUNDLE) ----

// @ts-ignore: decorator
@inline const MAX_ENTRIES: i32 = 16;
// @ts-ignore: decorator
@inline const ARENA_SIZE: i32 = 1024;
// @ts-ignore: decorator
@inline const ENTRY_SIZE: usize = 12;
// Kinds of value, marked in the high bit of an entry's name length.
// @ts-ignore: decorator
@inline const HEADER: u32 = 0;
// @ts-ignore: decorator
@inline const PROPERTY: u32 = 0x8000;

// The bundle's state, in a namespace so that a separate module's build, which never uses it,
// compiles none of it. The entries (ENTRY_SIZE bytes each: u32 the host's status, u32 where its
// name is, its value following it in the arena; u16 name length | kind, u16 value length), then
// the arena of names and values.
namespace cache {
  /** The first entry (0 until reserved); the arena follows the last. */
  export let entries: usize = 0;
  /** Where the next entry goes. */
  export let last: usize = 0;
  /** Where the next name and value go in the arena. */
  export let next: usize = 0;
  export let depth: i32 = 0;
  export let clockKept = false;
  export let clock: u64 = 0;
}

// @ts-ignore: decorator
@inline const ARENA_OFFSET: usize = <usize>MAX_ENTRIES * ENTRY_SIZE;

// @ts-ignore: decorator
@inline const ARENA_END: usize = ARENA_OFFSET + <usize>ARENA_SIZE;

/** Sets the cache's memory aside (static memory, so a separate module has none: only the
 *  bundle's start calls this, before any callback). */
export function reserveHookCache(): void {
  cache.entries = memory.data(<i32>ARENA_END);
  close();
}

/** The bundle starts running a hook of a stream: nothing is kept yet. */
export function beginHook(): void {
  cache.depth++;
  open();
}

/** The hook ends: nothing is kept (the next hook may see what the host or other filters changed),
 *  and outside hooks nothing is. */
export function endHook(): void {
  if (--cache.depth > 0) open();
  else close();
}

/** Nothing kept, room for everything. */
function open(): void {
  close();
  cache.next = cache.entries + ARENA_OFFSET;
}

/** Nothing kept, no room (outside hooks): every read goes to the host. */
function close(): void {
  forgetValues();
  cache.next = cache.entries + ARENA_END + 1;
  cache.clockKept = false;
}

/** A filter wrote a header of the request: every value kept is forgotten (the clock stays; the
 *  arena's bytes they used stay used until the hook ends). */
function forgetValues(): void {
  cache.last = cache.entries;
}

/** A replace: a replaced header of the request has what it wrote as its one value now. */
function replaceShared(map: i32, name: usize, nameLen: usize, value: usize, valueLen: usize): u32 {
  const status = proxy_replace_header_map_value(map, name, nameLen, value, valueLen);
  if (map == REQUEST_HEADERS) {
    forgetValues();
    if (status == 0) keep(HEADER, name, nameLen, 0, value, valueLen);
  }
  return status;
}

function sharedTime(out: usize): u32 {
  if (cache.clockKept) {
    store<u64>(out, cache.clock);
    return 0;
  }
  const status = proxy_get_current_time_nanoseconds(out);
  if (cache.depth > 0 && status == 0) {
    cache.clock = load<u64>(out);
    cache.clockKept = true;
  }
  return status;
}

function sharedRead(kind: u32, name: usize, nameLen: usize, ret: usize, retLen: usize): u32 {
  const shared = kind == HEADER || isConnectionProperty(name, nameLen);
  if (shared) {
    const e = find(kind, name, nameLen);
    if (e != 0) {
      const length = <usize>load<u16>(e, 10);
      // (no read holds the host's block now, so an empty value takes none either)
      const p = hostAlloc(length);
      memory.copy(p, <usize>load<u32>(e, 4) + nameLen, length);
      store<u32>(ret, <u32>p);
      store<u32>(retLen, <u32>length);
      return load<u32>(e);
    }
  }
  const status = kind == HEADER
    ? proxy_get_header_map_value(REQUEST_HEADERS, name, nameLen, ret, retLen)
    : proxy_get_property(name, nameLen, ret, retLen);
  // (the callers zero ret and retLen: a failed read leaves an empty value)
  if (shared) keep(kind, name, nameLen, status, <usize>load<u32>(ret), <usize>load<u32>(retLen));
  return status;
}

/** Keeps a value read when an entry and room in the arena are left; else it is not kept. */
function keep(kind: u32, name: usize, nameLen: usize, status: u32, value: usize, valueLen: usize): void {
  const e = cache.last;
  const at = cache.next;
  if (e == cache.entries + ARENA_OFFSET || at + nameLen + valueLen > cache.entries + ARENA_END) return;
  store<u32>(e, status);
  store<u32>(e, <u32>at, 4);
  store<u16>(e, <u16>(nameLen | kind), 8);
  store<u16>(e, <u16>valueLen, 10);
  memory.copy(at, name, nameLen);
  memory.copy(at + nameLen, value, valueLen);
  cache.next = at + nameLen + valueLen;
  cache.last = e + ENTRY_SIZE;
}

/** The entry of `kind` named `name` (byte for byte), or 0. */
function find(kind: u32, name: usize, nameLen: usize): usize {
  for (let e = cache.entries; e < cache.last; e += ENTRY_SIZE) {
    if (<usize>load<u16>(e, 8) == (nameLen | kind) && bytesEqualBytes(<usize>load<u32>(e, 4), name, <i32>nameLen)) return e;
  }
  return 0;
}

/** Whether a property is the downstream connection's (`connection.*`: its first segment and NUL
 *  compared as two overlapping little-endian words; the path is longer than them). */
function isConnectionProperty(path: usize, len: usize): bool {
  return len > 11 && load<u32>(path) == 0x6e6e_6f63 && load<u64>(path, 3) == 0x6e_6f69_7463_656e; // "conn", "nection\0"
}
