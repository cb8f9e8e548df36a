// The string literals of the module being compiled, as scripts/literal-table.mjs fills this file in
// at compile time (the empty tables below are what the type checker and an untransformed build see).
// LITERAL_BYTES: every literal's ASCII bytes, each padded with 0x80 to an even length.
// LITERAL_STARTS: where literal i starts in LITERAL_BYTES, and one more entry for the end.
// LITERAL_LISTS: the literal ids of each array of literals, one array after another.
// LITERAL_OBJECTS: zeroed static space for the string objects, made on first use (literals.ts).
export const LITERAL_BYTES = memory.data<u8>([0]);
export const LITERAL_STARTS = memory.data<u16>([0]);
export const LITERAL_LISTS = memory.data<u16>([0]);
export const LITERAL_OBJECTS = memory.data(16, 16);
