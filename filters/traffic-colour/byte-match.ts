// Byte comparison of a request value read in place with a value encoded at configure.
import { bytesEqualBytes } from "../shared/bytes";

/** Whether the `n` bytes at `s` are those of `expected`. */
export function equalsBuffer(s: usize, n: i32, expected: ArrayBuffer): bool {
  return n == expected.byteLength && bytesEqualBytes(s, changetype<usize>(expected), n);
}
