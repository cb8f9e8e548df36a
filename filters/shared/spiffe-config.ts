// SPIFFE ID patterns from a checked configuration (their grammar is more than a JSON Schema says).
import { ConfigErrors } from "./config-error";
import { JsonValue, quoteString } from "./json";
import { compileSpiffePattern, SpiffeError, spiffeErrorMessage, SpiffePattern } from "./spiffe";

/** The pattern in `value` (a checked string). An invalid one is recorded in `errors`, with the
 *  fix when it is an Istio principal written without its scheme (`cluster.local/ns/x/sa/y`). */
export function spiffePatternOf(errors: ConfigErrors, value: JsonValue): SpiffePattern {
  const text = value.string;
  const pattern = compileSpiffePattern(text);
  const error = pattern.error;
  if (error != SpiffeError.Ok) {
    const fixed = "spiffe://" + text;
    const hint = error == SpiffeError.Scheme && compileSpiffePattern(fixed).error == SpiffeError.Ok ? "; write " + quoteString(fixed) : "";
    errors.at(value, "is not a valid SPIFFE ID pattern: " + spiffeErrorMessage(error) + hint);
  }
  return pattern;
}
