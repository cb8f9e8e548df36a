// The heap allocator under AssemblyScript's minimal runtime, compiled in place of its TLSF
// (~lib/rt/tlsf, 1.7 KB of every module) by scripts/runtime-transform.mjs; the runtime's
// two-colour mark-and-sweep collector (~lib/rt/tcms) is unchanged and calls __alloc, __realloc
// and __free below. Hence the relative imports: this file is ~lib/rt/tlsf when compiled.
// Request paths allocate nothing (the bench counts it), so this serves configure time, stream
// setup and the rare host value larger than the scratch block, where a simple allocator does as
// well as TLSF in a fifth of the code (ARCHITECTURE.md, "Module size").
//
// Blocks are powers of two from 16 bytes up, each with the 4-byte header every runtime block has
// (`mmInfo`: the bytes after it, which tcms reads for its accounting), placed so that what
// follows the header is 16-byte aligned. A freed block goes onto the free list of its size and is
// the next block handed out at that size; a size with an empty list takes fresh memory at the top
// of the heap, which grows by the pages it needs. Blocks are never split or merged: the heap
// holds, per size, at most the most blocks of that size ever live at once, so memory stays flat
// under any workload that repeats itself (reconfiguring, streams, host values).
import { BLOCK_MAXSIZE, BLOCK_OVERHEAD } from "./common";
import { E_ALLOCATION_TOO_LARGE } from "../util/error";

// @ts-ignore: decorator
@inline const MIN_BITS: usize = 4;

/** The head of the free list of blocks of 2^k bytes at `k * 4` (k <= 30). */
const freeLists = memory.data(32 * 4);
/** Where the next fresh block starts (0: not yet set). */
let top: usize = 0;

/** A block for `size` bytes after its header; where those bytes start. */
// @ts-ignore: decorator
@global @unsafe
export function __alloc(size: usize): usize {
  if (size > BLOCK_MAXSIZE) throw new Error(E_ALLOCATION_TOO_LARGE);
  const bits = max(MIN_BITS, <usize>(32 - clz<u32>(<u32>(size + BLOCK_OVERHEAD - 1))));
  const list = freeLists + (bits << 2);
  let block = load<usize>(list);
  if (block != 0) {
    store<usize>(list, load<usize>(block + BLOCK_OVERHEAD));
  } else {
    if (top == 0) top = ((__heap_base + BLOCK_OVERHEAD + 15) & ~15) - BLOCK_OVERHEAD;
    block = top;
    const end = <u64>top + (<u64>1 << bits);
    const pages = <i32>((end + 0xffff) >> 16); // past 4 GB: more than memory.grow gives
    top = <usize>end;
    const have = memory.size();
    if (pages > have && memory.grow(pages - have) < 0) unreachable();
  }
  store<u32>(block, <u32>((<usize>1 << bits) - BLOCK_OVERHEAD));
  return block + BLOCK_OVERHEAD;
}

/** `ptr`'s bytes in a block for `size` bytes: the same block when it has room. */
// @ts-ignore: decorator
@global @unsafe
export function __realloc(ptr: usize, size: usize): usize {
  const capacity = <usize>load<u32>(ptr - BLOCK_OVERHEAD);
  if (size <= capacity && ptr >= __heap_base) return ptr;
  const moved = __alloc(size);
  memory.copy(moved, ptr, min(size, capacity));
  __free(ptr);
  return moved;
}

/** Puts `ptr`'s block on the free list of its size (static data is left alone). */
// @ts-ignore: decorator
@global @unsafe
export function __free(ptr: usize): void {
  if (ptr < __heap_base) return;
  const block = ptr - BLOCK_OVERHEAD;
  const list = freeLists + (<usize>ctz<u32>(load<u32>(block) + <u32>BLOCK_OVERHEAD) << 2);
  store<usize>(ptr, load<usize>(list));
  store<usize>(list, block);
}
