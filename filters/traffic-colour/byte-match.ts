// Byte comparison of a request value read in place with a value encoded at configure.

/** Whether the `n` bytes at `s` are those of `expected`. */
export function equalsBuffer(s: usize, n: i32, expected: ArrayBuffer): bool {
  return n == expected.byteLength && bytesEqual(s, changetype<usize>(expected), <usize>n);
}

/** Whether the `n` bytes at `a` and at `b` are the same. Compares 8 (or 4) bytes at a time, the
 *  last word overlapping the one before it instead of finishing byte by byte. */
function bytesEqual(a: usize, b: usize, n: usize): bool {
  if (n >= 8) {
    const last = n - 8;
    for (let i: usize = 0; i < last; i += 8) {
      if (load<u64>(a + i) != load<u64>(b + i)) return false;
    }
    return load<u64>(a + last) == load<u64>(b + last);
  }
  if (n >= 4) return load<u32>(a) == load<u32>(b) && load<u32>(a + n - 4) == load<u32>(b + n - 4);
  for (let i: usize = 0; i < n; i++) {
    if (load<u8>(a + i) != load<u8>(b + i)) return false;
  }
  return true;
}
