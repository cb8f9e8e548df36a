// Value checks shared by the configuration parsers (config.ts, match-config.ts, split-config.ts).
import { ConfigReader, JsonValue } from "../shared/json";
import { SourceKind } from "./request-values";
import { NO_COLOUR } from "./rule";
import { isToken } from "./syntax";
import { asciiLower } from "../shared/bytes";

// Limits that keep per-request work and metric names bounded.
// @ts-ignore: decorator
@inline export const MAX_COLOURS = 32;
// @ts-ignore: decorator
@inline export const MAX_NAME_CHARS = 64;
// @ts-ignore: decorator
@inline export const MAX_TEXT_CHARS = 256;

/** Records `must be a <what> (a token: ...)` unless `text` is an RFC 9110 token or an error came
 *  first. */
export function checkToken(r: ConfigReader, value: JsonValue, text: string, what: string): void {
  if (!r.failed && !isToken(text)) r.fail(value, "must be a " + what + " (a token: letters, digits and !#$%&'*+-.^_`|~)");
}

/** A string naming one of `colours`; its index (NO_COLOUR when absent or invalid). */
export function readColourRef(r: ConfigReader, colours: string[], value: JsonValue | null): i32 {
  const name = r.asString(value, "", 1, MAX_NAME_CHARS);
  if (value === null || r.failed) return NO_COLOUR;
  const index = colours.indexOf(name);
  if (index < 0) r.fail(value, "is not one of the configured colours");
  return index;
}

/** A header name (an RFC 9110 token), lowercased; `fallback` when absent. */
export function readHeaderName(r: ConfigReader, value: JsonValue | null, fallback: string, maxChars: i32): string {
  if (value === null) return fallback;
  const name = r.asString(value, fallback, 1, maxChars);
  checkToken(r, value, name, "header name");
  return asciiLower(name);
}

/** The name of a header, query parameter or cookie to read (headers lowercased). */
export function readSourceName(r: ConfigReader, value: JsonValue, kind: SourceKind): string {
  if (kind == SourceKind.Header) return readHeaderName(r, value, "", MAX_TEXT_CHARS);
  return r.asString(value, "", 1, MAX_TEXT_CHARS);
}
