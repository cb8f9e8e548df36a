// Request values as bytes. A header or property read from the host (shared/host-values.ts) is
// compared in place or copied into a RequestValue, a buffer kept from request to request, so a
// request allocates nothing to hold or match its values (an allocation and its later sweep cost
// more than the whole match). The configuration's strings are byte strings (one code unit per
// byte): the helpers here compare them with raw bytes.
import { bytesToString } from "../shared/bytes";

/** Whether the `n` bytes at `p` equal byte string `s` (compared from the end: request values
 *  that share a prefix, such as SPIFFE IDs of one namespace, differ there). */
function bytesEqual(p: usize, n: i32, s: string): bool {
  if (n != s.length) return false;
  return bytesEqualAt(p, s, 0, n);
}

/** Whether the `n` bytes at `p` equal s[from, from + n). */
export function bytesEqualAt(p: usize, s: string, from: i32, n: i32): bool {
  const q = changetype<usize>(s) + (<usize>from << 1);
  for (let i = n - 1; i >= 0; i--) {
    if (<u16>load<u8>(p + <usize>i) != load<u16>(q + (<usize>i << 1))) return false;
  }
  return true;
}

/** Whether the `n` bytes at `p` and `q` are equal (8 at a time, the last 8 first: values that
 *  share a prefix, such as SPIFFE IDs of one namespace, differ at the end). */
function bytesEqualBytes(p: usize, q: usize, n: i32): bool {
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
    return bytesEqual(this.ptr, this.length, s);
  }

  startsWith(s: string): bool {
    const m = s.length;
    return this.length >= m && bytesEqualAt(this.ptr, s, 0, m);
  }

  endsWith(s: string): bool {
    const m = s.length;
    const n = this.length;
    return n >= m && bytesEqualAt(this.ptr + <usize>(n - m), s, 0, m);
  }

  /** Whether the bytes from `at` are `s` (`at + s.length` within the value); with `foldCase`,
   *  ASCII case is ignored and `s` must be lowercase. */
  regionMatches(at: i32, s: string, foldCase: bool): bool {
    const p = this.ptr + <usize>at;
    return foldCase ? bytesEqualFolded(p, s) : bytesEqualAt(p, s, 0, s.length);
  }

  /** The value as a byte string ("" when absent): an allocation, for logs. */
  toString(): string {
    return this.length <= 0 ? "" : bytesToString(this.ptr, <usize>this.length);
  }
}
