// The string literals of the module being compiled, as scripts/literal-table.mjs fills this file in
// at compile time (the empty tables below are what the type checker and an untransformed build see).
// LITERAL_PACKED: the unpacked length (u16), then the table packed (scripts/lz.mjs): a byte length
//   per literal, every literal's ASCII bytes padded to an even length, the u16 literal ids of each
//   array of literals, one array after another.
// LITERAL_RAW: zeroed static space the table is unpacked into (literals.ts).
// LITERAL_STARTS: zeroed; where literal i starts among the bytes, and one more entry for the end.
// LITERAL_OBJECTS: zeroed static space for the string objects, made on first use (literals.ts).
export const LITERAL_PACKED = memory.data<u8>([0, 0]);
export const LITERAL_RAW = memory.data(16);
export const LITERAL_STARTS = memory.data(16, 2);
export const LITERAL_OBJECTS = memory.data(16, 16);
// @ts-ignore: decorator
@inline export const LITERAL_COUNT: i32 = 0;
