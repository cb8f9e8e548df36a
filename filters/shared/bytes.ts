// Byte strings: every string that crosses the host boundary is a "byte string", one UTF-16 code
// unit per byte (0..255). Header values, property values, shared-data values and the plugin
// configuration are decoded this way, so arbitrary bytes (obs-text, invalid UTF-8) round-trip
// exactly and comparisons are byte comparisons. Text that came from the configuration as UTF-8
// stays UTF-8 bytes on the way out.

/** Decodes `len` bytes at `ptr` into a byte string. */
export function bytesToString(ptr: usize, len: usize): string {
  if (len == 0) return "";
  const out = changetype<string>(__new(len << 1, idof<string>()));
  const dst = changetype<usize>(out);
  for (let i: usize = 0; i < len; i++) {
    store<u16>(dst + (i << 1), <u16>load<u8>(ptr + i));
  }
  return out;
}

/** A byte string with room for `capacity` bytes, to be filled with refillString(). */
export function stringWithRoom(capacity: i32): string {
  return changetype<string>(__new(<usize>capacity << 1, idof<string>()));
}

/** Makes `s`, a string from stringWithRoom(capacity >= n), the byte string of the `n` bytes at
 *  `p`, in place: a string reused instead of a new one per value. Its length is the rtSize of the
 *  runtime's object header; the heap block keeps its size. Whoever holds `s` sees the new value. */
export function refillString(s: string, p: usize, n: i32): string {
  const dst = changetype<usize>(s);
  for (let i = 0; i < n; i++) store<u16>(dst + (<usize>i << 1), <u16>load<u8>(p + <usize>i));
  store<u32>(dst - 4, <u32>n << 1); // rtSize
  return s;
}

/** Decodes a whole ArrayBuffer into a byte string. */
export function bufferToString(buf: ArrayBuffer): string {
  return bytesToString(changetype<usize>(buf), <usize>buf.byteLength);
}

/** Encodes a byte string into a new ArrayBuffer (each code unit's low 8 bits). */
export function stringToBuffer(s: string): ArrayBuffer {
  const len = <usize>s.length;
  const out = new ArrayBuffer(<i32>len);
  writeString(s, changetype<usize>(out));
  return out;
}

/** Writes the bytes of byte string `s` at `dst`; the caller owns `s.length` bytes there. */
export function writeString(s: string, dst: usize): void {
  const src = changetype<usize>(s);
  const len = <usize>s.length;
  for (let i: usize = 0; i < len; i++) {
    store<u8>(dst + i, <u8>load<u16>(src + (i << 1)));
  }
}

/** Whether the `n` bytes at `p` are those of byte string `s` from index `from` (compared from
 *  the end: values sharing a prefix, such as SPIFFE IDs of one namespace, differ there). */
export function bytesEqualString(p: usize, s: string, from: i32, n: i32): bool {
  const q = changetype<usize>(s) + (<usize>from << 1);
  for (let i = n - 1; i >= 0; i--) {
    if (<u16>load<u8>(p + <usize>i) != load<u16>(q + (<usize>i << 1))) return false;
  }
  return true;
}

/** Whether the `n` bytes at `p` and at `q` are equal: 8 at a time, the last 8 first (values
 *  sharing a prefix differ at the end). */
export function bytesEqualBytes(p: usize, q: usize, n: i32): bool {
  let left = <usize>n;
  if (left >= 8 && load<u64>(p + left - 8) != load<u64>(q + left - 8)) return false;
  while (left >= 8) {
    if (load<u64>(p) != load<u64>(q)) return false;
    p += 8;
    q += 8;
    left -= 8;
  }
  while (left > 0) {
    if (load<u8>(p) != load<u8>(q)) return false;
    p++;
    q++;
    left--;
  }
  return true;
}

/** An ArrayBuffer's byteLength, read from its header in place (under shrinkLevel 2 the getter is a
 *  call). */
// @ts-ignore: decorator
@inline
export function bufferLength(b: ArrayBuffer): i32 {
  return <i32>load<u32>(changetype<usize>(b) - 4); // the runtime header's rtSize
}

/** Byte length of a byte string (one byte per code unit). */
// @ts-ignore: decorator
@inline
export function byteLength(s: string): i32 {
  return s.length;
}

/** A copy of `s` with ASCII A-Z lowered, other code units kept (header names: Envoy lowercases
 *  them the same way). String#toLowerCase would link about 8 KB of Unicode case tables.
 *  Configure-time only: it always makes a new string. */
export function asciiLower(s: string): string {
  const len = <usize>s.length << 1;
  const out = changetype<usize>(__new(len, idof<string>()));
  for (let i: usize = 0; i < len; i += 2) {
    const c = <u32>load<u16>(changetype<usize>(s) + i);
    store<u16>(out + i, c - 0x41 < 26 ? c | 0x20 : c); // unsigned: below "A" wraps high
  }
  return changetype<string>(out);
}
