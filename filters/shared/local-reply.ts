// Local replies (the proxy answers instead of the upstream) and gRPC request detection.
// A configured reply (the shared LocalReply shape, docs/config.md) is compiled at configure time
// into the bytes the host call takes: status, details, body, the headers already in the host's
// pairs layout, and the gRPC status. Per-request headers (a retry-after number, a decision) are
// written into reused buffers (ReplyHeaders), so sending builds no string.
import { proxy_send_local_response } from "@gcoredev/proxy-wasm-sdk-as/assembly/imports";
import { asciiLower, bytesEqualString, stringToBuffer, writeString } from "./bytes";
import { LocalReply as Fields, ReplyHeader } from "./config-schema";
import { field, items, num, text } from "./config-walker";
import { HeaderList, HeaderMap } from "./headers";
import { readHeader, releaseValue, valueByte, valuePtr } from "./host-values";
import { JsonValue } from "./json";

const CONTENT_TYPE = stringToBuffer("content-type");
const GRPC_CONTENT_TYPE = "application/grpc";

/** gRPC status value meaning "send no grpc-status header". */
export const NO_GRPC_STATUS: i32 = -1;

/** A growable byte buffer, reused: it allocates only to grow. */
class Bytes {
  buffer: ArrayBuffer = new ArrayBuffer(256);
  length: i32 = 0;

  /** Room for `n` more bytes; the address to write them at. */
  reserve(n: i32): usize {
    const need = this.length + n;
    if (need > this.buffer.byteLength) {
      const bigger = new ArrayBuffer(max(need, this.buffer.byteLength << 1));
      memory.copy(changetype<usize>(bigger), changetype<usize>(this.buffer), <usize>this.length);
      this.buffer = bigger;
    }
    const at = changetype<usize>(this.buffer) + <usize>this.length;
    this.length = need;
    return at;
  }

  /** Appends `n` bytes from `p`. */
  append(p: usize, n: i32): void {
    memory.copy(this.reserve(n), p, <usize>n);
  }

  get start(): usize { return changetype<usize>(this.buffer); }
}

/** Header pairs in the host's layout, kept as their sizes (u32 name and value length each) and
 *  their data (name, 0, value, 0 each). */
export class ReplyHeaders {
  count: i32 = 0;
  readonly sizes: Bytes = new Bytes();
  readonly data: Bytes = new Bytes();

  /** Forgets the pairs (the buffers stay). */
  clear(): ReplyHeaders {
    this.count = 0;
    this.sizes.length = 0;
    this.data.length = 0;
    return this;
  }

  /** Adds `name` (encoded, lowercase) with the value `valueLength` bytes long written by the caller
   *  at the returned address. */
  private pair(name: ArrayBuffer, valueLength: i32): usize {
    const sizes = this.sizes.reserve(8);
    store<u32>(sizes, name.byteLength);
    store<u32>(sizes, valueLength, 4);
    this.data.append(changetype<usize>(name), name.byteLength);
    store<u8>(this.data.reserve(1), 0);
    const value = this.data.reserve(valueLength + 1);
    store<u8>(value + <usize>valueLength, 0);
    this.count++;
    return value;
  }

  add(name: ArrayBuffer, value: ArrayBuffer): ReplyHeaders {
    memory.copy(this.pair(name, value.byteLength), changetype<usize>(value), <usize>value.byteLength);
    return this;
  }

  addString(name: ArrayBuffer, value: string): ReplyHeaders {
    writeString(value, this.pair(name, value.length));
    return this;
  }

  /** Adds `value` in decimal. */
  addNumber(name: ArrayBuffer, value: u64): ReplyHeaders {
    let digits = 1;
    for (let v = value; v >= 10; v /= 10) digits++;
    let at = this.pair(name, digits) + <usize>digits;
    do {
      store<u8>(--at, <u8>(0x30 + value % 10));
      value /= 10;
    } while (value != 0);
    return this;
  }

  /** Adds every pair of `list` (names lowercased as the host does). */
  addList(list: HeaderList): ReplyHeaders {
    for (let i = 0; i < list.length; i++) this.addString(stringToBuffer(asciiLower(list.names[i])), list.values[i]);
    return this;
  }
}

/** The pairs layout of the headers of a reply sent with extra headers: reused by every reply of
 *  the VM. */
const wire = new Bytes();

/** A configured reply, compiled: status, body, details and its headers already in the host's
 *  pairs layout (u32 N, N x (u32 name length, u32 value length), N x (name NUL value NUL)), so a
 *  reply without per-request headers is sent as it is, with every length known. */
export class LocalReply {
  readonly pairs: ArrayBuffer;
  /** The layout's length, 0 without headers. */
  readonly pairsLength: i32;
  readonly count: i32;
  readonly body: ArrayBuffer;
  readonly bodyLength: i32;
  readonly details: ArrayBuffer;
  readonly detailsLength: i32;
  /** The gRPC status sent to gRPC requests: 0..16, or 0xffffffff for none. */
  readonly grpcCode: u32;

  constructor(readonly status: u32, body: string, grpcStatus: i32, details: string, headers: ReplyHeaders) {
    this.body = stringToBuffer(body);
    this.bodyLength = body.length;
    this.details = stringToBuffer(details);
    this.detailsLength = details.length;
    this.grpcCode = grpcStatus < 0 ? 0xffffffff : <u32>grpcStatus;
    const count = headers.count;
    const sizes = headers.sizes.length;
    const data = headers.data.length;
    const pairs = new ArrayBuffer(4 + sizes + data);
    const at = changetype<usize>(pairs);
    store<u32>(at, count);
    memory.copy(at + 4, headers.sizes.start, <usize>sizes);
    memory.copy(at + 4 + <usize>sizes, headers.data.start, <usize>data);
    this.pairs = pairs;
    this.pairsLength = count == 0 ? 0 : 4 + sizes + data;
    this.count = count;
  }

  /** Sends the reply with its configured headers, and the gRPC status when `grpc` (it goes out
   *  after the current callback returns). Returns the host status (0 = Ok). */
  send(grpc: bool): u32 {
    return proxy_send_local_response(this.status,
      changetype<usize>(this.details), this.detailsLength,
      changetype<usize>(this.body), this.bodyLength,
      changetype<usize>(this.pairs), this.pairsLength,
      grpc ? this.grpcCode : 0xffffffff);
  }

  /** send(), with `extra`'s headers before the configured ones; `details` replaces the configured
   *  response code details unless null. */
  sendWith(grpc: bool, extra: ReplyHeaders, details: ArrayBuffer | null): u32 {
    const pairs = changetype<usize>(this.pairs);
    const ownSizes = <i32>this.count << 3;
    wire.length = 0;
    store<u32>(wire.reserve(4), this.count + extra.count);
    wire.append(extra.sizes.start, extra.sizes.length);
    wire.append(pairs + 4, ownSizes);
    wire.append(extra.data.start, extra.data.length);
    wire.append(pairs + 4 + <usize>ownSizes, this.pairs.byteLength - 4 - ownSizes);
    const d = details === null ? this.details : changetype<ArrayBuffer>(details);
    return proxy_send_local_response(this.status,
      changetype<usize>(d), details === null ? this.detailsLength : d.byteLength,
      changetype<usize>(this.body), this.bodyLength,
      wire.start, wire.length,
      grpc ? this.grpcCode : 0xffffffff);
  }
}

/** The reply configured in `obj` (a checked LocalReply, or null), with the filter's defaults for
 *  what it leaves out; `details` is the response code details. */
export function compileReply(obj: JsonValue | null, status: u32, body: string, grpcStatus: i32, details: string): LocalReply {
  const headers = new ReplyHeaders();
  const list = items(obj, Fields.headers);
  for (let i = 0; i < list.length; i++) {
    const h = list[i];
    headers.addString(stringToBuffer(asciiLower(text(h, ReplyHeader.name))), text(h, ReplyHeader.value));
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
