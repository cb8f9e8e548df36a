// Fixed-size sets of small integers (policy or pattern indexes): one bit each, 32 to a word of a
// StaticArray<u32>. One array can hold several sets of the same size, each at its own word
// offset (one object for the collector to mark instead of several).

/** An empty set of indexes 0..size - 1. */
export function newBitSet(size: i32): StaticArray<u32> {
  return new StaticArray<u32>((size + 31) >> 5);
}

/** Adds `index` to the set whose words start at words[at]. */
export function setBitAt(words: StaticArray<u32>, at: i32, index: i32): void {
  unchecked(words[at + (index >> 5)] |= 1 << (index & 31));
}

/** Whether one of the indexes from, from + 1, ..., to - 1 is in the set `words`. */
export function anyBitIn(words: StaticArray<u32>, from: i32, to: i32): bool {
  for (let i = from; i < to; i++) if ((unchecked(words[i >> 5]) & (1 << (i & 31))) != 0) return true;
  return false;
}

/** Empties the set `words`. */
export function clearBits(words: StaticArray<u32>): void {
  memory.fill(changetype<usize>(words), 0, <usize>words.length << 2);
}
