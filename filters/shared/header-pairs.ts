// A header list written per request in the host's pairs layout (u32 N, N x (u32 name length,
// u32 value length), N x (name NUL value NUL), little-endian), in one heap block every request
// reuses: a local reply's headers, or response headers to add one by one. Names come encoded once
// (configure time); values are written in place (bytes copied, digits), so nothing is allocated.
import { hostAddHeader } from "./hook-reads";
import { bufferLength } from "./bytes";
import { writeDecimal } from "./number-text";
import { ScratchBlock } from "./scratch-block";

export class HeaderPairs extends ScratchBlock {
  /** Bytes of the layout written so far. */
  length: i32 = 0;
  /** Headers begun, and the most the list was started with. */
  private count: i32 = 0;
  private reserved: i32 = 0;
  /** Where the value of the header begun last starts; -1 when it is ended. */
  private valueStart: i32 = -1;

  constructor() {
    super(512);
  }

  /** Starts a list of at most `most` headers. */
  start(most: i32): void {
    this.trim();
    this.count = 0;
    this.reserved = most;
    this.valueStart = -1;
    this.length = 4 + most * 8;
    this.ensure(this.length);
  }

  /** Starts the next header, named by the `n` bytes at `name` (lowercase); write its value next. */
  header(name: usize, n: i32): void {
    this.end();
    if (this.count == this.reserved) this.reserve();
    store<u32>(this.ptr + 4 + <usize>this.count * 8, n);
    this.count++;
    const at = this.room(n + 1);
    memory.copy(at, name, <usize>n);
    store<u8>(at + <usize>n, 0);
    this.valueStart = this.length;
  }

  /** One more size entry than start() allowed: the names and values written move up. */
  private reserve(): void {
    const data = 4 + this.reserved * 8;
    this.room(8);
    memory.copy(this.ptr + <usize>(data + 8), this.ptr + <usize>data, <usize>(this.length - 8 - data));
    this.reserved++;
  }

  /** header() with a name encoded in an ArrayBuffer. */
  named(name: ArrayBuffer): void {
    this.header(changetype<usize>(name), bufferLength(name));
  }

  /** Room for `n` more bytes of the current value: where they go (valid until the next write). */
  room(n: i32): usize {
    const at = this.length;
    this.ensure(at + n);
    this.length = at + n;
    return this.ptr + <usize>at;
  }

  byte(c: i32): void {
    store<u8>(this.room(1), <u8>c);
  }

  bytes(p: usize, n: i32): void {
    memory.copy(this.room(n), p, <usize>n);
  }

  buffer(b: ArrayBuffer): void {
    this.bytes(changetype<usize>(b), bufferLength(b));
  }

  /** A byte string (one byte per code unit). */
  string(s: string): void {
    const n = s.length;
    const at = this.room(n);
    for (let i = 0; i < n; i++) store<u8>(at + <usize>i, <u8>s.charCodeAt(i));
  }

  /** `value` in decimal digits. */
  decimal(value: u64): void {
    const at = this.room(20);
    this.length = <i32>(writeDecimal(at, value) - this.ptr);
  }

  /** Ends the header begun last (nothing when it is ended or none is). */
  private end(): void {
    const start = this.valueStart;
    if (start < 0) return;
    store<u32>(this.ptr + <usize>this.count * 8, this.length - start);
    this.byte(0);
    this.valueStart = -1;
  }

  /** Ends the list: `ptr` and `length` then describe its layout (N as many as were begun). */
  finish(): void {
    this.end();
    const count = this.count;
    const unused = (this.reserved - count) * 8;
    const base = this.ptr;
    store<u32>(base, count);
    if (unused > 0) { // the names and values move down over the sizes not used
      const data = 4 + count * 8;
      memory.copy(base + <usize>data, base + <usize>(data + unused), <usize>(this.length - data - unused));
      this.length -= unused;
    }
  }

  /** Adds every header of the finished list to header map `map` (one host call each, keeping
   *  existing values). */
  addTo(map: i32): void {
    const base = this.ptr;
    const count = load<u32>(base);
    let name = base + 4 + <usize>count * 8;
    for (let i: u32 = 0; i < count; i++) {
      const nameLength = <usize>load<u32>(base + 4 + <usize>i * 8);
      const valueLength = <usize>load<u32>(base + 8 + <usize>i * 8);
      const value = name + nameLength + 1;
      hostAddHeader(map, name, nameLength, value, valueLength);
      name = value + valueLength + 1;
    }
  }
}
