// String literals made on first use (ARCHITECTURE.md, "Module size"). An AssemblyScript literal is
// a UTF-16 string object with its own data segment: 14 bytes of overhead and two bytes a character.
// scripts/literal-table.mjs, a compiler transform, replaces every non-empty ASCII literal in our
// sources with `sluiceLiteral(<id>)` (an array of them with `sluiceLiteralList(<start>, <count>)`)
// and stores the text of the literals the module uses once, a byte a character, packed, in
// literal-table.ts. The first literal made unpacks the table; the first call for a literal writes
// its string object into zeroed static memory below the heap (where the collector treats it like
// any other literal); later calls return it at once.
import { LITERAL_COUNT, LITERAL_OBJECTS, LITERAL_PACKED, LITERAL_RAW, LITERAL_STARTS } from "./literal-table";
import { unpack } from "./unpack";

// Offsets in a string object: the runtime's header (mmInfo, gcInfo, gcInfo2, rtId, rtSize), then UTF-16.
// @ts-ignore: decorator
@inline const RT_ID = 12;
// @ts-ignore: decorator
@inline const RT_SIZE = 16;
// @ts-ignore: decorator
@inline const HEADER = 20;

/** Whether the table is unpacked and LITERAL_STARTS filled in. */
let unpacked = false;

/** Unpacks the table (a byte length per literal, the bytes of each padded to an even length, the
 *  ids of the arrays of literals) and writes where each literal's bytes start. */
function unpackLiterals(): void {
  unpack(LITERAL_PACKED + 2, LITERAL_RAW, load<u16>(LITERAL_PACKED));
  let start = 0;
  for (let id = 0; id < LITERAL_COUNT; id++) {
    store<u16>(LITERAL_STARTS + (<usize>id << 1), start);
    const n = <i32>load<u8>(LITERAL_RAW + <usize>id);
    start += n + (n & 1);
  }
  store<u16>(LITERAL_STARTS + (<usize>LITERAL_COUNT << 1), start);
  unpacked = true;
}

/** Where the bytes of literal `id` start in the unpacked table. */
// @ts-ignore: decorator
@inline function bytesOf(id: i32): usize {
  return LITERAL_RAW + <usize>LITERAL_COUNT + <usize>load<u16>(LITERAL_STARTS + (<usize>id << 1));
}

/** Literal `id` of this module. Object i sits after i headers and twice the bytes before it (all
 *  starts read 0 until the table is unpacked, and no object exists before). */
// @ts-ignore: decorator
@global function sluiceLiteral(id: i32): string {
  let object = LITERAL_OBJECTS + <usize>id * HEADER + (<usize>load<u16>(LITERAL_STARTS + (<usize>id << 1)) << 1);
  if (load<u32>(object, RT_ID) == 0) object = makeLiteral(id);
  return changetype<string>(object + HEADER);
}

/** Writes the string object of literal `id` (unpacking the table first if need be); its address. */
function makeLiteral(id: i32): usize {
  if (!unpacked) unpackLiterals();
  const start = <usize>load<u16>(LITERAL_STARTS + (<usize>id << 1));
  const object = LITERAL_OBJECTS + <usize>id * HEADER + (start << 1);
  if (load<u32>(object, RT_ID) != 0) return object;
  const bytes = bytesOf(id);
  const length = <usize>load<u8>(LITERAL_RAW + <usize>id);
  for (let i: usize = 0; i < length; i++) store<u16>(object + HEADER + (i << 1), load<u8>(bytes + i));
  store<u32>(object, <u32>(length << 1), RT_SIZE);
  store<u32>(object, idof<string>(), RT_ID);
  return object;
}

/** Writes the `count` literals of the arrays of literals from `start` on as string references at
 *  `slots` (an array's element storage). */
function writeLiteralList(slots: usize, start: i32, count: i32): void {
  if (!unpacked) unpackLiterals();
  const lists = bytesOf(LITERAL_COUNT); // the ids follow the last literal's bytes
  for (let i = 0; i < count; i++) {
    const id = <i32>load<u16>(lists + (<usize>(start + i) << 1));
    let object = LITERAL_OBJECTS + <usize>id * HEADER + (<usize>load<u16>(LITERAL_STARTS + (<usize>id << 1)) << 1);
    if (load<u32>(object, RT_ID) == 0) object = makeLiteral(id);
    store<usize>(slots + (<usize>i << alignof<string>()), object + HEADER);
  }
}

/** A new array of the `count` literals listed from `start` on in the table's arrays. */
// @ts-ignore: decorator
@global function sluiceLiteralList(start: i32, count: i32): string[] {
  const list = changetype<string[]>(__newArray(count, alignof<string>(), idof<string[]>()));
  writeLiteralList(list.dataStart, start, count);
  return list;
}

/** A new StaticArray of the `count` literals listed from `start` on in the table's arrays. */
// @ts-ignore: decorator
@global function sluiceLiteralStaticList(start: i32, count: i32): StaticArray<string> {
  const list = new StaticArray<string>(count);
  writeLiteralList(changetype<usize>(list), start, count);
  return list;
}
