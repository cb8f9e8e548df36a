// Memory for values the host returns (header values, properties, shared data, buffers): the host
// asks for it through the `malloc` export and the guest frees it right after reading. A request
// holds at most one such value at a time, so one static scratch block serves the small ones
// without the general allocator (an allocation and a free less per host read); a value that does
// not fit, or arrives while the block is still held, gets a heap block.
// @ts-ignore: decorator
@inline const SCRATCH_SIZE: usize = 2048;
const scratch = memory.data(<i32>SCRATCH_SIZE, 16);
let scratchHeld = false;

/** A block of `size` bytes for the host to write a returned value into. */
export function hostAlloc(size: usize): usize {
  if (!scratchHeld && size <= SCRATCH_SIZE) {
    scratchHeld = true;
    return scratch;
  }
  return heap.alloc(size);
}

/** Releases a block from hostAlloc (or from heap.alloc); 0 is ignored. */
export function hostFree(ptr: usize): void {
  if (ptr == scratch) scratchHeld = false;
  else if (ptr != 0) heap.free(ptr);
}
