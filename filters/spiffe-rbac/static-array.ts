// Element reads of hot-path StaticArrays. `unchecked(array[i])` compiles to a call of the
// array's `__uget` (the release build inlines only the tiniest functions); this reads the
// element in place.

/** Element `index` of `array` (no bounds check). */
// @ts-ignore: decorator
@inline export function element<T>(array: StaticArray<T>, index: i32): T {
  return load<T>(changetype<usize>(array) + (<usize>index << alignof<T>()));
}
