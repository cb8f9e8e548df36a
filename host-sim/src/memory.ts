// Bounds-checked access to a guest's linear memory (cpp-host getMemory/setMemory/setWord).
// Pointer 0 is a valid address; anything past the end is InvalidMemoryAccess.

import { byteString } from "./codec.js";

export class MemoryAccessError extends Error {
  constructor(ptr: number, len: number) {
    super(`out-of-bounds access at ${ptr}+${len}`);
  }
}

export class GuestMemory {
  private u8 = new Uint8Array(0);
  private dv = new DataView(new ArrayBuffer(0));
  constructor(private readonly memory: WebAssembly.Memory) {}

  private view(): Uint8Array {
    if (this.u8.buffer !== this.memory.buffer) {
      this.u8 = new Uint8Array(this.memory.buffer);
      this.dv = new DataView(this.memory.buffer);
    }
    return this.u8;
  }

  get byteLength(): number {
    return this.memory.buffer.byteLength;
  }

  check(ptr: number, len: number): void {
    ptr >>>= 0;
    len >>>= 0;
    if (ptr + len > this.view().length) throw new MemoryAccessError(ptr, len);
  }

  /** A copy of guest bytes. */
  read(ptr: number, len: number): Uint8Array {
    this.check(ptr, len);
    return this.u8.slice(ptr >>> 0, (ptr >>> 0) + (len >>> 0));
  }

  readString(ptr: number, len: number): string {
    this.check(ptr, len);
    return byteString(this.u8.subarray(ptr >>> 0, (ptr >>> 0) + (len >>> 0)));
  }

  write(ptr: number, bytes: Uint8Array): void {
    this.check(ptr, bytes.length);
    this.u8.set(bytes, ptr >>> 0);
  }

  readU32(ptr: number): number {
    this.check(ptr, 4);
    return this.dv.getUint32(ptr >>> 0, true);
  }

  writeU32(ptr: number, value: number): void {
    this.check(ptr, 4);
    this.dv.setUint32(ptr >>> 0, value >>> 0, true);
  }

  writeU64(ptr: number, value: bigint): void {
    this.check(ptr, 8);
    this.dv.setBigUint64(ptr >>> 0, BigInt.asUintN(64, value), true);
  }

  readU64(ptr: number): bigint {
    this.check(ptr, 8);
    return this.dv.getBigUint64(ptr >>> 0, true);
  }
}
