// A heap block reused by every request (request values, header values, replies), so a request
// allocates nothing: each object made per request costs an allocation and a later sweep. The block
// grows to what a request needs and goes back to its initial size when a request made it large.

// @ts-ignore: decorator
@inline const KEEP_BYTES = 16384;

export class ScratchBlock {
  /** Where the block starts; moves when it grows. */
  ptr: usize;
  private capacity: i32;

  constructor(private readonly initial: i32) {
    this.ptr = heap.alloc(<usize>initial);
    this.capacity = initial;
  }

  /** Makes the block at least `size` bytes long, keeping its contents (`ptr` may move). */
  // @ts-ignore: decorator
  @inline ensure(size: i32): void {
    if (size > this.capacity) this.grow(size);
  }

  /** Gives back the memory of a block a large request grew (its contents are dropped). */
  // @ts-ignore: decorator
  @inline trim(): void {
    if (this.capacity > KEEP_BYTES) this.shrink();
  }

  private grow(size: i32): void {
    const capacity = max(size, this.capacity << 1);
    // a new block and a copy rather than heap.realloc, which would link the allocator's realloc
    const ptr = heap.alloc(<usize>capacity);
    memory.copy(ptr, this.ptr, <usize>this.capacity);
    heap.free(this.ptr);
    this.ptr = ptr;
    this.capacity = capacity;
  }

  private shrink(): void {
    heap.free(this.ptr);
    this.ptr = heap.alloc(<usize>this.initial);
    this.capacity = this.initial;
  }
}
