// Protobuf wire format: a writer for request messages and a reader that walks fields of a received
// message in place (field number, wire type, then the varint/fixed value or the (offset, length)
// of a length-delimited field). Fields the caller does not ask about are simply passed over.
// Malformed input sets `error` and stops the reader; nothing traps. Groups are not supported.
import { bytesToString, writeString } from "./bytes";

export namespace WireType {
  export const Varint: u32 = 0;
  export const Fixed64: u32 = 1;
  export const Len: u32 = 2;
  export const Fixed32: u32 = 5;
}

/** Builds one message in a growable buffer; reset() reuses the buffer for the next message. */
export class ProtoWriter {
  private buffer: ArrayBuffer;
  private capacity: i32;
  private size: i32 = 0;

  constructor(capacity: i32 = 256) {
    const room = max(capacity, 16);
    this.buffer = new ArrayBuffer(room);
    this.capacity = room;
  }

  get length(): i32 { return this.size; }

  reset(): void { this.size = 0; }

  /** Drops what was written after the first `length` bytes. */
  truncate(length: i32): void { this.size = min(this.size, max(length, 0)); }

  /** A varint field: uint32/uint64/bool/enum, or int32/int64 passed sign-extended as u64. */
  varint(field: u32, value: u64): void {
    this.tag(field, WireType.Varint);
    this.putVarint(value);
  }

  fixed32(field: u32, value: u32): void {
    this.tag(field, WireType.Fixed32);
    store<u32>(this.reserve(4), value);
    this.size += 4;
  }

  fixed64(field: u32, value: u64): void {
    this.tag(field, WireType.Fixed64);
    store<u64>(this.reserve(8), value);
    this.size += 8;
  }

  /** A string/bytes field from a byte string. */
  string(field: u32, value: string): void {
    const n = value.length;
    this.tag(field, WireType.Len);
    this.putVarint(<u64>n);
    writeString(value, this.reserve(n));
    this.size += n;
  }

  /** A bytes field (or an embedded message already encoded). */
  bytes(field: u32, data: ArrayBuffer): void {
    this.bytesAt(field, changetype<usize>(data), data.byteLength);
  }

  /** A bytes field of the `length` bytes at `p` (e.g. a host value read in place). */
  bytesAt(field: u32, p: usize, length: i32): void {
    this.tag(field, WireType.Len);
    this.putVarint(<u64>length);
    memory.copy(this.reserve(length), p, <usize>length);
    this.size += length;
  }

  /** Where the message bytes are (until the next write). */
  get ptr(): usize { return changetype<usize>(this.buffer); }

  /** Starts an embedded message; write its fields, then call endMessage with the returned mark. */
  beginMessage(field: u32): i32 {
    this.tag(field, WireType.Len);
    return this.size;
  }

  /** Ends the embedded message started at `mark` by inserting its length before its fields. */
  endMessage(mark: i32): void {
    if (mark < 0 || mark > this.size) return;
    const bodySize = this.size - mark;
    const lengthSize = varintSize(<u64>bodySize);
    this.reserve(lengthSize);
    const at = changetype<usize>(this.buffer) + <usize>mark;
    memory.copy(at + <usize>lengthSize, at, <usize>bodySize);
    const end = this.size;
    this.size = mark;
    this.putVarint(<u64>bodySize);
    this.size = end + lengthSize;
  }

  /** A copy of the message bytes. */
  finish(): ArrayBuffer {
    return this.buffer.slice(0, this.size);
  }

  private tag(field: u32, wireType: u32): void {
    this.putVarint((<u64>field << 3) | wireType);
  }

  private putVarint(value: u64): void {
    let at = this.reserve(10);
    const start = at;
    while (value >= 0x80) {
      store<u8>(at++, <u8>(value | 0x80));
      value >>= 7;
    }
    store<u8>(at++, <u8>value);
    this.size += <i32>(at - start);
  }

  /** Ensures room for `extra` more bytes; returns the address of the end of the message. */
  // @ts-ignore: decorator
  @inline private reserve(extra: i32): usize {
    const needed = this.size + extra;
    if (needed > this.capacity) this.grow(needed);
    return changetype<usize>(this.buffer) + <usize>this.size;
  }

  private grow(needed: i32): void {
    const capacity = max(needed, this.capacity << 1);
    const grown = new ArrayBuffer(capacity);
    memory.copy(changetype<usize>(grown), changetype<usize>(this.buffer), <usize>this.size);
    this.buffer = grown;
    this.capacity = capacity;
  }
}

function varintSize(value: u64): i32 {
  let n = 1;
  while (value >= 0x80) { value >>= 7; n++; }
  return n;
}

/**
 * Walks the fields of a message, read in place (readAt()):
 *
 *   reader.readAt(ptr, length, 0, length);
 *   while (r.next()) {
 *     if (r.tag == (1 << 3 | WireType.Varint)) code = <u32>r.value;
 *     else if (r.tag == (2 << 3 | WireType.Len)) readStatus(r.message());
 *   }
 *   if (r.error) ...
 */
export class ProtoReader {
  /** The current field's tag: field number << 3 | wire type (one compare tells both). */
  tag: u32 = 0;
  /** Value of a varint, fixed32 or fixed64 field. */
  value: u64 = 0;
  /** Offset in `data` and length of a length-delimited field. */
  offset: i32 = 0;
  length: i32 = 0;
  /** Set when the input is malformed; next() then returns false. */
  error: bool = false;
  /** Where the message bytes are, and the message's range in them. */
  private base: usize = 0;
  private pos: i32 = 0;
  private end: i32 = 0;
  /** The reader message() hands out, made once and reused (readers nest: a parent moves on only
   *  once its child is done). */
  private child: ProtoReader | null = null;


  /** Reads the message in [start, end) of the `size` bytes at `base` (e.g. a host block; the
   *  caller keeps them in place while reading), from its first field. */
  readAt(base: usize, size: i32, start: i32, end: i32): void {
    this.base = base;
    this.error = start < 0 || start > end || end > size;
    this.pos = start;
    this.end = end;
    this.tag = 0;
  }

  /** Field number of the current field. */
  get field(): u32 {
    return this.tag >> 3;
  }

  get wireType(): u32 {
    return this.tag & 7;
  }

  /** Advances to the next field; false at the end of the message or on malformed input. A fixed32
   *  or fixed64 field also gets `offset` and `length`, like a length-delimited one. */
  next(): bool {
    if (this.error || this.pos >= this.end) return false;
    const tag = this.readVarint(); // 0 when malformed
    const field = tag >> 3;
    const wireType = <u32>(tag & 7);
    if (field == 0 || field > 0x1fffffff) return this.fail();
    this.tag = <u32>tag;
    if (wireType == WireType.Varint) {
      this.value = this.readVarint();
      return !this.error;
    }
    let length: u64 = 8;
    if (wireType == WireType.Len) length = this.readVarint();
    else if (wireType == WireType.Fixed32) length = 4;
    else if (wireType != WireType.Fixed64) return this.fail();
    const at = this.pos;
    if (this.error || length > <u64>(this.end - at)) return this.fail();
    this.offset = at;
    this.length = <i32>length;
    this.pos = at + <i32>length;
    const p = this.base + <usize>at;
    if (wireType == WireType.Fixed64) this.value = load<u64>(p);
    else if (wireType == WireType.Fixed32) this.value = <u64>load<u32>(p);
    return true;
  }

  /** A reader over the current length-delimited field (an embedded message), valid until the
   *  next message() call on this reader. */
  message(): ProtoReader {
    let child = this.child;
    if (child === null) {
      child = new ProtoReader();
      this.child = child;
    }
    child.readAt(this.base, this.end, this.offset, this.offset + this.length);
    return child;
  }

  /** The current length-delimited field as a byte string. */
  string(): string {
    return bytesToString(this.base + <usize>this.offset, <usize>this.length);
  }

  private fail(): bool {
    this.error = true;
    return false;
  }

  private readVarint(): u64 {
    const base = this.base;
    let result: u64 = 0;
    for (let shift: u64 = 0; shift < 70; shift += 7) {
      if (this.pos >= this.end) break;
      const b = <u64>load<u8>(base + <usize>this.pos);
      this.pos++;
      result |= (b & 0x7f) << shift;
      if (b < 0x80) return result;
    }
    this.error = true; // ran off the end or longer than 10 bytes
    return 0;
  }
}
