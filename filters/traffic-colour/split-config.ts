// Parses a rule's `split`: the key (or none, for a random split), salt, weights in basis points,
// and the sticky cookie of a random split.
import { stringToBuffer } from "../shared/bytes";
import { ConfigReader, JsonValue } from "../shared/json";
import { MAX_COLOURS, MAX_NAME_CHARS, MAX_TEXT_CHARS, readColourRef, readSourceName, TOKEN_CHARS } from "./config-values";
import { Source, SourceKind, sourceIndex } from "./request-values";
import { BASIS_POINTS, NOT_SELECTED, saltSeed, Split, Sticky } from "./split";
import { isCookieAttributeValue, isToken } from "./syntax";
import { decimal } from "../shared/number-text";

const KEY_FIELD_NAMES: string[] = ["header", "query", "cookie"];
const SPLIT_KEYS: string[] = ["key", "salt", "weights", "sticky"];
const KEY_KEYS: string[] = ["field", "name"];
const WEIGHT_KEYS: string[] = ["colour", "basis_points"];
const STICKY_KEYS: string[] = ["cookie", "max_age", "path", "domain", "secure", "http_only", "same_site"];
const SAME_SITE_VALUES: string[] = ["lax", "strict", "none"];
const SAME_SITE_NAMES: string[] = ["Lax", "Strict", "None"];

// @ts-ignore: decorator
@inline const MAX_AGE_SECONDS: i64 = 315_360_000; // ten years

export class SplitParser {
  constructor(readonly r: ConfigReader, readonly colours: string[], readonly sources: Source[]) {}

  split(value: JsonValue, ruleName: string): Split {
    const r = this.r;
    const split = new Split();
    const obj = r.asObject(value);
    r.member(obj, "weights", true);
    r.unknownKeys(obj, SPLIT_KEYS);
    const key = r.optionalObject(obj, "key");
    if (key !== null) {
      r.member(key, "field", true);
      r.member(key, "name", true);
      r.unknownKeys(key, KEY_KEYS);
      const kind = <SourceKind>r.requiredEnum(key, "field", KEY_FIELD_NAMES);
      const nameValue = r.member(key, "name", true);
      if (r.failed) return split;
      split.keySource = sourceIndex(this.sources, kind, readSourceName(r, nameValue!, kind));
    }
    const salt = r.member(obj, "salt", false);
    if (salt !== null && key === null) { r.fail(salt, "is only used by keyed splits (with \"key\")"); return split; }
    split.seed = saltSeed(r.asString(salt, ruleName, 1, MAX_TEXT_CHARS));
    this.weights(r.requiredArray(obj, "weights", 1, MAX_COLOURS), split);
    const sticky = r.member(obj, "sticky", false);
    if (sticky !== null && !r.failed) {
      if (key !== null) { r.fail(sticky, "is only used by random splits (without \"key\")"); return split; }
      split.sticky = this.sticky(sticky, split);
    }
    return split;
  }

  weights(list: JsonValue | null, split: Split): void {
    const r = this.r;
    if (list === null) return;
    const n = list.items.length;
    const bounds = new StaticArray<u32>(n);
    const colours = new StaticArray<i32>(n);
    let total: i64 = 0;
    for (let i = 0; i < n && !r.failed; i++) {
      const weight = r.asObject(list.items[i]);
      r.member(weight, "colour", true);
      r.member(weight, "basis_points", true);
      r.unknownKeys(weight, WEIGHT_KEYS);
      const colour = readColourRef(r, this.colours, r.member(weight, "colour", true));
      const points = r.requiredInteger(weight, "basis_points", 1, BASIS_POINTS);
      if (r.failed) return;
      for (let j = 0; j < i; j++) {
        if (colours[j] == colour) { r.fail(weight!.member("colour")!, "duplicate colour"); return; }
      }
      total += points;
      if (total > <i64>BASIS_POINTS) {
        r.fail(list, "basis points add up to more than 10000 (100%)");
        return;
      }
      bounds[i] = <u32>total;
      colours[i] = colour;
    }
    split.bounds = bounds;
    split.colours = colours;
  }

  sticky(value: JsonValue, split: Split): Sticky | null {
    const r = this.r;
    const obj = r.asObject(value);
    r.member(obj, "cookie", true);
    r.unknownKeys(obj, STICKY_KEYS);
    const cookieValue = r.member(obj, "cookie", true);
    const cookie = r.asString(cookieValue, "", 1, MAX_NAME_CHARS);
    if (!r.failed && !isToken(cookie)) r.fail(cookieValue!, "must be a cookie name " + TOKEN_CHARS);
    const maxAge = r.optionalInteger(obj, "max_age", 86_400, 1, MAX_AGE_SECONDS);
    const path = this.cookieAttribute(r.member(obj, "path", false), "/");
    const domain = this.cookieAttribute(r.member(obj, "domain", false), "");
    const secure = r.optionalBool(obj, "secure", true);
    const httpOnly = r.optionalBool(obj, "http_only", true);
    const sameSiteValue = r.member(obj, "same_site", false);
    const sameSite = r.asEnum(sameSiteValue, SAME_SITE_VALUES, 0);
    if (!r.failed && sameSite == 2 && !secure) r.fail(sameSiteValue!, "needs secure: browsers refuse SameSite=None without Secure");
    if (r.failed) return null;
    let attributes = "; Max-Age=" + decimal(maxAge) + "; Path=" + path;
    if (domain.length > 0) attributes += "; Domain=" + domain;
    if (secure) attributes += "; Secure";
    if (httpOnly) attributes += "; HttpOnly";
    attributes += "; SameSite=" + SAME_SITE_NAMES[sameSite];
    const setCookies = new Array<ArrayBuffer>();
    const colours = split.colours;
    for (let i = 0; i < colours.length; i++) setCookies.push(stringToBuffer(cookie + "=" + this.colours[colours[i]] + attributes));
    setCookies.push(stringToBuffer(cookie + "=" + NOT_SELECTED + attributes));
    return new Sticky(sourceIndex(this.sources, SourceKind.Cookie, cookie), setCookies);
  }

  cookieAttribute(value: JsonValue | null, fallback: string): string {
    const r = this.r;
    if (value === null) return fallback;
    const text = r.asString(value, fallback, 1, MAX_TEXT_CHARS);
    if (!r.failed && !isCookieAttributeValue(text)) r.fail(value, "must be printable ASCII without \";\"");
    return text;
  }
}
