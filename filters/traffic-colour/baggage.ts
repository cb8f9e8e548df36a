// W3C Baggage (https://www.w3.org/TR/baggage/): find, remove and add the colour member of a
// `baggage` header while keeping every other member byte-for-byte.
//   baggage   = list-member *( OWS "," OWS list-member )
//   list-member = key OWS "=" OWS value *( OWS ";" OWS property )
//   property  = key OWS "=" OWS value / key;  key = token;  value = *baggage-octet
// A header that breaks this grammar is malformed: the filter discards it (the specification lets
// a receiver drop a baggage header it cannot parse). Adding the colour never takes the header
// beyond 64 members or 8,192 bytes, the limits every platform must propagate; when it would, the
// colour goes only to the colour header.
import { equalsBuffer } from "./byte-match";
import { ScratchBlock } from "../shared/scratch-block";
import { classesOf, OCTET, OWS, TCHAR } from "./syntax";

// @ts-ignore: decorator
@inline export const MAX_MEMBERS = 64;
// @ts-ignore: decorator
@inline export const MAX_BYTES = 8192;

// @ts-ignore: decorator
@inline function byteAt(s: usize, i: i32): i32 {
  return <i32>load<u8>(s + <usize>i);
}

/** The index of the first byte from s[from] on outside `classes` (syntax.ts: OWS, TCHAR, OCTET):
 *  at the latest the NUL that follows the header copy (NUL is in no class), so the loop needs no
 *  bounds check. */
// @ts-ignore: decorator
@inline function skip(s: usize, from: i32, classes: u8): i32 {
  while ((classesOf(byteAt(s, from)) & classes) != 0) from++;
  return from;
}

/** One request's baggage header split around the colour member, and the header it should become.
 *  One instance serves every request (read() starts over): its block holds a copy of the header
 *  at [0, headerLength), a NUL, then the rewritten header, so nothing is allocated. */
export class BaggageHeader {
  /** The header follows the W3C grammar. */
  valid: bool = false;
  /** Where the value of the first member named by the colour key starts in the header; -1 when
   *  there is none. */
  colourStart: i32 = -1;
  colourLength: i32 = 0;
  /** Members named by the colour key that were found. */
  removed: i32 = 0;
  /** Members of the rewritten header (those not named by the colour key). */
  otherCount: i32 = 0;
  headerLength: i32 = 0;
  /** Length of the rewritten header: the header without the colour key's members (other members
   *  byte-for-byte), OWS-trimmed, then the colour member once appendMember added it. */
  rewrittenLength: i32 = 0;
  /** appendMember added the colour member. */
  private memberAdded: bool = false;
  // The member scanMember read last: its bounds without OWS, its key and its value.
  private memberFrom: i32 = 0;
  private keyEnd: i32 = 0;
  private valueStart: i32 = 0;
  private valueEnd: i32 = 0;
  private memberTo: i32 = 0;
  private readonly block: ScratchBlock = new ScratchBlock(512);

  /** Where the copy of the header is. */
  // @ts-ignore: decorator
  @inline get header(): usize {
    return this.block.ptr;
  }

  /** Where the rewritten header is. */
  // @ts-ignore: decorator
  @inline get rewritten(): usize {
    return this.block.ptr + <usize>this.headerLength + 1;
  }

  /** Where the colour member's value is (colourStart >= 0). */
  get colour(): usize {
    return this.block.ptr + <usize>this.colourStart;
  }

  /** Whether the request had a (non-empty) header. */
  get present(): bool {
    return this.headerLength > 0;
  }

  /** Copies the `n` bytes at `ptr` and splits them around the members named `key` (bytes); `n`
   *  < 1 (no header, or an empty one) reads as no header. */
  read(ptr: usize, n: i32, key: ArrayBuffer): void {
    this.headerLength = max(n, 0);
    this.colourStart = -1;
    this.colourLength = 0;
    this.removed = 0;
    this.otherCount = 0;
    this.rewrittenLength = 0;
    this.memberAdded = false;
    this.valid = false;
    if (n < 1) return;
    this.block.trim();
    this.block.ensure((n << 1) + 1);
    memory.copy(this.block.ptr, ptr, <usize>n);
    store<u8>(this.block.ptr + <usize>n, 0);
    this.valid = this.split(key);
    if (this.valid && this.removed == 0) {
      // nothing removed: the header as it came, without OWS around it (the last member scanned
      // ends it), instead of its members joined again
      this.rewrittenLength = 0;
      this.keep(skip(this.header, 0, OWS), this.memberTo);
    }
  }

  /** Whether the colour member's value is `colour` (and there is one). */
  private colourIs(colour: ArrayBuffer): bool {
    return this.colourStart >= 0 && equalsBuffer(this.colour, this.colourLength, colour);
  }

  /** Makes the rewritten header carry `member` (`key=colour`, `colour` being its value; null for
   *  no colour member). False when the header needs no write: it already carries exactly this
   *  colour (one colour member, with this value: it stays byte-for-byte as it came), or the
   *  rewritten header is the header as it came. */
  setColour(member: ArrayBuffer | null, colour: ArrayBuffer | null): bool {
    if (colour !== null && this.removed == 1 && this.colourIs(colour)) return false;
    if (member !== null) this.appendMember(member);
    // Now a removed or an added member always changes the header (a removed member equal to the
    // added one returned above); without either, the rewritten header is the header trimmed, the
    // same exactly when as long.
    return this.removed > 0 || this.memberAdded || this.rewrittenLength != this.headerLength;
  }

  /** Appends `member` (`key=colour`) to the rewritten header unless that would pass 64 members
   *  or 8,192 bytes; false when it did not. */
  appendMember(member: ArrayBuffer): bool {
    const n = member.byteLength;
    const others = this.rewrittenLength;
    if (this.otherCount > 0 && (this.otherCount + 1 > MAX_MEMBERS || others + 1 + n > MAX_BYTES)) return false;
    this.block.ensure(this.headerLength + 1 + others + 1 + n);
    if (this.otherCount > 0) this.comma();
    memory.copy(this.rewritten + <usize>this.rewrittenLength, changetype<usize>(member), <usize>n);
    this.rewrittenLength += n;
    this.memberAdded = true;
    return true;
  }

  /** Parses the header copy member by member, keeping the members not named `key` in the
   *  rewritten header; false when the header is malformed. */
  private split(key: ArrayBuffer): bool {
    const n = this.headerLength;
    let start = 0;
    while (start <= n) {
      const end = this.scanMember(start);
      if (end < 0) return false;
      const from = this.memberFrom;
      if (equalsBuffer(this.header + <usize>from, this.keyEnd - from, key)) {
        if (this.colourStart < 0) {
          this.colourStart = this.valueStart;
          this.colourLength = this.valueEnd - this.valueStart;
        }
        this.removed++;
      } else {
        // the first kept member starts trimmed; later ones keep the spacing after their comma
        if (this.otherCount > 0) this.comma();
        this.keep(this.otherCount == 0 ? from : start, this.memberTo);
        this.otherCount++;
      }
      start = end + 1;
    }
    return true;
  }

  /** Scans the member that starts at header[start], each byte once, into memberFrom, keyEnd,
   *  valueStart, valueEnd and memberTo: the index of the `,` that ends it (or of the header's
   *  end), or -1 when it is malformed. The member's key = value and each `;` property (key, or
   *  key = value) are scanned alike. */
  private scanMember(start: i32): i32 {
    const s = this.header;
    const n = this.headerLength;
    let i = start;
    let to = 0;
    let member = true;
    for (;;) {
      const key = skip(s, i, OWS);
      const keyEnd = skip(s, key, TCHAR);
      if (keyEnd == key) return -1;
      i = skip(s, keyEnd, OWS);
      if (byteAt(s, i) == 0x3d) { // =
        const value = skip(s, i + 1, OWS);
        const valueEnd = skip(s, value, OCTET);
        to = valueEnd > value ? valueEnd : i + 1;
        if (member) {
          this.memberFrom = key;
          this.keyEnd = keyEnd;
          this.valueStart = value;
          this.valueEnd = valueEnd;
        }
        i = skip(s, valueEnd, OWS);
      } else {
        if (member) return -1; // a member needs a value
        to = keyEnd;
      }
      if (byteAt(s, i) != 0x3b) break; // ;
      i++;
      member = false;
    }
    if (i < n && byteAt(s, i) != 0x2c) return -1; // ,
    this.memberTo = to;
    return i;
  }

  /** Appends a member separator to the rewritten header. */
  private comma(): void {
    store<u8>(this.rewritten + <usize>this.rewrittenLength, 0x2c);
    this.rewrittenLength++;
  }

  /** Appends header bytes [start, end) to the rewritten header. */
  private keep(start: i32, end: i32): void {
    memory.copy(this.rewritten + <usize>this.rewrittenLength, this.header + <usize>start, <usize>(end - start));
    this.rewrittenLength += end - start;
  }
}
