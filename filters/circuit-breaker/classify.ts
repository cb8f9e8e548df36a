// What a finished call was: a success, a failure, or not counted at all.
import { Circuit } from "./config";

export const enum Outcome { Success, Failure, Ignored }

// Envoy StreamInfo::ResponseFlag bits (response.flags) that mean the upstream failed the call.
// @ts-ignore: decorator
@inline const NO_HEALTHY_UPSTREAM: i64 = 0x2;
// @ts-ignore: decorator
@inline const UPSTREAM_REQUEST_TIMEOUT: i64 = 0x4;
// @ts-ignore: decorator
@inline const UPSTREAM_REMOTE_RESET: i64 = 0x10;
// @ts-ignore: decorator
@inline const UPSTREAM_CONNECTION_FAILURE: i64 = 0x20;
// @ts-ignore: decorator
@inline const UPSTREAM_CONNECTION_TERMINATION: i64 = 0x40;
// @ts-ignore: decorator
@inline const UPSTREAM_OVERFLOW: i64 = 0x80;
// @ts-ignore: decorator
@inline const UPSTREAM_MAX_STREAM_DURATION_REACHED: i64 = 0x80000;
// @ts-ignore: decorator
@inline const UPSTREAM_PROTOCOL_ERROR: i64 = 0x800000;

export const UPSTREAM_FAILURE_FLAGS: i64 = NO_HEALTHY_UPSTREAM | UPSTREAM_REQUEST_TIMEOUT | UPSTREAM_REMOTE_RESET |
  UPSTREAM_CONNECTION_FAILURE | UPSTREAM_CONNECTION_TERMINATION | UPSTREAM_OVERFLOW |
  UPSTREAM_MAX_STREAM_DURATION_REACHED | UPSTREAM_PROTOCOL_ERROR;

/** A response with HTTP `status`: ignored statuses first, then failure statuses. */
export function classifyStatus(status: i32, c: Circuit): Outcome {
  if (c.ignoreHttpStatuses.contains(status)) return Outcome.Ignored;
  return c.httpStatuses.contains(status) ? Outcome.Failure : Outcome.Success;
}

/** A gRPC status (-1: none) on an HTTP success. */
export function classifyGrpc(grpcStatus: i32, c: Circuit): Outcome {
  return grpcStatus >= 0 && c.grpcStatuses.includes(grpcStatus) ? Outcome.Failure : Outcome.Success;
}

/** A stream that ended without a response status, by Envoy's response flags (non-zero): an
 *  upstream failure flag is a failure, anything else (a downstream reset) is not counted. The
 *  caller applies `upstream_failures` first. */
export function classifyFlags(flags: i64): Outcome {
  return (flags & UPSTREAM_FAILURE_FLAGS) != 0 ? Outcome.Failure : Outcome.Ignored;
}

/** A stream that ended without a response status and without response flags, by Envoy's response
 *  code details (a byte string of any length and content): an upstream failure is a failure,
 *  anything else (`downstream_*`, `request_overall_timeout`, unknown or garbage) is not counted.
 *  Compares at most a few dozen bytes and allocates nothing. */
export function classifyCodeDetails(details: string): Outcome {
  // UT (the route timeout, the last try's per-try timeout, the per-try idle timeout), UH, max
  // stream duration; a `{...}` suffix allowed: `no_healthy_upstream{...}` still matches
  const upstreamFailures = "upstream_response_timeout|upstream_per_try_timeout|upstream_per_try_idle_timeout|no_healthy_upstream|upstream_max_stream_duration_reached";
  if (nameEnd(details, 0, upstreamFailures, false) >= 0) return Outcome.Failure;
  // router resets, `<detail>{<reason>[,|<transport failure>]}`: the reason decides
  const resetEnd = nameEnd(details, 0, "upstream_reset_before_response_started|upstream_reset_after_response_started", false);
  // Http::Utility::resetReasonToString with spaces as `_`, the reasons Envoy's router maps to an
  // upstream failure flag: UF (`connection_failure` in older Envoy, before the local/remote
  // split), UF, UF, UF, UC, UR, UR, UR, UO, UPE (local resets map to LR and overload manager
  // resets to OM: not counted)
  const upstreamResets = "connection_failure|local_connection_failure|remote_connection_failure|connection_timeout|connection_termination|remote_reset|remote_refused_stream_reset|remote_error_with_CONNECT_request|overflow|protocol_error";
  return resetEnd >= 0 && nameEnd(details, resetEnd + 1, upstreamResets, true) >= 0 ? Outcome.Failure : Outcome.Ignored;
}

// The names are `|`-separated lists in one literal each rather than arrays of strings, which a
// call would allocate, or the collector would mark (every string of them) on each collection.

/** Where the name ends when `details` holds one of the `|`-separated `names` at `at`, followed by
 *  the end of a reason (`reason`: `}`, or the `,` (older Envoy) or `|` before a transport failure
 *  reason) or else of a detail (the end of `details`, or `{`); -1 when none. */
function nameEnd(details: string, at: i32, names: string, reason: bool): i32 {
  let i = at; // the next byte of `details` to compare; -1: this name differs
  for (let k = 0; k <= names.length; k++) {
    const n = names.charCodeAt(k); // -1 after the last name
    if (n == 0x7c || n < 0) {
      const c = details.charCodeAt(i); // -1 at the end
      if (i >= 0 && (reason ? c == 0x7d || c == 0x2c || c == 0x7c : c < 0 || c == 0x7b)) return i;
      i = at;
    } else if (i >= 0) {
      i = details.charCodeAt(i) == n ? i + 1 : -1;
    }
  }
  return -1;
}
