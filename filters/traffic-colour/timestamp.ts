// RFC 3339 timestamps (activation windows), parsed once at configure into Unix epoch nanoseconds.
//   date-time = YYYY "-" MM "-" DD ("T" / "t" / " ") hh ":" mm ":" ss ["." 1*DIGIT] ("Z" / "z" / ("+" / "-") hh ":" mm)
// Years 1970..9999 (nanoseconds since 1970 fit in i64 up to 2262, so later years are rejected:
// the result must fit), day checked against the month (leap years included), second 60 accepted
// as the leap second (it reads as the first second of the next minute). Fraction digits after the
// ninth are ignored.

/** Returned by parseTimestamp for text that is not an RFC 3339 timestamp in range. */
export const INVALID_TIMESTAMP: i64 = i64.MIN_VALUE;

// i64 nanoseconds reach 2262-04-11T23:47:16.854775807Z
// @ts-ignore: decorator
@inline const MAX_SECONDS: i64 = 9_223_372_036;

function digits(text: string, at: i32, count: i32): i32 {
  let v = 0;
  for (let i = at; i < at + count; i++) {
    const d = text.charCodeAt(i) - 0x30;
    if (d < 0 || d > 9) return -1;
    v = v * 10 + d;
  }
  return v;
}

function daysInMonth(year: i32, month: i32): i32 {
  if (month == 2) return (year % 4 == 0 && (year % 100 != 0 || year % 400 == 0)) ? 29 : 28;
  return (month == 4 || month == 6 || month == 9 || month == 11) ? 30 : 31;
}

/** Days from 1970-01-01 to year-month-day (proleptic Gregorian; H. Hinnant's days_from_civil). */
function daysFromCivil(year: i32, month: i32, day: i32): i64 {
  const y = <i64>(month <= 2 ? year - 1 : year);
  const era = y / 400;
  const yoe = y - era * 400;
  const mp = <i64>((month + 9) % 12);
  const doy = (153 * mp + 2) / 5 + <i64>day - 1;
  const doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + doe - 719468;
}

/** Epoch nanoseconds of an RFC 3339 timestamp, or INVALID_TIMESTAMP. */
export function parseTimestamp(text: string): i64 {
  const n = text.length;
  if (n < 20) return INVALID_TIMESTAMP;
  if (text.charCodeAt(4) != 0x2d || text.charCodeAt(7) != 0x2d || text.charCodeAt(13) != 0x3a ||
    text.charCodeAt(16) != 0x3a) return INVALID_TIMESTAMP;
  const t = text.charCodeAt(10);
  if (t != 0x54 && t != 0x74 && t != 0x20) return INVALID_TIMESTAMP;
  const year = digits(text, 0, 4);
  const month = digits(text, 5, 2);
  const day = digits(text, 8, 2);
  const hour = digits(text, 11, 2);
  const minute = digits(text, 14, 2);
  const second = digits(text, 17, 2);
  if (year < 1970 || month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month) ||
    hour < 0 || hour > 23 || minute < 0 || minute > 59 || second < 0 || second > 60) return INVALID_TIMESTAMP;
  let pos = 19;
  let nanos: i64 = 0;
  if (text.charCodeAt(pos) == 0x2e) {
    pos++;
    const start = pos;
    let scale: i64 = 100_000_000;
    while (pos < n) {
      const d = text.charCodeAt(pos) - 0x30;
      if (d < 0 || d > 9) break;
      nanos += <i64>d * scale;
      scale /= 10;
      pos++;
    }
    if (pos == start) return INVALID_TIMESTAMP;
  }
  if (pos >= n) return INVALID_TIMESTAMP;
  let offsetSeconds: i64 = 0;
  const z = text.charCodeAt(pos);
  if (z == 0x5a || z == 0x7a) {
    pos++;
  } else if (z == 0x2b || z == 0x2d) {
    if (pos + 6 != n || text.charCodeAt(pos + 3) != 0x3a) return INVALID_TIMESTAMP;
    const offsetHours = digits(text, pos + 1, 2);
    const offsetMinutes = digits(text, pos + 4, 2);
    if (offsetHours < 0 || offsetHours > 23 || offsetMinutes < 0 || offsetMinutes > 59) return INVALID_TIMESTAMP;
    offsetSeconds = <i64>(offsetHours * 3600 + offsetMinutes * 60);
    if (z == 0x2b) offsetSeconds = -offsetSeconds;
    pos += 6;
  } else {
    return INVALID_TIMESTAMP;
  }
  if (pos != n) return INVALID_TIMESTAMP;
  const seconds = daysFromCivil(year, month, day) * 86400 + <i64>(hour * 3600 + minute * 60 + second) + offsetSeconds;
  if (seconds < 0 || seconds >= MAX_SECONDS) return INVALID_TIMESTAMP;
  return seconds * 1_000_000_000 + nanos;
}
