// HTTP status ranges from the config ("500-599", "503") and membership tests on request paths.

/** Inclusive status ranges; `contains` is a scan of at most a few pairs. */
export class StatusRanges {
  /** Each range's low then high status, in config order. */
  readonly bounds: i32[] = [];

  add(low: i32, high: i32): void {
    this.bounds.push(low);
    this.bounds.push(high);
  }

  contains(status: i32): bool {
    const bounds = this.bounds;
    const end = bounds.dataStart + (<usize>bounds.length << 2);
    for (let pair = bounds.dataStart; pair < end; pair += 8) {
      if (status >= load<i32>(pair) && status <= load<i32>(pair, 4)) return true;
    }
    return false;
  }
}

/** Lowest and highest HTTP status a range may name. */
export const MIN_STATUS: i32 = 100;
export const MAX_STATUS: i32 = 599;

/** Parses "NNN" or "NNN-NNN" (100 <= low <= high <= 599) into `out`; false when it does not parse. */
export function parseStatusRange(text: string, out: StatusRanges): bool {
  const single = text.length == 3;
  if (!single && (text.length != 7 || text.charCodeAt(3) != 0x2d)) return false;
  const low = parseStatus(text, 0);
  const high = single ? low : parseStatus(text, 4);
  if (low < 0 || high < 0 || high < low) return false;
  out.add(low, high);
  return true;
}

/** The three-digit status at `at` of `text`, in [MIN_STATUS, MAX_STATUS], or -1. */
function parseStatus(text: string, at: i32): i32 {
  let v = 0;
  for (let i = at; i < at + 3; i++) {
    const c = text.charCodeAt(i) - 0x30;
    if (c < 0 || c > 9) return -1;
    v = v * 10 + c;
  }
  return v >= MIN_STATUS && v <= MAX_STATUS ? v : -1;
}
