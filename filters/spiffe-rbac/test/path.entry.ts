// Test entry for path.ts and path-pattern.ts.
import { EncodedSlashes, normalizePath, PathOptions } from "../path";
import { compilePathPattern, pathPatternError } from "../path-pattern";

const SLASHES = ["reject", "decode", "keep"];

/** The canonical path, or "<invalid>". */
export function normalize(path: string, encodedSlashes: string, mergeSlashes: bool, rejectDotSegments: bool): string {
  const options = new PathOptions();
  const slashes = SLASHES.indexOf(encodedSlashes);
  options.encodedSlashes = slashes < 0 ? EncodedSlashes.Reject : slashes;
  options.mergeSlashes = mergeSlashes;
  options.rejectDotSegments = rejectDotSegments;
  const out = normalizePath(path, options);
  return out === null ? "<invalid>" : out;
}

/** "match" / "no match", or "invalid: <reason>". */
export function matchPath(pattern: string, path: string): string {
  const compiled = compilePathPattern(pattern);
  if (compiled === null) return "invalid: " + pathPatternError;
  return compiled.matches(path) ? "match" : "no match";
}
