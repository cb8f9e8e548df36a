// Test entry for filters/shared/spiffe.ts: SPIFFE ID parsing and pattern matching.
import { compileSegmentGlob, compileSpiffePattern, parseSpiffeId, spiffeErrorMessage, spiffeErrorReason, validateTrustDomain } from "../../shared/spiffe";

/** "ok td=<td> path=<path> segments=<n> ns=<ns|-> sa=<sa|->", or the reason code. */
export function describeId(uri: string): string {
  const id = parseSpiffeId(uri);
  if (!id.valid) return spiffeErrorReason(id.error);
  const ns = id.namespace();
  const sa = id.serviceAccount();
  return "ok td=" + id.trustDomain() + " path=" + id.path() + " segments=" + id.segmentCount.toString() +
    " ns=" + (ns === null ? "-" : ns) + " sa=" + (sa === null ? "-" : sa);
}

/** "match" / "no match", or "invalid pattern: <reason>". */
export function matchPattern(pattern: string, uri: string): string {
  const compiled = compileSpiffePattern(pattern);
  if (compiled.error != 0) return "invalid pattern: " + spiffeErrorReason(compiled.error);
  return compiled.matches(parseSpiffeId(uri)) ? "match" : "no match";
}

/** The config-error sentence for a pattern ("valid" when it compiles). */
export function patternMessage(pattern: string): string {
  return spiffeErrorMessage(compileSpiffePattern(pattern).error);
}

/** "ok" or the reason code for a bare trust domain. */
export function trustDomainReason(td: string): string {
  return spiffeErrorReason(validateTrustDomain(td));
}

/** "match" / "no match" / "invalid glob" for a one-segment glob. */
export function matchSegmentGlob(glob: string, segment: string): string {
  const compiled = compileSegmentGlob(glob);
  if (compiled === null) return "invalid glob";
  return compiled.matches(segment) ? "match" : "no match";
}
