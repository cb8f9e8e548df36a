// Header maps of the current stream, the header-pairs byte layout, and the request values read
// out of headers (cookies, query parameters). Reads copy the host's buffer into a byte string and
// free the host block at once; any host failure reads as "absent" and writes report false.
import { proxy_get_header_map_pairs } from "@gcoredev/proxy-wasm-sdk-as/assembly/imports";
import { bytesToString, stringToBuffer, writeString } from "./bytes";
import { getEncodedHeader } from "./encoded-host-calls";
import { hostAddHeader, hostRemoveHeader, hostReplaceHeader } from "./hook-reads";
import { hostFree } from "./host-memory";

/** Header map types (proxy-wasm MapType). */
export namespace HeaderMap {
  export const RequestHeaders: i32 = 0;
  export const RequestTrailers: i32 = 1;
  export const ResponseHeaders: i32 = 2;
  export const ResponseTrailers: i32 = 3;
  export const GrpcInitialMetadata: i32 = 4;
  export const GrpcTrailingMetadata: i32 = 5;
}

/** Header names and values (byte strings) in order; names as given (the host lowercases). */
export class HeaderList {
  names: string[] = [];
  values: string[] = [];

  get length(): i32 { return this.names.length; }

  add(name: string, value: string): void {
    this.names.push(name);
    this.values.push(value);
  }

  /** Empties the list, keeping its arrays' room. */
  clear(): void {
    if (this.names.length == 0) return;
    this.names.length = 0;
    this.values.length = 0;
  }

  /** The first value of `name` (exact byte comparison), or null. */
  get(name: string): string | null {
    const names = this.names;
    for (let i = 0, n = names.length; i < n; i++) {
      if (names[i] == name) return this.values[i];
    }
    return null;
  }

  /** The pairs layout: u32 N, N × (u32 name_len, u32 value_len), N × (name 0x00 value 0x00),
   *  all little-endian. */
  serialize(): ArrayBuffer {
    const names = this.names;
    const values = this.values;
    const n = names.length;
    let size = 4 + n * 10;
    for (let i = 0; i < n; i++) size += names[i].length + values[i].length;
    const out = new ArrayBuffer(size);
    const base = changetype<usize>(out);
    store<u32>(base, n);
    let data = base + 4 + <usize>n * 8;
    for (let i = 0; i < n; i++) {
      const name = names[i];
      const value = values[i];
      store<u32>(base + 4 + <usize>i * 8, name.length);
      store<u32>(base + 8 + <usize>i * 8, value.length);
      writeString(name, data);
      data += name.length;
      store<u8>(data++, 0);
      writeString(value, data);
      data += value.length;
      store<u8>(data++, 0);
    }
    return out;
  }

  /** Parses the pairs layout at `ptr`; anything malformed (sizes running past the end, missing
   *  NUL terminators, trailing bytes) gives an empty list, as proxy-wasm-cpp-host does. */
  static parse(ptr: usize, len: usize): HeaderList {
    const list = new HeaderList();
    if (len < 4) return list;
    const n = <u64>load<u32>(ptr);
    let data = 4 + n * 8; // offset of the first name
    if (data > <u64>len) return list;
    for (let i: u64 = 0; i < n; i++) {
      const nameLen = <u64>load<u32>(ptr + 4 + <usize>(i * 8));
      const valueLen = <u64>load<u32>(ptr + 8 + <usize>(i * 8));
      const end = data + nameLen + valueLen + 2;
      if (end > <u64>len) return new HeaderList();
      const name = ptr + <usize>data;
      const value = name + <usize>nameLen + 1;
      if (load<u8>(value - 1) != 0 || load<u8>(value + <usize>valueLen) != 0) return new HeaderList();
      list.add(bytesToString(name, <usize>nameLen), bytesToString(value, <usize>valueLen));
      data = end;
    }
    return data == <u64>len ? list : new HeaderList();
  }
}

// Where the host writes a returned buffer: u32 pointer then u32 length.
const returned = memory.data(8);

/** A byte string copied to a heap block the caller frees (host calls need bytes). */
function toHeap(s: string): usize {
  const ptr = heap.alloc(<usize>s.length);
  writeString(s, ptr);
  return ptr;
}

/** The first value of header `name` in `map`, or null when absent or unreadable. */
export function getHeader(map: i32, name: string): string | null {
  return getEncodedHeader(map, stringToBuffer(name));
}

/** All entries of `map` (empty when unreadable). */
export function getHeaderPairs(map: i32): HeaderList {
  store<u64>(returned, 0);
  if (proxy_get_header_map_pairs(map, returned, returned + 4) != 0) return new HeaderList();
  const ptr = <usize>load<u32>(returned);
  const list = HeaderList.parse(ptr, <usize>load<u32>(returned, 4));
  hostFree(ptr);
  return list;
}

/** Appends an entry (keeps existing values of `name`). */
export function addHeader(map: i32, name: string, value: string): bool {
  const key = toHeap(name);
  const val = toHeap(value);
  const status = hostAddHeader(map, key, name.length, val, value.length);
  heap.free(val);
  heap.free(key);
  return status == 0;
}

/** Sets `name` to `value`, replacing existing values (or adding it). */
export function replaceHeader(map: i32, name: string, value: string): bool {
  const key = toHeap(name);
  const val = toHeap(value);
  const status = hostReplaceHeader(map, key, name.length, val, value.length);
  heap.free(val);
  heap.free(key);
  return status == 0;
}

/** Removes every value of `name` (true also when it was absent). */
export function removeHeader(map: i32, name: string): bool {
  const key = toHeap(name);
  const status = hostRemoveHeader(map, key, name.length);
  heap.free(key);
  return status == 0;
}

// ---- values inside headers ----

// @ts-ignore: decorator
@inline
function isCookieSpace(c: i32): bool {
  return c == 0x20 || c == 0x09;
}

/** The value of cookie `name` in a `cookie` header (RFC 6265 §5.4 pairs split on `;`, spaces
 *  around names and values trimmed, one pair of surrounding double quotes removed), first match
 *  wins; pairs without `=` are skipped. Null when absent. */
export function cookieValue(cookieHeader: string, name: string): string | null {
  const n = cookieHeader.length;
  let start = 0;
  while (start < n) {
    const end = indexIn(cookieHeader, 0x3b, start, n); // ;
    const eq = indexIn(cookieHeader, 0x3d, start, end); // =
    if (eq < end) {
      const nameStart = spaceEnd(cookieHeader, start, eq);
      const nameEnd = spaceStart(cookieHeader, nameStart, eq);
      if (nameEnd - nameStart == name.length && regionEquals(cookieHeader, nameStart, name)) {
        let valueStart = spaceEnd(cookieHeader, eq + 1, end);
        let valueEnd = spaceStart(cookieHeader, valueStart, end);
        if (valueEnd - valueStart >= 2 && cookieHeader.charCodeAt(valueStart) == 0x22 &&
          cookieHeader.charCodeAt(valueEnd - 1) == 0x22) {
          valueStart++;
          valueEnd--;
        }
        return cookieHeader.substring(valueStart, valueEnd);
      }
    }
    start = end + 1;
  }
  return null;
}

/** Where the cookie spaces that s[start, end) starts with end. */
function spaceEnd(s: string, start: i32, end: i32): i32 {
  while (start < end && isCookieSpace(s.charCodeAt(start))) start++;
  return start;
}

/** Where the cookie spaces that s[start, end) ends with start. */
function spaceStart(s: string, start: i32, end: i32): i32 {
  while (end > start && isCookieSpace(s.charCodeAt(end - 1))) end--;
  return end;
}

/** The index of byte `c` in s[start, end), or `end`. Bounded searches keep parsing linear. */
function indexIn(s: string, c: i32, start: i32, end: i32): i32 {
  for (let i = start; i < end; i++) if (s.charCodeAt(i) == c) return i;
  return end;
}

/** Whether s[at .. at + word.length) equals `word`. */
function regionEquals(s: string, at: i32, word: string): bool {
  for (let i = 0, n = word.length; i < n; i++) {
    if (s.charCodeAt(at + i) != word.charCodeAt(i)) return false;
  }
  return true;
}

/** `:path` without its query (`?...`) and fragment (`#...`). */
export function pathWithoutQuery(path: string): string {
  const n = path.length;
  for (let i = 0; i < n; i++) {
    const c = path.charCodeAt(i);
    if (c == 0x3f || c == 0x23) return path.substring(0, i);
  }
  return path;
}

/** The value of query parameter `name` in a `:path`: parameters split on `&`, names and values
 *  percent-decoded with `+` as space (an invalid `%` escape stays as written), first match wins,
 *  a parameter without `=` has the value "". Null when absent. */
export function queryParam(path: string, name: string): string | null {
  const queryEnd = indexIn(path, 0x23, 0, path.length); // at #
  let start = indexIn(path, 0x3f, 0, queryEnd) + 1; // after ?
  if (start > queryEnd) return null;
  while (start < queryEnd) {
    const end = indexIn(path, 0x26, start, queryEnd); // &
    const eq = indexIn(path, 0x3d, start, end); // =
    if (isPlain(path, start, eq)
      ? eq - start == name.length && regionEquals(path, start, name)
      : percentDecode(path, start, eq) == name) {
      if (eq == end) return "";
      return isPlain(path, eq + 1, end) ? path.substring(eq + 1, end) : percentDecode(path, eq + 1, end);
    }
    start = end + 1;
  }
  return null;
}

/** Whether s[start, end) has nothing to decode (no `%`, no `+`). */
function isPlain(s: string, start: i32, end: i32): bool {
  for (let i = start; i < end; i++) {
    const c = s.charCodeAt(i);
    if (c == 0x25 || c == 0x2b) return false;
  }
  return true;
}

/** s[start, end) with `%XX` decoded to the byte XX and `+` to a space. */
function percentDecode(s: string, start: i32, end: i32): string {
  const out = changetype<string>(__new(<usize>(end - start) << 1, idof<string>()));
  const dst = changetype<usize>(out);
  let written = 0;
  for (let i = start; i < end; i++) {
    let c = s.charCodeAt(i);
    if (c == 0x2b) {
      c = 0x20;
    } else if (c == 0x25 && i + 2 < end) {
      const hi = hexValue(s.charCodeAt(i + 1));
      const lo = hexValue(s.charCodeAt(i + 2));
      if ((hi | lo) >= 0) {
        c = (hi << 4) | lo;
        i += 2;
      }
    }
    store<u16>(dst + (<usize>written << 1), c);
    written++;
  }
  return written == end - start ? out : out.substring(0, written);
}

function hexValue(c: i32): i32 {
  if (c >= 0x30 && c <= 0x39) return c - 0x30;
  const lower = c | 0x20;
  if (lower >= 0x61 && lower <= 0x66) return lower - 0x61 + 10;
  return -1;
}
