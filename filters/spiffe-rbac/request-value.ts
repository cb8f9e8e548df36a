// Request values as bytes. A header or property read from the host (shared/host-values.ts) is
// compared in place or copied into a RequestValue, a buffer kept from request to request, so a
// request allocates nothing to hold or match its values (an allocation and its later sweep cost
// more than the whole match).
import { bytesEqualBytes, bytesToString } from "../shared/bytes";

// @ts-ignore: decorator
@inline const INITIAL_CAPACITY = 64;

/** A request value held in a buffer reused from request to request. */
export class RequestValue {
  private data: StaticArray<u8> = new StaticArray<u8>(INITIAL_CAPACITY);
  /** Bytes held; -1 when the value is absent. */
  length: i32 = -1;

  /** Where the bytes are (valid until the next reserve). */
  get ptr(): usize {
    return changetype<usize>(this.data);
  }

  /** Room for `n` bytes, contents not kept; grows only for a longer value than any before. */
  // @ts-ignore: decorator
  @inline reserve(n: i32): usize {
    if (n > this.data.length) this.data = new StaticArray<u8>(n);
    return this.ptr;
  }

  /** Holds a copy of the `n` bytes at `p`. */
  copy(p: usize, n: i32): void {
    memory.copy(this.reserve(n), p, <usize>n);
    this.length = n;
  }

  /** Whether the value is the `n` bytes at `p`. */
  equalsBytes(p: usize, n: i32): bool {
    return this.length == n && bytesEqualBytes(this.ptr, p, n);
  }

  /** The value as a byte string ("" when absent): an allocation, for logs. */
  toString(): string {
    return this.length <= 0 ? "" : bytesToString(this.ptr, <usize>this.length);
  }
}
