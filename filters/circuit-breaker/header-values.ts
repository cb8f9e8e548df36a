// The few header values read on every request, parsed in place (shared/host-values.ts, no string
// is built): the response :status and grpc-status.
import { stringToBuffer } from "../shared/bytes";
import { HeaderMap } from "../shared/headers";
import { readHeader, releaseValue, valuePtr } from "../shared/host-values";
import { MAX_STATUS, MIN_STATUS } from "./status-ranges";

const STATUS = stringToBuffer(":status");
const GRPC_STATUS = stringToBuffer("grpc-status");

/** The decimal number of `len` digits at `ptr` (1..3 digits), or -1. */
function smallNumber(ptr: usize, len: i32): i32 {
  if (len <= 0 || len > 3) return -1;
  let v = 0;
  for (let i = 0; i < len; i++) {
    const d = <i32>load<u8>(ptr + <usize>i) - 0x30;
    if (d < 0 || d > 9) return -1;
    v = v * 10 + d;
  }
  return v;
}

/** The number of the three decimal digits at `ptr`, or -1. */
function threeDigits(ptr: usize): i32 {
  const a = <u32>load<u8>(ptr) - 0x30;
  const b = <u32>load<u8>(ptr, 1) - 0x30;
  const c = <u32>load<u8>(ptr, 2) - 0x30;
  return a > 9 || b > 9 || c > 9 ? -1 : <i32>(a * 100 + b * 10 + c);
}

/** The response :status (three digits, 100..599), or -1 when absent or garbage. */
export function responseStatus(): i32 {
  const len = readHeader(HeaderMap.ResponseHeaders, STATUS);
  const status = len == 3 ? threeDigits(valuePtr()) : -1;
  releaseValue();
  return status >= MIN_STATUS && status <= MAX_STATUS ? status : -1;
}

/** grpc-status from the response trailers, else the headers (trailers-only): 0..16, or -1. */
export function responseGrpcStatus(): i32 {
  let len = readHeader(HeaderMap.ResponseTrailers, GRPC_STATUS);
  if (len < 0) len = readHeader(HeaderMap.ResponseHeaders, GRPC_STATUS);
  const status = len < 0 ? -1 : smallNumber(valuePtr(), min(len, 4));
  releaseValue();
  return status <= 16 ? status : -1;
}
