// Text built per request (header values, reply headers) in a heap block every request reuses, so
// building it allocates nothing: numbers are written as digits in place, names and fixed parts
// come encoded once (configure time) as ArrayBuffers.
import { bufferLength } from "./bytes";
import { writeDecimal } from "./number-text";
import { ScratchBlock } from "./scratch-block";

export class ByteWriter extends ScratchBlock {
  /** Bytes written since clear(). */
  length: i32 = 0;

  constructor(initial: i32) {
    super(initial);
  }

  clear(): void {
    this.trim();
    this.length = 0;
  }

  /** Room for `n` more bytes: where they go (valid until the next write). */
  // @ts-ignore: decorator
  @inline room(n: i32): usize {
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
    const n = bufferLength(b);
    memory.copy(this.room(n), changetype<usize>(b), <usize>n);
  }

  /** A byte string (one byte per code unit). */
  string(s: string): void {
    const n = s.length;
    const at = this.room(n);
    const src = changetype<usize>(s);
    for (let i = 0; i < n; i++) store<u8>(at + <usize>i, <u8>load<u16>(src + (<usize>i << 1)));
  }

  /** `value` in decimal digits. */
  decimal(value: u64): void {
    this.ensure(this.length + 20);
    this.length = <i32>(writeDecimal(this.ptr + <usize>this.length, value) - this.ptr);
  }
}
