// Test entry for the build's one static buffer per class for empty array literals
// (scripts/runtime-transform.mjs, 4.): module-level empty arrays are static, their buffers shared.
const firstList: i32[] = [];
const secondList: i32[] = [];
const words: string[] = [];

/** The three empty arrays point at one static buffer. */
export function shareOneBuffer(): bool {
  const buffer = changetype<usize>(firstList.buffer);
  return buffer == changetype<usize>(secondList.buffer) && buffer == changetype<usize>(words.buffer);
}

/** Pushes 1 to the first list, 2 and 3 to the second, "w" to the words (each grows on its own),
 *  then collects. */
export function grow(): void {
  firstList.push(1);
  secondList.push(2);
  secondList.push(3);
  words.push("w");
  __collect();
}

/** The lists as one number, 11_223 for [1] and [2, 3] (lengths and elements); -1 when `words` is not ["w"]. */
export function contents(): i32 {
  if (words.length != 1 || words[0] != "w") return -1;
  return firstList.length * 10_000 + firstList[0] * 1_000 + secondList.length * 100 + secondList[0] * 10 + secondList[1];
}
