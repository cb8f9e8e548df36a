// When to run the minimal runtime's collector. It frees memory only in __collect(): a full
// mark-and-sweep whose cost grows with the live heap (the parsed configuration), so the dispatch
// layer runs it every COLLECT_EVERY stream deletions, and only when something was allocated since
// the last one: request paths allocate nothing, so a collection would only mark the configuration.
//
// Whether anything was allocated: the runtime (tcms) links every new object after the newest one.
// After each collection a marker object is made; while it is still the newest, its link points
// back at the list head, and any allocation since moves that link. This reads the object header
// of AssemblyScript 0.28's minimal runtime (rt/tcms.ts; the package is pinned exactly):
// `nextWithColor` is 16 bytes before the object, its low two bits the colour.
// @ts-ignore: decorator
@inline const NEXT_WITH_COLOR = 16;
// @ts-ignore: decorator
@inline const COLOR_BITS: usize = 3;

class Marker {}

/** The marker made after the last collection (0: none yet, so the first check collects). */
let marker: usize = 0;
/** Where the marker's link pointed when it was made: the list head. */
let head: usize = 0;

// @ts-ignore: decorator
@inline function markerLink(): usize {
  return load<usize>(marker - NEXT_WITH_COLOR) & ~COLOR_BITS;
}

/** Collects when anything was allocated since the last collection. Call with the stack unwound
 *  (from an export, after the callback), so no reference the collector cannot see is held. */
export function collectIfAllocated(): void {
  if (marker != 0 && markerLink() == head) return;
  __collect();
  // the marker is garbage from here (only this module knows it): the next collection frees it
  marker = changetype<usize>(new Marker());
  head = markerLink();
}
