// A fixed-size set of small integers (policy or pattern indexes): one bit each, 32 to a word.

/** Adds `index` to the set whose words start at words[at] (one of several sets in one array). */
export function setBitAt(words: StaticArray<u32>, at: i32, index: i32): void {
  unchecked(words[at + (index >> 5)] |= 1 << (index & 31));
}

export class BitSet {
  readonly words: StaticArray<u32>;

  constructor(size: i32) {
    this.words = new StaticArray<u32>((size + 31) >> 5);
  }

  set(index: i32): void {
    setBitAt(this.words, 0, index);
  }

  /** Whether one of the indexes from, from + 1, ..., to - 1 is in the set. */
  anyIn(from: i32, to: i32): bool {
    const words = this.words;
    for (let i = from; i < to; i++) if ((unchecked(words[i >> 5]) & (1 << (i & 31))) != 0) return true;
    return false;
  }

  /** Makes this set a copy of `other` (of the same size). */
  copy(other: BitSet): void {
    memory.copy(changetype<usize>(this.words), changetype<usize>(other.words), <usize>this.words.length << 2);
  }

  clear(): void {
    memory.fill(changetype<usize>(this.words), 0, <usize>this.words.length << 2);
  }
}
