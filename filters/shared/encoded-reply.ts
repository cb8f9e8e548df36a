// A local reply encoded once, at configure time: status, details, body and headers in the host's
// pairs layout (u32 N, N x (u32 name length, u32 value length), N x (name NUL value NUL)), with
// the value of the last header left open: it sits at the very end of the layout, so a request
// writes it in place (digits, or bytes copied) and patches its length, moving nothing else.
// A reply whose headers are all fixed is sent as encoded.
import { proxy_send_local_response } from "@gcoredev/proxy-wasm-sdk-as/assembly/imports";
import { bufferLength, stringToBuffer, writeString } from "./bytes";
import { writeDecimal } from "./number-text";

/** Room for the longest decimal u64. */
// @ts-ignore: decorator
@inline const DIGITS = 20;

export class EncodedReply {
  private readonly details: ArrayBuffer;
  private readonly body: ArrayBuffer;
  /** The layout, with room for the open value (`valueRoom` bytes) and its NUL. */
  private readonly layout: ArrayBuffer;
  /** Where the open value starts in `layout` (its length with no open value). */
  private readonly valueStart: i32;
  private readonly valueRoom: i32;
  /** The length of the layout with the open value written so far. */
  private end: i32;

  /** `headers`: the `count` fixed headers as `name NUL value NUL` each (names lowercase; a header
   *  list with a NUL inside a name or value is not sent at all); `openName`: the header whose value
   *  each reply writes, sent last ("" for none), at most `openLength` bytes long (digits always
   *  fit). */
  constructor(private readonly status: u32, details: string, body: string, headers: string, count: i32, openName: string,
    openLength: i32 = DIGITS) {
    this.details = stringToBuffer(details);
    this.body = stringToBuffer(body);
    let nuls = 0;
    for (let i = 0, n = headers.length; i < n; i++) if (headers.charCodeAt(i) == 0) nuls++;
    if (nuls != 2 * count) {
      headers = "";
      count = 0;
    }
    const open = openName.length > 0;
    const text = open ? headers + openName + "\0" : headers; // the open value is not there yet
    if (open) count++;
    const n = text.length;
    const start = 4 + count * 8;
    const room = open ? max(openLength, DIGITS) + 1 : 0; // the open value and its NUL
    const layout = new ArrayBuffer(start + n + room);
    const base = changetype<usize>(layout);
    store<u32>(base, count);
    // the lengths of names and values, in order (the open value's is set by send())
    for (let i = 0, field = 0, from = 0; i < n; i++) {
      if (text.charCodeAt(i) != 0) continue;
      store<u32>(base + 4 + <usize>field * 4, i - from);
      field++;
      from = i + 1;
    }
    writeString(text, base + <usize>start);
    this.layout = layout;
    this.valueRoom = open ? room - 1 : 0;
    this.valueStart = start + n;
    this.end = this.valueStart;
  }

  /** Starts a reply: the open value is empty. */
  // @ts-ignore: decorator
  @inline begin(): void {
    this.end = this.valueStart;
  }

  /** Appends `value` in decimal to the open value. */
  decimal(value: u64): void {
    if (this.end - this.valueStart + DIGITS > this.valueRoom) return;
    this.end = <i32>(writeDecimal(changetype<usize>(this.layout) + <usize>this.end, value) - changetype<usize>(this.layout));
  }

  /** Appends `n` bytes at `p` to the open value (what does not fit is left out). */
  bytes(p: usize, n: i32): void {
    n = min(n, this.valueRoom - (this.end - this.valueStart));
    memory.copy(changetype<usize>(this.layout) + <usize>this.end, p, <usize>n);
    this.end += n;
  }

  /** Sends the reply; `grpcStatus` 0..16 adds a grpc-status (gRPC requests), -1 none. Returns the
   *  host status (0 = Ok); the reply goes out after the current callback returns. */
  send(grpcStatus: i32): u32 {
    const base = changetype<usize>(this.layout);
    let length = this.end;
    if (this.valueRoom > 0) {
      store<u32>(base + <usize>load<u32>(base) * 8, length - this.valueStart); // the last value's length
      store<u8>(base + <usize>length, 0);
      length++;
    }
    const details = this.details;
    const body = this.body;
    return proxy_send_local_response(this.status,
      changetype<usize>(details), bufferLength(details),
      changetype<usize>(body), bufferLength(body),
      base, length,
      grpcStatus < 0 ? 0xffffffff : <u32>grpcStatus);
  }
}
