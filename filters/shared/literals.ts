// String literals made on first use (ARCHITECTURE.md, "Module size"). An AssemblyScript literal is
// a UTF-16 string object with its own data segment: 14 bytes of overhead and two bytes a character.
// scripts/literal-table.mjs, a compiler transform, replaces every non-empty ASCII literal in our
// sources with `sluiceLiteral(<id>)` (an array of them with `sluiceLiteralList(<start>, <count>)`) and stores the text once, a byte a character, in
// literal-table.ts. The first call writes the string object into zeroed static memory below the
// heap (where the collector treats it like any other literal); later calls return it at once.
import { LITERAL_BYTES, LITERAL_LISTS, LITERAL_OBJECTS, LITERAL_STARTS } from "./literal-table";

// Offsets in a string object: the runtime's header (mmInfo, gcInfo, gcInfo2, rtId, rtSize), then UTF-16.
// @ts-ignore: decorator
@inline const RT_ID = 12;
// @ts-ignore: decorator
@inline const RT_SIZE = 16;
// @ts-ignore: decorator
@inline const HEADER = 20;
/** The byte after a literal of odd length (never in an ASCII literal). */
// @ts-ignore: decorator
@inline const PADDING: u8 = 0x80;

/** Literal `id` of this module. Object i sits after i headers and twice the bytes before it. */
// @ts-ignore: decorator
@global function sluiceLiteral(id: i32): string {
  const start = <usize>load<u16>(LITERAL_STARTS + (<usize>id << 1));
  const object = LITERAL_OBJECTS + <usize>id * HEADER + (start << 1);
  if (load<u32>(object, RT_ID) == 0) {
    let end = <usize>load<u16>(LITERAL_STARTS + (<usize>id << 1), 2);
    if (load<u8>(LITERAL_BYTES + end - 1) == PADDING) end--;
    const length = end - start;
    for (let i: usize = 0; i < length; i++) {
      store<u16>(object + HEADER + (i << 1), load<u8>(LITERAL_BYTES + start + i));
    }
    store<u32>(object, <u32>(length << 1), RT_SIZE);
    store<u32>(object, idof<string>(), RT_ID);
  }
  return changetype<string>(object + HEADER);
}

/** Writes the `count` literals listed from `start` on in LITERAL_LISTS as string references at
 *  `slots` (an array's element storage). */
function writeLiteralList(slots: usize, start: i32, count: i32): void {
  for (let i = 0; i < count; i++) {
    const literal = sluiceLiteral(load<u16>(LITERAL_LISTS + (<usize>(start + i) << 1)));
    store<usize>(slots + (<usize>i << alignof<string>()), changetype<usize>(literal));
  }
}

/** A new array of the `count` literals listed from `start` on in LITERAL_LISTS. */
// @ts-ignore: decorator
@global function sluiceLiteralList(start: i32, count: i32): string[] {
  const list = changetype<string[]>(__newArray(count, alignof<string>(), idof<string[]>()));
  writeLiteralList(list.dataStart, start, count);
  return list;
}

/** A new StaticArray of the `count` literals listed from `start` on in LITERAL_LISTS. */
// @ts-ignore: decorator
@global function sluiceLiteralStaticList(start: i32, count: i32): StaticArray<string> {
  const list = new StaticArray<string>(count);
  writeLiteralList(changetype<usize>(list), start, count);
  return list;
}
