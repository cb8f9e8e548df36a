// Parses a rule's `split`: the key (or none, for a random split), salt, weights in basis points,
// and the sticky cookie of a random split.
import { stringToBuffer } from "../shared/bytes";
import { ConfigReader, JsonValue } from "../shared/json";
import { checkToken, MAX_COLOURS, MAX_NAME_CHARS, MAX_TEXT_CHARS, readColourRef, readSourceName } from "./config-values";
import { Source, SourceKind, sourceIndex } from "./request-values";
import { BASIS_POINTS, NOT_SELECTED, saltSeed, Split, Sticky } from "./split";
import { isCookieAttributeValue } from "./syntax";
import { decimal } from "../shared/number-text";

// @ts-ignore: decorator
@inline const MAX_AGE_SECONDS: i64 = 315_360_000; // ten years

/** A rule's split; `colours` are the configured colours, `sources` collects the request values
 *  it reads. */
export function parseSplit(r: ConfigReader, colours: string[], sources: Source[], value: JsonValue, ruleName: string): Split {
  const split = new Split();
  const obj = r.asObject(value);
  r.member(obj, "weights", true);
  r.unknownKeys(obj, ["key", "salt", "weights", "sticky"]);
  const key = r.optionalObject(obj, "key");
  if (key !== null) {
    r.member(key, "field", true);
    r.member(key, "name", true);
    r.unknownKeys(key, ["field", "name"]);
    const kind = <SourceKind>r.requiredEnum(key, "field", ["header", "query", "cookie"]);
    const nameValue = r.member(key, "name", true);
    if (nameValue === null || r.failed) return split;
    split.keySource = sourceIndex(sources, kind, readSourceName(r, nameValue, kind));
  }
  const salt = r.member(obj, "salt", false);
  if (salt !== null && key === null) { r.fail(salt, "is only used by keyed splits (with \"key\")"); return split; }
  split.seed = saltSeed(r.asString(salt, ruleName, 1, MAX_TEXT_CHARS));
  parseWeights(r, colours, r.requiredArray(obj, "weights", 1, MAX_COLOURS), split);
  const sticky = r.member(obj, "sticky", false);
  if (sticky !== null && !r.failed) {
    if (key !== null) { r.fail(sticky, "is only used by random splits (without \"key\")"); return split; }
    split.sticky = parseSticky(r, colours, sources, sticky, split);
  }
  return split;
}

/** The weights: cumulative bounds and colour indexes. */
function parseWeights(r: ConfigReader, configured: string[], list: JsonValue | null, split: Split): void {
  if (list === null) return;
  const n = list.items.length;
  const bounds = new StaticArray<u32>(n);
  const colours = new StaticArray<i32>(n);
  let total: i64 = 0;
  for (let i = 0; i < n && !r.failed; i++) {
    const weight = r.asObject(list.items[i]);
    r.member(weight, "colour", true);
    r.member(weight, "basis_points", true);
    r.unknownKeys(weight, ["colour", "basis_points"]);
    const colourValue = r.member(weight, "colour", true);
    const colour = readColourRef(r, configured, colourValue);
    const points = r.requiredInteger(weight, "basis_points", 1, BASIS_POINTS);
    if (colourValue === null || r.failed) return;
    for (let j = 0; j < i; j++) {
      if (unchecked(colours[j]) == colour) { r.fail(colourValue, "duplicate colour"); return; }
    }
    total += points;
    if (total > <i64>BASIS_POINTS) {
      r.fail(list, "basis points add up to more than 10000 (100%)");
      return;
    }
    unchecked(bounds[i] = <u32>total);
    unchecked(colours[i] = colour);
  }
  split.bounds = bounds;
  split.colours = colours;
}

/** The sticky cookie of a random split, with the Set-Cookie value of each outcome. */
function parseSticky(r: ConfigReader, configured: string[], sources: Source[], value: JsonValue, split: Split): Sticky | null {
  const obj = r.asObject(value);
  r.member(obj, "cookie", true);
  r.unknownKeys(obj, ["cookie", "max_age", "path", "domain", "secure", "http_only", "same_site"]);
  const cookieValue = r.member(obj, "cookie", true);
  const cookie = r.asString(cookieValue, "", 1, MAX_NAME_CHARS);
  if (cookieValue !== null) checkToken(r, cookieValue, cookie, "cookie name");
  const maxAge = r.optionalInteger(obj, "max_age", 86_400, 1, MAX_AGE_SECONDS);
  const path = cookieAttribute(r, r.member(obj, "path", false), "/");
  const domain = cookieAttribute(r, r.member(obj, "domain", false), "");
  const secure = r.optionalBool(obj, "secure", true);
  const httpOnly = r.optionalBool(obj, "http_only", true);
  const sameSiteValue = r.member(obj, "same_site", false);
  const sameSite = r.asEnum(sameSiteValue, ["lax", "strict", "none"], 0);
  if (!r.failed && sameSite == 2 && !secure && sameSiteValue !== null) r.fail(sameSiteValue, "needs secure: browsers refuse SameSite=None without Secure");
  if (r.failed) return null;
  let attributes = "; Max-Age=" + decimal(maxAge) + "; Path=" + path;
  if (domain.length > 0) attributes += "; Domain=" + domain;
  if (secure) attributes += "; Secure";
  if (httpOnly) attributes += "; HttpOnly";
  attributes += "; SameSite=" + ["Lax", "Strict", "None"][sameSite];
  const setCookies = new Array<ArrayBuffer>();
  const colours = split.colours;
  for (let i = 0; i < colours.length; i++) setCookies.push(stringToBuffer(cookie + "=" + configured[unchecked(colours[i])] + attributes));
  setCookies.push(stringToBuffer(cookie + "=" + NOT_SELECTED + attributes));
  return new Sticky(sourceIndex(sources, SourceKind.Cookie, cookie), setCookies);
}

function cookieAttribute(r: ConfigReader, value: JsonValue | null, fallback: string): string {
  if (value === null) return fallback;
  const text = r.asString(value, fallback, 1, MAX_TEXT_CHARS);
  if (!r.failed && !isCookieAttributeValue(text)) r.fail(value, "must be printable ASCII without \";\"");
  return text;
}
