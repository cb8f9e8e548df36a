// What a finished call was: a success, a failure, or not counted at all.
import { FailurePolicy } from "./config";

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

// Envoy response code details (response.code_details) that mean the upstream failed the call.
// A detail may carry a `{...}` suffix (`no_healthy_upstream{...}` still matches).
const UPSTREAM_FAILURE_DETAILS: StaticArray<string> = [
  "upstream_response_timeout", // UT: the route timeout
  "upstream_per_try_timeout", // UT: the last try's per-try timeout
  "upstream_per_try_idle_timeout", // UT
  "no_healthy_upstream", // UH
  "upstream_max_stream_duration_reached", // max stream duration
];
// Router resets, `<detail>{<reason>[,|<transport failure>]}`: the reason decides.
const RESET_BEFORE_RESPONSE = "upstream_reset_before_response_started";
const RESET_AFTER_RESPONSE = "upstream_reset_after_response_started";
// Http::Utility::resetReasonToString with spaces as `_`, the reasons Envoy's router maps to an
// upstream failure flag (local resets map to LR and overload manager resets to OM: not counted).
const UPSTREAM_RESET_REASONS: StaticArray<string> = [
  "connection_failure", // UF (older Envoy, before the local/remote split)
  "local_connection_failure", // UF
  "remote_connection_failure", // UF
  "connection_timeout", // UF
  "connection_termination", // UC
  "remote_reset", // UR
  "remote_refused_stream_reset", // UR
  "remote_error_with_CONNECT_request", // UR
  "overflow", // UO
  "protocol_error", // UPE
];

/** A response with HTTP `status`: ignored statuses first, then failure statuses. */
export function classifyStatus(status: i32, policy: FailurePolicy): Outcome {
  if (policy.ignoreHttpStatuses.contains(status)) return Outcome.Ignored;
  return policy.httpStatuses.contains(status) ? Outcome.Failure : Outcome.Success;
}

/** A gRPC status (-1: none) on an HTTP success. */
export function classifyGrpc(grpcStatus: i32, policy: FailurePolicy): Outcome {
  return grpcStatus >= 0 && policy.grpcStatuses.includes(grpcStatus) ? Outcome.Failure : Outcome.Success;
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
  for (let i = 0; i < UPSTREAM_FAILURE_DETAILS.length; i++) {
    if (isDetail(details, unchecked(UPSTREAM_FAILURE_DETAILS[i]))) return Outcome.Failure;
  }
  let reasonAt = -1;
  if (isDetail(details, RESET_BEFORE_RESPONSE)) reasonAt = RESET_BEFORE_RESPONSE.length + 1;
  else if (isDetail(details, RESET_AFTER_RESPONSE)) reasonAt = RESET_AFTER_RESPONSE.length + 1;
  if (reasonAt < 0) return Outcome.Ignored;
  for (let i = 0; i < UPSTREAM_RESET_REASONS.length; i++) {
    const reason = unchecked(UPSTREAM_RESET_REASONS[i]);
    const end = reasonAt + reason.length;
    if (end < details.length && details.startsWith(reason, reasonAt) && endsReason(details.charCodeAt(end))) {
      return Outcome.Failure;
    }
  }
  return Outcome.Ignored;
}

/** `details` is `name`, alone or followed by `{`. */
function isDetail(details: string, name: string): bool {
  const n = name.length;
  return details.startsWith(name) && (details.length == n || details.charCodeAt(n) == 0x7b);
}

/** `}`, or the separator before a transport failure reason: `,` (older Envoy) or `|`. */
// @ts-ignore: decorator
@inline function endsReason(c: i32): bool {
  return c == 0x7d || c == 0x2c || c == 0x7c;
}
