// Unary gRPC calls through the host (Envoy's gRPC client to a configured cluster), their response
// message, and the host status of the last call. The SDK's proxy_grpc_call declaration has 10
// parameters; the host's has 12 (with initial metadata), so it is declared here under another name.
import { proxy_get_buffer_bytes, proxy_get_status } from "@gcoredev/proxy-wasm-sdk-as/assembly/imports";
import { bytesToString, stringToBuffer } from "./bytes";
import { HeaderList } from "./headers";
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

const scratch = memory.data(12);

/** The outcome of starting a call: `status` 0 (Ok) with the call's `token`, or the host failure
 *  (Envoy: ParseFailure 4 for an unknown cluster, BadArgument 2, InternalFailure 10). */
export class GrpcCallResult {
  constructor(public status: u32, public token: u32) {}
}

/** A host status code with its message (e.g. 14 "upstream connect error"). */
export class HostStatus {
  constructor(public code: u32, public message: string) {}
}

/**
 * Starts a unary call of `service`/`method` (e.g. "envoy.service.ratelimit.v3.RateLimitService",
 * "ShouldRateLimit") on `cluster` with the serialized request `message`. The response arrives in
 * the root context's gRPC callbacks for the returned token. `timeoutMs` 0 means no timeout.
 */
export function grpcCall(cluster: string, service: string, method: string, metadata: HeaderList | null,
  message: ArrayBuffer, timeoutMs: u32): GrpcCallResult {
  const clusterBytes = stringToBuffer(cluster);
  const serviceBytes = stringToBuffer(service);
  const methodBytes = stringToBuffer(method);
  const metadataBytes = metadata === null ? new ArrayBuffer(0) : metadata.serialize();
  store<u32>(scratch, 0);
  const status = proxy_grpc_call_with_metadata(
    changetype<usize>(clusterBytes), clusterBytes.byteLength,
    changetype<usize>(serviceBytes), serviceBytes.byteLength,
    changetype<usize>(methodBytes), methodBytes.byteLength,
    changetype<usize>(metadataBytes), metadataBytes.byteLength,
    changetype<usize>(message), message.byteLength,
    timeoutMs, scratch);
  return new GrpcCallResult(status, status == 0 ? load<u32>(scratch) : 0);
}

/** The response message of a gRPC call (`size` as given to the receive callback), or null when
 *  unavailable. */
export function grpcResponseMessage(size: u32): ArrayBuffer | null {
  store<u64>(scratch, 0);
  if (proxy_get_buffer_bytes(GRPC_CALL_MESSAGE, 0, size, scratch, scratch + 4) != 0) return null;
  const ptr = <usize>load<u32>(scratch);
  const len = <i32>load<u32>(scratch, 4);
  const data = new ArrayBuffer(len);
  if (ptr != 0) {
    memory.copy(changetype<usize>(data), ptr, <usize>len);
    hostFree(ptr);
  }
  return data;
}

/** The host status of the last call on the root context (e.g. the gRPC status in
 *  proxy_on_grpc_close); code 10 (InternalFailure) with no message when it cannot be read. */
export function getStatus(): HostStatus {
  store<u32>(scratch, 0);
  store<u64>(scratch, 0, 4);
  if (proxy_get_status(scratch, scratch + 4, scratch + 8) != 0) return new HostStatus(10, "");
  const ptr = <usize>load<u32>(scratch, 4);
  const message = bytesToString(ptr, <usize>load<u32>(scratch, 8));
  hostFree(ptr);
  return new HostStatus(load<u32>(scratch), message);
}
