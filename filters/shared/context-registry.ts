// The context registry behind the dispatch layer: root contexts and stream contexts by context id.
//
// Streams live in a flat table of chains indexed by context id: the host numbers contexts in
// order, so `id & mask` spreads the streams alive at one time over distinct slots and a lookup is
// one load and one compare. Streams sharing a slot are chained through HttpContext.next; the table
// doubles when it holds more streams than slots. Roots (one per plugin on this VM) are a list.
import { HttpContext, RootContext } from "./context";

// @ts-ignore: decorator
@inline const INITIAL_SLOTS: i32 = 64;

/** The first stream of each slot (visited by the collector: the table keeps live streams alive). */
let slots = new StaticArray<HttpContext | null>(INITIAL_SLOTS);
let mask: u32 = INITIAL_SLOTS - 1;
let streamCount: i32 = 0;

let firstRoot: RootContext | null = null;

/** Where slot `index`'s first stream is stored. */
// @ts-ignore: decorator
@inline function slotAddress(index: u32): usize {
  return changetype<usize>(slots) + (<usize>index << alignof<usize>());
}

/** The stream context `contextId`, or null. */
export function streamOf(contextId: u32): HttpContext | null {
  let stream = changetype<HttpContext | null>(load<usize>(slotAddress(contextId & mask)));
  while (stream !== null && stream.id != contextId) stream = stream.next;
  return stream;
}

/** Registers `stream` (not registered yet) under its id. */
export function addStream(stream: HttpContext): void {
  if (streamCount >= <i32>(mask + 1)) grow();
  link(stream);
  streamCount++;
}

function link(stream: HttpContext): void {
  const at = slotAddress(stream.id & mask);
  stream.next = changetype<HttpContext | null>(load<usize>(at));
  store<usize>(at, changetype<usize>(stream));
}

/** Unregisters the stream context `contextId` and returns it, or null: one walk of its chain
 *  finds it and what links to it (a lookup and then an unlink would walk it twice). */
export function takeStream(contextId: u32): HttpContext | null {
  const at = slotAddress(contextId & mask);
  let before: HttpContext | null = null;
  let stream = changetype<HttpContext | null>(load<usize>(at));
  while (stream !== null && stream.id != contextId) {
    before = stream;
    stream = stream.next;
  }
  if (stream === null) return null;
  if (before === null) store<usize>(at, changetype<usize>(stream.next));
  else before.next = stream.next;
  stream.next = null;
  streamCount--;
  return stream;
}

/** Doubles the table, relinking every stream. */
function grow(): void {
  const old = slots;
  slots = new StaticArray<HttpContext | null>(old.length << 1);
  mask = (mask << 1) | 1;
  for (let i = 0, n = old.length; i < n; i++) {
    let stream = unchecked(old[i]);
    while (stream !== null) {
      const next = stream.next;
      link(stream);
      stream = next;
    }
  }
}

/** The root context `contextId`, or null. */
export function rootOf(contextId: u32): RootContext | null {
  let root = firstRoot;
  while (root !== null && root.id != contextId) root = root.nextRoot;
  return root;
}

export function addRoot(root: RootContext): void {
  root.nextRoot = firstRoot;
  firstRoot = root;
}

/** Unregisters the root context `contextId` and returns it, or null (one walk, as takeStream). */
export function takeRoot(contextId: u32): RootContext | null {
  let before: RootContext | null = null;
  let root = firstRoot;
  while (root !== null && root.id != contextId) {
    before = root;
    root = root.nextRoot;
  }
  if (root === null) return null;
  if (before === null) firstRoot = root.nextRoot;
  else before.nextRoot = root.nextRoot;
  return root;
}
