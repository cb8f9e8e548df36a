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
  if (isUpstreamFailureDetail(details)) return Outcome.Failure;
  // router resets, `<detail>{<reason>[,|<transport failure>]}`: the reason decides
  let reasonAt = reasonOffset(details, "upstream_reset_before_response_started");
  if (reasonAt < 0) reasonAt = reasonOffset(details, "upstream_reset_after_response_started");
  return reasonAt >= 0 && isUpstreamResetReason(details, reasonAt) ? Outcome.Failure : Outcome.Ignored;
}

// The names are compared in code rather than held in module-level arrays, which the collector
// would mark (every string of them) on each collection.

/** Envoy response code details that mean the upstream failed the call (a `{...}` suffix
 *  allowed: `no_healthy_upstream{...}` still matches). */
function isUpstreamFailureDetail(details: string): bool {
  return isDetail(details, "upstream_response_timeout") || // UT: the route timeout
    isDetail(details, "upstream_per_try_timeout") || // UT: the last try's per-try timeout
    isDetail(details, "upstream_per_try_idle_timeout") || // UT
    isDetail(details, "no_healthy_upstream") || // UH
    isDetail(details, "upstream_max_stream_duration_reached"); // max stream duration
}

/** The reset reason at `at` is one Envoy's router maps to an upstream failure flag:
 *  Http::Utility::resetReasonToString with spaces as `_` (local resets map to LR and overload
 *  manager resets to OM: not counted). */
function isUpstreamResetReason(details: string, at: i32): bool {
  return isReason(details, at, "connection_failure") || // UF (older Envoy, before the local/remote split)
    isReason(details, at, "local_connection_failure") || // UF
    isReason(details, at, "remote_connection_failure") || // UF
    isReason(details, at, "connection_timeout") || // UF
    isReason(details, at, "connection_termination") || // UC
    isReason(details, at, "remote_reset") || // UR
    isReason(details, at, "remote_refused_stream_reset") || // UR
    isReason(details, at, "remote_error_with_CONNECT_request") || // UR
    isReason(details, at, "overflow") || // UO
    isReason(details, at, "protocol_error"); // UPE
}

/** `details` has `reason` at `at`, ended by `}` or a transport failure separator. */
function isReason(details: string, at: i32, reason: string): bool {
  const end = at + reason.length;
  return end < details.length && details.startsWith(reason, at) && endsReason(details.charCodeAt(end));
}

/** Where the reason inside `{...}` starts when `details` is the reset detail `name`, else -1. */
function reasonOffset(details: string, name: string): i32 {
  return isDetail(details, name) ? name.length + 1 : -1;
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
