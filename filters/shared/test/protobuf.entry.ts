// Test entry for protobuf.ts: envoy.service.ratelimit.v3 messages built and read with the
// primitives, and a generic field listing. Bytes cross as byte strings.
import { bufferToString, stringToBuffer } from "../bytes";
import { ProtoReader, ProtoWriter, WireType } from "../protobuf";

/** RateLimitRequest{domain, descriptors: [{entries: [{key, value}]}], hits_addend}. */
export function rateLimitRequest(domain: string, key: string, value: string, hitsAddend: u32): string {
  const w = new ProtoWriter(8); // small on purpose: exercises growth
  w.string(1, domain);
  const descriptor = w.beginMessage(2);
  const entry = w.beginMessage(1);
  w.string(1, key);
  w.string(2, value);
  w.endMessage(entry);
  w.endMessage(descriptor);
  if (hitsAddend != 0) w.varint(3, hitsAddend);
  return bufferToString(w.finish());
}

/** Every primitive once: varint (incl. a negative int64), fixed32, fixed64, bytes, empty message. */
export function primitives(): string {
  const w = new ProtoWriter();
  w.varint(1, 300);
  w.varint(2, <u64>(-1 as i64));
  w.fixed32(3, 0x01020304);
  w.fixed64(4, 0x0102030405060708);
  w.bytes(5, stringToBuffer("ab"));
  w.endMessage(w.beginMessage(6));
  w.varint(536870911, 1); // the largest field number
  return bufferToString(w.finish());
}

/** Lists fields as "field:wire:value" (varint/fixed as decimal, length-delimited as the quoted
 *  byte string), space-separated, then " error" when the input is malformed. */
/** A reader over `bytes` (kept alive in `input` while it reads). */
let input = new ArrayBuffer(0);
function readerOf(bytes: string): ProtoReader {
  input = stringToBuffer(bytes);
  const r = new ProtoReader();
  r.readAt(changetype<usize>(input), input.byteLength, 0, input.byteLength);
  return r;
}

export function fields(bytes: string): string {
  const r = readerOf(bytes);
  let out = "";
  while (r.next()) {
    if (out.length > 0) out += " ";
    out += r.field.toString() + ":" + r.wireType.toString() + ":";
    out += r.wireType == WireType.Len ? "\"" + r.string() + "\"" : r.value.toString();
  }
  return r.error ? out + (out.length > 0 ? " error" : "error") : out;
}

/** Summary of a RateLimitResponse: overall code, then per status code/limit/remaining/reset
 *  seconds, then response headers; "error" when malformed. */
export function rateLimitResponse(bytes: string): string {
  const r = readerOf(bytes);
  let out = "";
  while (r.next()) {
    if (r.field == 1 && r.wireType == WireType.Varint) out += "overall=" + r.value.toString();
    else if (r.field == 2 && r.wireType == WireType.Len) out += " status{" + descriptorStatus(r.message()) + "}";
    else if (r.field == 3 && r.wireType == WireType.Len) out += " header{" + headerValue(r.message()) + "}";
  }
  return r.error ? "error" : out;
}

function descriptorStatus(r: ProtoReader): string {
  let out = "";
  while (r.next()) {
    if (r.field == 1 && r.wireType == WireType.Varint) out += "code=" + r.value.toString();
    else if (r.field == 2 && r.wireType == WireType.Len) {
      const limit = r.message();
      while (limit.next()) {
        if (limit.field == 1) out += " rpu=" + limit.value.toString();
        else if (limit.field == 2) out += " unit=" + limit.value.toString();
        else if (limit.field == 3) out += " name=" + limit.string();
      }
      if (limit.error) return "error";
    } else if (r.field == 3 && r.wireType == WireType.Varint) out += " remaining=" + r.value.toString();
    else if (r.field == 4 && r.wireType == WireType.Len) {
      const d = r.message();
      while (d.next()) if (d.field == 1) out += " reset=" + d.value.toString() + "s";
      if (d.error) return "error";
    }
  }
  return r.error ? "error" : out;
}

function headerValue(r: ProtoReader): string {
  let key = "";
  let value = "";
  while (r.next()) {
    if (r.field == 1 && r.wireType == WireType.Len) key = r.string();
    else if (r.field == 2 && r.wireType == WireType.Len) value = r.string();
  }
  return r.error ? "error" : key + ": " + value;
}
