// The host reads a request's filters share inside the bundle (filters/sluice): request headers by
// name, connection properties and the clock. Every filter reads them through these functions;
// in a separate module's build each is the host call alone (the bundle's code is compiled in only
// by `--use SLUICE_BUNDLE=1`, scripts/build.mjs). In the bundle, a value read while the bundle runs
// a hook of a stream (beginHook .. endHook) is kept until the hook ends, so the next filter of the
// chain that reads it makes no host call. What is kept is what the host would return now:
// - request headers (proxy_get_header_map_value on the request map: the first value): a filter's
//   replace of a header keeps the value it wrote (the host then returns exactly that); an add or
//   a remove forgets the name, and a write of `:authority` or `host` forgets every header;
// - properties only under `source`, `destination` and `connection` (the downstream connection's,
//   which no write of a filter changes); request.*, response.*, xds.* (the route a cleared route
//   cache picks again) always go to the host;
// - the clock (proxy_get_current_time_nanoseconds): read once per hook.
// A hook that runs inside another (a callback the host makes during a host call) starts with
// nothing kept, and the outer hook finds nothing kept after it. Memory is fixed: MAX_ENTRIES
// values and ARENA_SIZE bytes of names and values per hook; a value beyond that is read from
// the host every time (never evicting another).
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
  const status = proxy_replace_header_map_value(map, name, nameLen, value, valueLen);
  if (isDefined(SLUICE_BUNDLE)) {
    if (map == REQUEST_HEADERS) headerWritten();
  }
  return status;
}

/** Appends `value` to header `name` of `map`. */
// @ts-ignore: decorator
@inline export function hostAddHeader(map: i32, name: usize, nameLen: usize, value: usize, valueLen: usize): u32 {
  if (isDefined(SLUICE_BUNDLE)) {
    if (map == REQUEST_HEADERS) headerWritten();
  }
  return proxy_add_header_map_value(map, name, nameLen, value, valueLen);
}

/** Removes every value of header `name` of `map`. */
// @ts-ignore: decorator
@inline export function hostRemoveHeader(map: i32, name: usize, nameLen: usize): u32 {
  if (isDefined(SLUICE_BUNDLE)) {
    if (map == REQUEST_HEADERS) headerWritten();
  }
  return proxy_remove_header_map_value(map, name, nameLen);
}

// ---- the bundle's cache (compiled in only with SLUICE_BUNDLE) ----

// @ts-ignore: decorator
@inline const MAX_ENTRIES: i32 = 16;
// @ts-ignore: decorator
@inline const ARENA_SIZE: i32 = 1024;
// @ts-ignore: decorator
@inline const ENTRY_SIZE: usize = 16;
// @ts-ignore: decorator
@inline const HEADER: u32 = 1;
// @ts-ignore: decorator
@inline const PROPERTY: u32 = 2;

// The bundle's state, in a namespace so that a separate module's build, which never uses it,
// compiles none of it. The entries (ENTRY_SIZE bytes each: u32 kind, u32 the host's status, u32
// where its name is, its value following it in the arena; u16 name length, u16 value length),
// then the arena of names and values.
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

/** Sets the cache's memory aside (static memory, so a separate module has none: only the
 *  bundle's configuration calls this). */
export function reserveHookCache(): void {
  cache.entries = memory.data(<i32>ARENA_OFFSET + ARENA_SIZE);
  forgetAll();
}

/** The bundle starts running a hook of a stream: nothing is kept yet. */
export function beginHook(): void {
  cache.depth++;
  forgetAll();
}

/** The hook ends: nothing is kept (the next hook may see what the host or other filters changed). */
export function endHook(): void {
  cache.depth--;
  forgetAll();
}

function forgetAll(): void {
  headerWritten();
  cache.clockKept = false;
}

/** A filter wrote a header of the request: every value kept is forgotten (the clock stays). */
function headerWritten(): void {
  cache.last = cache.entries;
  cache.next = cache.entries + ARENA_OFFSET;
}

function sharedTime(out: usize): u32 {
  if (cache.depth > 0 && cache.clockKept) {
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
  const shared = cache.depth > 0 && (kind == HEADER || isConnectionProperty(name, nameLen));
  if (shared) {
    const e = find(kind, name, nameLen);
    if (e != 0) {
      const length = <usize>load<u16>(e, 14);
      let p: usize = 0;
      if (length > 0) {
        p = hostAlloc(length);
        memory.copy(p, <usize>load<u32>(e, 8) + nameLen, length);
      }
      store<u32>(ret, <u32>p);
      store<u32>(retLen, <u32>length);
      return load<u32>(e, 4);
    }
  }
  const status = kind == HEADER
    ? proxy_get_header_map_value(REQUEST_HEADERS, name, nameLen, ret, retLen)
    : proxy_get_property(name, nameLen, ret, retLen);
  if (shared) keep(kind, name, nameLen, status, <usize>load<u32>(ret), status == 0 ? <usize>load<u32>(retLen) : 0);
  return status;
}

/** Keeps a value read when an entry and room in the arena are left; else it is not kept. */
function keep(kind: u32, name: usize, nameLen: usize, status: u32, value: usize, valueLen: usize): void {
  const e = cache.last;
  const at = cache.next;
  if (e == cache.entries + ARENA_OFFSET || at + nameLen + valueLen > cache.entries + ARENA_OFFSET + <usize>ARENA_SIZE) return;
  store<u32>(e, kind);
  store<u32>(e, status, 4);
  store<u32>(e, <u32>at, 8);
  store<u16>(e, <u16>nameLen, 12);
  store<u16>(e, <u16>valueLen, 14);
  memory.copy(at, name, nameLen);
  memory.copy(at + nameLen, value, valueLen);
  cache.next = at + nameLen + valueLen;
  cache.last = e + ENTRY_SIZE;
}

/** The entry of `kind` named `name` (byte for byte), or 0. */
function find(kind: u32, name: usize, nameLen: usize): usize {
  for (let e = cache.entries; e < cache.last; e += ENTRY_SIZE) {
    if (load<u32>(e) == kind && <usize>load<u16>(e, 12) == nameLen &&
      bytesEqualBytes(<usize>load<u32>(e, 8), name, <i32>nameLen)) return e;
  }
  return 0;
}

/** Whether a property is the downstream connection's (`connection.*`: its first segment and NUL
 *  compared as little-endian words; the path is longer than them). */
function isConnectionProperty(path: usize, len: usize): bool {
  return len > 11 && load<u64>(path) == 0x6974_6365_6e6e_6f63 && (load<u32>(path, 8) & 0xff_ffff) == 0x6e6f;
}
