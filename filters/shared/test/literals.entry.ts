// Test entry for literals.ts (the literal table the build's transform fills in) and number-text.ts.
import { LITERAL_COUNT, LITERAL_RAW, LITERAL_STARTS } from "../literal-table";
import { decimal, hex } from "../number-text";

/** Literal number `which` of a fixed list: odd and even lengths, a NUL, and one left as UTF-16. */
export function literal(which: i32): string {
  switch (which) {
    case 0: return "a";
    case 1: return "ab";
    case 2: return "response\0code_details";
    case 3: return "x-sluice-circuit";
    case 4: return "";
    default: return "caf\u00e9";
  }
}

/** The same literal text at two places in the source is one object. */
export function sameObject(): bool {
  const first = "x-sluice-circuit";
  const second = "x-sluice-circuit";
  return changetype<usize>(first) == changetype<usize>(second);
}

/** A literal survives collections and is still equal to a string built at run time. */
export function equalsBuilt(): bool {
  const built = String.fromCharCode(0x61) + String.fromCharCode(0x62);
  __collect();
  return "ab" == built && built == "ab";
}

/** An array of literals, joined with "|"; twice the same call gives two arrays. */
export function literalList(): string {
  const first = ["alpha", "b", "response\0code"];
  const second = ["alpha", "b", "response\0code"];
  first.push("pushed");
  return first.join("|") + "/" + second.join("|");
}

const STATIC_LIST: StaticArray<string> = ["one", "two"];

/** A declared StaticArray of literals, joined with "|". */
export function literalStaticList(): string {
  return STATIC_LIST.join("|");
}

export function decimalText(value: i64): string {
  return decimal(value);
}

export function hexText(value: u64, digits: i32): string {
  return hex(value, digits);
}

/** Never called: its literal is left out of the module. */
function unused(): string {
  return "only-in-a-function-nobody-calls";
}

/** Whether `unused` exists in the source (so the compiler sees its literal). */
export function unusedExists(): bool {
  return isDefined(unused);
}

/** Every byte of the unpacked literal table's texts (after a literal was made). */
export function storedText(): string {
  literal(3);
  let out = "";
  const bytes = LITERAL_RAW + <usize>LITERAL_COUNT;
  for (let i = 0, n = <i32>load<u16>(LITERAL_STARTS + (<usize>LITERAL_COUNT << 1)); i < n; i++) {
    out += String.fromCharCode(load<u8>(bytes + <usize>i));
  }
  return out;
}
