// Integers as text, without the standard library's toString: that one takes a radix at run time
// and so links every radix's code and 1.5 KB of digit tables into each module.

/** `value` in decimal, with a leading "-" when negative. */
export function decimal(value: i64): string {
  const negative = value < 0;
  let rest = negative ? <u64>(-value) : <u64>value; // -i64.MIN_VALUE wraps to its own magnitude
  let length = negative ? 2 : 1;
  for (let v = rest; v >= 10; v /= 10) length++;
  const text = changetype<usize>(__new(<usize>length << 1, idof<string>()));
  let at = <usize>length << 1;
  do {
    at -= 2;
    store<u16>(text + at, <u16>(0x30 + rest % 10));
    rest /= 10;
  } while (rest != 0);
  if (negative) store<u16>(text, 0x2d);
  return changetype<string>(text);
}

/** The low `digits` hex digits of `value`, lowercase, zero-padded. */
export function hex(value: u64, digits: i32): string {
  const text = changetype<usize>(__new(<usize>digits << 1, idof<string>()));
  for (let i = digits - 1; i >= 0; i--) {
    const d = <u16>(value & 15);
    store<u16>(text + (<usize>i << 1), d < 10 ? 0x30 + d : 0x57 + d);
    value >>= 4;
  }
  return changetype<string>(text);
}

/** The value of the decimal digit at `pos` of `text`, or -1 when there is none there (or `pos` is
 *  past the end). */
// @ts-ignore: decorator
@inline
export function digitAt(text: string, pos: i32): i32 {
  const d = text.charCodeAt(pos) - 0x30;
  return <u32>d < 10 ? d : -1;
}

/** The digits of the number writeDecimal() writes, from the end of this block. */
const digits = memory.data(20);

/** Writes `value` in decimal digits at `at` (room for 20); returns where they end. */
export function writeDecimal(at: usize, value: u64): usize {
  let p = digits + 20;
  do {
    store<u8>(--p, <u8>(0x30 + value % 10));
    value /= 10;
  } while (value != 0);
  const n = digits + 20 - p;
  memory.copy(at, p, n);
  return at + n;
}
