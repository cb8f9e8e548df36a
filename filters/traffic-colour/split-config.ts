// Compiles a rule's `split`: the key (or none, for a random split), salt, weights in basis points,
// and the sticky cookie of a random split.
import { asciiLower, stringToBuffer } from "../shared/bytes";
import { ConfigErrors } from "../shared/config-error";
import { element, field, flag, items, num, text } from "../shared/config-walker";
import { JsonValue } from "../shared/json";
import { readColourRef } from "./config-values";
import { Split as Fields, SplitKey, Sticky as StickyFields, Weight } from "./config-schema";
import { Source, SourceKind, sourceIndex } from "./request-values";
import { BASIS_POINTS, NOT_SELECTED, saltSeed, Split, Sticky } from "./split";
import { decimal } from "../shared/number-text";

/** A checked split; `colours` are the configured colours, `sources` collects the request values
 *  it reads. */
export function parseSplit(errors: ConfigErrors, colours: string[], sources: Source[], obj: JsonValue, ruleName: string): Split {
  const split = new Split();
  const key = field(obj, Fields.key);
  if (key !== null) {
    // header, query, cookie: SourceKind's first three, in schema.json order
    const kind = <SourceKind>num(key, SplitKey.source);
    const name = text(key, SplitKey.name);
    split.keySource = sourceIndex(sources, kind, kind == SourceKind.Header ? asciiLower(name) : name);
  }
  const salt = field(obj, Fields.salt);
  split.seed = saltSeed(salt === null ? ruleName : salt.string);
  const weights = items(obj, Fields.weights);
  const n = weights.length;
  const bounds = new StaticArray<u32>(n);
  const indexes = new StaticArray<i32>(n);
  let total: i64 = 0;
  for (let i = 0; i < n; i++) {
    const weight = element(weights, i);
    const colourValue = changetype<JsonValue>(field(weight, Weight.colour));
    const colour = readColourRef(errors, colours, colourValue);
    for (let j = 0; j < i; j++) {
      if (unchecked(indexes[j]) == colour) errors.at(colourValue, "duplicate colour");
    }
    total += <i64>num(weight, Weight.basis_points);
    unchecked(bounds[i] = <u32>min(total, <i64>BASIS_POINTS));
    unchecked(indexes[i] = colour);
  }
  if (total > <i64>BASIS_POINTS) errors.at(changetype<JsonValue>(field(obj, Fields.weights)), "basis points add up to more than 10000 (100%)");
  split.bounds = bounds;
  split.colours = indexes;
  const sticky = field(obj, Fields.sticky);
  if (sticky !== null) {
    if (key !== null) errors.at(sticky, "applies only to random splits (without \"key\")");
    split.sticky = parseSticky(errors, colours, sources, sticky, split);
  }
  return split;
}

/** The sticky cookie of a random split, with the Set-Cookie value of each outcome. */
function parseSticky(errors: ConfigErrors, configured: string[], sources: Source[], obj: JsonValue, split: Split): Sticky {
  const cookie = text(obj, StickyFields.cookie);
  const secure = flag(obj, StickyFields.secure);
  const sameSite = <i32>num(obj, StickyFields.same_site);
  const sameSiteValue = field(obj, StickyFields.same_site);
  if (sameSite == 2 && !secure) errors.at(changetype<JsonValue>(sameSiteValue), "needs secure: browsers refuse SameSite=None without Secure");
  let attributes = "; Max-Age=" + decimal(<i64>num(obj, StickyFields.max_age)) + "; Path=" + text(obj, StickyFields.path);
  const domain = text(obj, StickyFields.domain);
  if (domain.length > 0) attributes += "; Domain=" + domain;
  if (secure) attributes += "; Secure";
  if (flag(obj, StickyFields.http_only)) attributes += "; HttpOnly";
  attributes += "; SameSite=" + ["Lax", "Strict", "None"][sameSite];
  const setCookies = new Array<ArrayBuffer>();
  const colours = split.colours;
  for (let i = 0; i < colours.length; i++) {
    const colour = unchecked(colours[i]);
    setCookies.push(stringToBuffer(cookie + "=" + (colour < 0 ? "" : configured[colour]) + attributes));
  }
  setCookies.push(stringToBuffer(cookie + "=" + NOT_SELECTED + attributes));
  return new Sticky(sourceIndex(sources, SourceKind.Cookie, cookie), setCookies);
}
