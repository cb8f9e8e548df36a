// Unary gRPC calls through the host (Envoy's gRPC client to a configured cluster) and their
// response message, read in place. The SDK's proxy_grpc_call declaration has 10 parameters; the
// host's has 12 (with initial metadata), so it is declared here under another name.
import { proxy_get_buffer_bytes } from "@gcoredev/proxy-wasm-sdk-as/assembly/imports";
import { bufferLength } from "./bytes";
import { hostFree } from "./host-memory";

// @ts-ignore: decorator
@external("env", "proxy_grpc_call")
declare function proxy_grpc_call_with_metadata(
  service_ptr: usize, service_len: usize,
  service_name_ptr: usize, service_name_len: usize,
  method_ptr: usize, method_len: usize,
  initial_metadata_ptr: usize, initial_metadata_len: usize,
  message_ptr: usize, message_len: usize,
  timeout_ms: u32, ret_token_ptr: usize,
): u32;

// @ts-ignore: decorator
@inline const GRPC_CALL_MESSAGE = 5;

// The call's token (u32), then where the host returns a buffer: u32 pointer, u32 length.
const scratch = memory.data(12);

/**
 * Starts a unary call of `service`/`method` (e.g. "envoy.service.ratelimit.v3.RateLimitService",
 * "ShouldRateLimit") on `cluster`, names encoded once, with the serialized request of `length`
 * bytes at `message`, without initial metadata. Returns the host status: 0 (Ok, the call's token
 * is then callToken()), or Envoy's failure (ParseFailure 4 for an unknown cluster, BadArgument 2,
 * InternalFailure 10). The response arrives in the root context's gRPC callbacks for the token.
 * `timeoutMs` 0 means no timeout.
 */
export function grpcCall(cluster: ArrayBuffer, service: ArrayBuffer, method: ArrayBuffer, message: usize, length: i32,
  timeoutMs: u32): u32 {
  store<u32>(scratch, 0);
  return proxy_grpc_call_with_metadata(
    changetype<usize>(cluster), bufferLength(cluster),
    changetype<usize>(service), bufferLength(service),
    changetype<usize>(method), bufferLength(method),
    scratch + 4, 0,
    message, length,
    timeoutMs, scratch);
}

/** The token of the call grpcCall() started last. */
export function callToken(): u32 {
  return load<u32>(scratch);
}

/** Reads the response message of a gRPC call (`size` as given to the receive callback) into a
 *  host block: its length, or -1 when unavailable. The bytes are at responsePtr() until
 *  releaseResponse(). */
export function readResponse(size: u32): i32 {
  store<u64>(scratch, 0, 4);
  if (proxy_get_buffer_bytes(GRPC_CALL_MESSAGE, 0, size, scratch + 4, scratch + 8) != 0) return -1;
  return <i32>load<u32>(scratch, 8);
}

export function responsePtr(): usize {
  return <usize>load<u32>(scratch, 4);
}

export function releaseResponse(): void {
  hostFree(responsePtr());
  store<u32>(scratch, 0, 4);
}
