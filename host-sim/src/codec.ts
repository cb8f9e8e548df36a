// Byte strings and the Proxy-Wasm pairs layout (fact sheet §5.1).
// Inside the simulator every header name/value is a "byte string": one UTF-16 code unit per byte
// (latin1), so guest bytes round-trip exactly. Strings coming from tests are UTF-8 encoded first.

export type Pairs = [string, string][];

const PAIRS_MAX_BYTES = 1 << 20;
const PAIRS_MAX_COUNT = 1024;

/** Guest bytes → byte string (latin1, lossless). */
export function byteString(u8: Uint8Array): string {
  if (u8.length < 48) {
    let s = "";
    for (let i = 0; i < u8.length; i++) s += String.fromCharCode(u8[i]);
    return s;
  }
  return Buffer.from(u8.buffer, u8.byteOffset, u8.byteLength).toString("latin1");
}

/** Byte string → bytes. */
export function stringBytes(s: string): Uint8Array {
  return Buffer.from(s, "latin1");
}

function isAscii(s: string): boolean {
  for (let i = 0; i < s.length; i++) if (s.charCodeAt(i) > 0x7f) return false;
  return true;
}

/** Test-supplied text (UTF-8) → byte string. */
export function fromText(s: string): string {
  return isAscii(s) ? s : Buffer.from(s, "utf8").toString("latin1");
}

/** Byte string → text for test-facing views (decoded as UTF-8). */
export function toText(s: string): string {
  return isAscii(s) ? s : Buffer.from(s, "latin1").toString("utf8");
}

/** Test-supplied body (string as UTF-8, or bytes) → bytes. */
export function toBytes(data: string | Uint8Array | undefined): Uint8Array {
  if (data === undefined) return new Uint8Array(0);
  return typeof data === "string" ? Buffer.from(data, "utf8") : data;
}

export function concatBytes(a: Uint8Array, b: Uint8Array): Uint8Array {
  if (a.length === 0) return b;
  if (b.length === 0) return a;
  const out = new Uint8Array(a.length + b.length);
  out.set(a, 0);
  out.set(b, a.length);
  return out;
}

/** Serialize pairs exactly as cpp-host `marshalPairs` (u32 count, sizes, NUL-terminated bytes). */
export function serializePairs(pairs: Pairs): Uint8Array {
  let size = 4;
  for (const [k, v] of pairs) size += 8 + k.length + 1 + v.length + 1;
  const out = new Uint8Array(size);
  const dv = new DataView(out.buffer);
  dv.setUint32(0, pairs.length, true);
  let p = 4;
  for (const [k, v] of pairs) {
    dv.setUint32(p, k.length, true);
    dv.setUint32(p + 4, v.length, true);
    p += 8;
  }
  for (const [k, v] of pairs) {
    for (let i = 0; i < k.length; i++) out[p++] = k.charCodeAt(i);
    out[p++] = 0;
    for (let i = 0; i < v.length; i++) out[p++] = v.charCodeAt(i);
    out[p++] = 0;
  }
  return out;
}

/** Parse a guest pairs buffer as cpp-host `toPairs`: anything malformed is an empty list. */
export function parsePairs(buf: Uint8Array): Pairs {
  if (buf.length > PAIRS_MAX_BYTES || buf.length < 4) return [];
  const dv = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  const n = dv.getUint32(0, true);
  if (n > PAIRS_MAX_COUNT) return [];
  let p = 4;
  const sizes: number[] = [];
  for (let i = 0; i < n; i++) {
    if (p + 8 > buf.length) return [];
    sizes.push(dv.getUint32(p, true), dv.getUint32(p + 4, true));
    p += 8;
  }
  const pairs: Pairs = [];
  for (let i = 0; i < n; i++) {
    const parts: string[] = [];
    for (const len of [sizes[2 * i], sizes[2 * i + 1]]) {
      if (p + len + 1 > buf.length) return [];
      parts.push(byteString(buf.subarray(p, p + len)));
      p += len;
      if (buf[p++] !== 0) return [];
    }
    pairs.push([parts[0], parts[1]]);
  }
  return p === buf.length ? pairs : [];
}

export function u64Bytes(v: bigint): Uint8Array {
  const out = new Uint8Array(8);
  new DataView(out.buffer).setBigUint64(0, BigInt.asUintN(64, v), true);
  return out;
}

export function f64Bytes(v: number): Uint8Array {
  const out = new Uint8Array(8);
  new DataView(out.buffer).setFloat64(0, v, true);
  return out;
}
