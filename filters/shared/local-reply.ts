// Local replies (the proxy answers instead of the upstream) and gRPC request detection.
import { proxy_send_local_response } from "@gcoredev/proxy-wasm-sdk-as/assembly/imports";
import { bytesEqualString, stringToBuffer } from "./bytes";
import { HeaderPairs } from "./header-pairs";
import { HeaderMap } from "./headers";
import { readHeader, releaseValue, valueByte, valuePtr } from "./host-values";

const CONTENT_TYPE = stringToBuffer("content-type");
const GRPC_CONTENT_TYPE = "application/grpc";
/** Where an empty header list points (static memory: no object to initialize or mark). */
const NO_HEADERS = memory.data(4);

/** gRPC status value meaning "send no grpc-status header". */
export const NO_GRPC_STATUS: i32 = -1;

/**
 * Sends a local reply with HTTP `status`. `details` becomes the response code details (Envoy
 * replaces whitespace with `_`); `details` and `body` are encoded once (configure time), `headers`
 * (a finished list) may be null. `grpcStatus` 0..16 adds a grpc-status (for gRPC requests); NO_GRPC_STATUS (-1)
 * sends none. Returns the host status (0 = Ok); the reply goes out after the current callback
 * returns, whatever it returns.
 */
export function sendLocalReply(status: u32, details: ArrayBuffer, body: ArrayBuffer, headers: HeaderPairs | null,
  grpcStatus: i32): u32 {
  let pairs = NO_HEADERS;
  let pairsLength = 0;
  if (headers !== null) {
    pairs = headers.ptr;
    pairsLength = headers.length;
  }
  return proxy_send_local_response(status,
    changetype<usize>(details), details.byteLength,
    changetype<usize>(body), body.byteLength,
    pairs, pairsLength,
    grpcStatus < 0 ? 0xffffffff : <u32>grpcStatus);
}

/** Whether the request's `content-type` marks it as gRPC, as Envoy's
 *  Grpc::Common::hasGrpcContentType: `application/grpc` alone or followed by `+` or `;` (e.g.
 *  `application/grpc+proto`). Reads the header in place: one host call, no allocation. */
export function isGrpcRequest(): bool {
  const n = readHeader(HeaderMap.RequestHeaders, CONTENT_TYPE);
  const m = GRPC_CONTENT_TYPE.length;
  let grpc = n >= m && bytesEqualString(valuePtr(), GRPC_CONTENT_TYPE, 0, m);
  if (grpc && n > m) {
    const next = valueByte(m);
    grpc = next == 0x2b || next == 0x3b;
  }
  releaseValue();
  return grpc;
}
