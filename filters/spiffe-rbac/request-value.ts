// Request values as bytes. A header or property read from the host (shared/host-values.ts) is
// compared in place or copied into a RequestValue, a buffer kept from request to request, so a
// request allocates nothing to hold or match its values (an allocation and its later sweep cost
// more than the whole match). The configuration's strings are byte strings (one code unit per
// byte): the helpers here compare them with raw bytes.
import { bytesEqualBytes, bytesEqualString, bytesToString } from "../shared/bytes";

/** Whether the `s.length` bytes at `p` equal lowercase `s` with ASCII A-Z folded to lowercase. */
function bytesEqualFolded(p: usize, s: string): bool {
  const q = changetype<usize>(s);
  for (let i = 0, n = s.length; i < n; i++) {
    let c = <u32>load<u8>(p + <usize>i);
    if (c - 0x41 < 26) c |= 0x20;
    if (c != <u32>load<u16>(q + (<usize>i << 1))) return false;
  }
  return true;
}

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
  reserve(n: i32): usize {
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

  equals(s: string): bool {
    return this.length == s.length && bytesEqualString(this.ptr, s, 0, s.length);
  }

  startsWith(s: string): bool {
    const m = s.length;
    return this.length >= m && bytesEqualString(this.ptr, s, 0, m);
  }

  endsWith(s: string): bool {
    const m = s.length;
    const n = this.length;
    return n >= m && bytesEqualString(this.ptr + <usize>(n - m), s, 0, m);
  }

  /** Whether the bytes from `at` are `s` (`at + s.length` within the value); with `foldCase`,
   *  ASCII case is ignored and `s` must be lowercase. */
  regionMatches(at: i32, s: string, foldCase: bool): bool {
    const p = this.ptr + <usize>at;
    return foldCase ? bytesEqualFolded(p, s) : bytesEqualString(p, s, 0, s.length);
  }

  /** The value as a byte string ("" when absent): an allocation, for logs. */
  toString(): string {
    return this.length <= 0 ? "" : bytesToString(this.ptr, <usize>this.length);
  }
}
