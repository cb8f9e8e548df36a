// Test entry for path.ts and path-pattern.ts.
import { stringToBuffer } from "../../shared/bytes";
import { EncodedSlashes, normalizePath, PathOptions } from "../path";
import { compilePathPattern, pathPatternError } from "../path-pattern";
import { PatternTableBuilder } from "../pattern-table";
import { RequestValue } from "../request-value";

const SLASHES = ["reject", "decode", "keep"];

/** `path` as the filter holds a request value. */
function requestValue(path: string): RequestValue {
  const bytes = stringToBuffer(path);
  const value = new RequestValue();
  value.copy(changetype<usize>(bytes), bytes.byteLength);
  return value;
}

/** The canonical path, or "<invalid>". */
export function normalize(path: string, encodedSlashes: string, mergeSlashes: bool, rejectDotSegments: bool): string {
  const options = new PathOptions();
  const slashes = SLASHES.indexOf(encodedSlashes);
  options.encodedSlashes = slashes < 0 ? EncodedSlashes.Reject : slashes;
  options.mergeSlashes = mergeSlashes;
  options.rejectDotSegments = rejectDotSegments;
  const raw = requestValue(path);
  const out = new RequestValue();
  return normalizePath(raw.ptr, raw.length, options, out) ? out.toString() : "<invalid>";
}

/** "match" / "no match", or "invalid: <reason>". */
export function matchPath(pattern: string, path: string): string {
  const table = new PatternTableBuilder();
  const compiled = compilePathPattern(pattern, table);
  if (compiled < 0) return "invalid: " + pathPatternError;
  return table.build().matches(compiled, requestValue(path), false) ? "match" : "no match";
}
