// The few header values read on every request, parsed straight from the host's block (no string
// is built): the response :status and grpc-status.
import { proxy_get_header_map_value } from "@gcoredev/proxy-wasm-sdk-as/assembly/imports";
import { stringToBuffer } from "../shared/bytes";
import { HeaderMap } from "../shared/headers";
import { MAX_STATUS, MIN_STATUS } from "./status-ranges";
import { hostFree } from "../shared/host-memory";

const STATUS = stringToBuffer(":status");
const GRPC_STATUS = stringToBuffer("grpc-status");

// Host results: u32 pointer, u32 length.
const returned = memory.data(8);

/** Reads header `name` of `map`; true with the value at (valuePtr(), valueLen()) to free. */
function read(map: i32, name: ArrayBuffer): bool {
  store<u64>(returned, 0);
  return proxy_get_header_map_value(map, changetype<usize>(name), name.byteLength, returned, returned + 4) == 0;
}

// @ts-ignore: decorator
@inline function valuePtr(): usize { return <usize>load<u32>(returned); }
// @ts-ignore: decorator
@inline function valueLen(): usize { return <usize>load<u32>(returned, 4); }

function release(): void {
  const ptr = valuePtr();
  hostFree(ptr);
}

/** The decimal number of `len` digits at `ptr` (1..3 digits), or -1. */
function smallNumber(ptr: usize, len: usize): i32 {
  if (len == 0 || len > 3) return -1;
  let v = 0;
  for (let i: usize = 0; i < len; i++) {
    const d = <i32>load<u8>(ptr + i) - 0x30;
    if (d < 0 || d > 9) return -1;
    v = v * 10 + d;
  }
  return v;
}

/** The response :status (three digits, 100..599), or -1 when absent or garbage. */
export function responseStatus(): i32 {
  if (!read(HeaderMap.ResponseHeaders, STATUS)) return -1;
  const status = valueLen() == 3 ? smallNumber(valuePtr(), 3) : -1;
  release();
  return status >= MIN_STATUS && status <= MAX_STATUS ? status : -1;
}

/** grpc-status from the response trailers, else the headers (trailers-only): 0..16, or -1. */
export function responseGrpcStatus(): i32 {
  if (!read(HeaderMap.ResponseTrailers, GRPC_STATUS) && !read(HeaderMap.ResponseHeaders, GRPC_STATUS)) return -1;
  const status = smallNumber(valuePtr(), min<usize>(valueLen(), 4));
  release();
  return status <= 16 ? status : -1;
}
