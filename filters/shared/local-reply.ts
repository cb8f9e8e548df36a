// Local replies (the proxy answers instead of the upstream) and gRPC request detection.
// A configured reply (the shared LocalReply shape, docs/config.md) is read at configure time into
// a LocalReply; each filter then encodes it once for its request path (shared/encoded-reply.ts,
// or a reused HeaderPairs with per-request headers), so sending builds no string.
import { proxy_send_local_response } from "@gcoredev/proxy-wasm-sdk-as/assembly/imports";
import { asciiLower, bytesEqualString, stringToBuffer } from "./bytes";
import { LocalReply as Fields, ReplyHeader } from "./config-schema";
import { field, items, num, text } from "./config-walker";
import { HeaderPairs } from "./header-pairs";
import { HeaderList, HeaderMap } from "./headers";
import { readHeader, releaseValue, valueByte, valuePtr } from "./host-values";
import { JsonValue } from "./json";

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

/** A configured reply (the shared LocalReply shape, or a filter's defaults), as configured: each
 *  filter encodes it for its request path (shared/encoded-reply.ts, or a reused HeaderPairs). */
export class LocalReply {
  constructor(readonly status: u32, readonly body: string, readonly grpcStatus: i32, readonly details: string,
    readonly headers: HeaderList) {}

  /** The headers as EncodedReply takes them: `name NUL value NUL` each. */
  headerText(): string {
    let out = "";
    for (let i = 0, n = this.headers.length; i < n; i++) out += this.headers.names[i] + "\0" + this.headers.values[i] + "\0";
    return out;
  }
}

/** The reply configured in `obj` (a checked LocalReply, or null), with the filter's defaults for
 *  what it leaves out; `details` is the response code details. Header names are lowercased. */
export function compileReply(obj: JsonValue | null, status: u32, body: string, grpcStatus: i32, details: string): LocalReply {
  const headers = new HeaderList();
  const list = items(obj, Fields.headers);
  for (let i = 0; i < list.length; i++) {
    const h = list[i];
    headers.add(asciiLower(text(h, ReplyHeader.name)), text(h, ReplyHeader.value));
  }
  return new LocalReply(
    field(obj, Fields.status) === null ? status : <u32>num(obj, Fields.status),
    field(obj, Fields.body) === null ? body : text(obj, Fields.body),
    field(obj, Fields.grpc_status) === null ? grpcStatus : <i32>num(obj, Fields.grpc_status),
    details, headers);
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
