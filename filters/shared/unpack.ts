// Static data stored packed (scripts/lz.mjs: the literal table, the config validation tables) and
// unpacked once into zeroed static memory.

/** Unpacks the packed bytes at `src` into `dst` until `length` bytes are written. */
export function unpack(src: usize, dst: usize, length: usize): void {
  const end = dst + length;
  while (dst < end) {
    const t = <u32>load<u8>(src++);
    if (t < 0x80) {
      memory.copy(dst, src, t + 1);
      dst += t + 1;
      src += t + 1;
    } else {
      let n = ((t >> 4) & 7) + 3;
      const from = dst - ((((t & 15) << 8) | <u32>load<u8>(src++)) + 1);
      // byte by byte: a copy may overlap its own output (a run)
      for (let i: usize = 0; i < n; i++) store<u8>(dst + i, load<u8>(from + i));
      dst += n;
    }
  }
}
