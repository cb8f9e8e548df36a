// Static data stored packed (scripts/lz.mjs: the literal table, the config validation tables) and
// unpacked once into zeroed static memory.

/** Unpacks the packed bytes at `src` into `dst` until `length` bytes are written. */
export function unpack(src: usize, dst: usize, length: usize): void {
  const end = dst + length;
  while (dst < end) {
    const t = <usize>load<u8>(src++);
    let from = src;
    let n = t + 1;
    if (t < 0x80) {
      src += n; // literal bytes
    } else {
      n = ((t >> 4) & 7) + 3;
      from = dst - ((((t & 15) << 8) | <usize>load<u8>(src++)) + 1);
    }
    // byte by byte: a copy may overlap its own output (a run)
    for (let i: usize = 0; i < n; i++) store<u8>(dst + i, load<u8>(from + i));
    dst += n;
  }
}
