// What a finished call was: a success, a failure, or not counted at all.
import { FailurePolicy } from "./config";

export const enum Outcome { Success, Failure, Ignored }

// Envoy StreamInfo::ResponseFlag bits (response.flags) that mean the upstream failed the call.
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

export const UPSTREAM_FAILURE_FLAGS: i64 = UPSTREAM_REQUEST_TIMEOUT | UPSTREAM_REMOTE_RESET |
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

/** A stream that ended without a response status: an upstream failure when Envoy's response
 *  flags say so (and the policy counts those), otherwise a cancelled or unknown stream. */
export function classifyNoResponse(flags: i64, policy: FailurePolicy): Outcome {
  return policy.upstreamFailures && (flags & UPSTREAM_FAILURE_FLAGS) != 0 ? Outcome.Failure : Outcome.Ignored;
}
