// Envoy's rate limit service (envoy.service.ratelimit.v3.RateLimitService/ShouldRateLimit):
// the request message for one rule's descriptor and the parts of the reply the filter uses.
//   RateLimitRequest { domain = 1; repeated RateLimitDescriptor descriptors = 2 { repeated Entry
//   entries = 1 { key = 1; value = 2 } }; uint32 hits_addend = 3 }
//   RateLimitResponse { Code overall_code = 1 (UNKNOWN 0, OK 1, OVER_LIMIT 2); ...;
//   repeated HeaderValue response_headers_to_add = 3 { key = 1; value = 2 }; request_headers_to_add = 4 }
import { HeaderList } from "../shared/headers";
import { ProtoReader, ProtoWriter, WireType } from "../shared/protobuf";

export const RLS_SERVICE = "envoy.service.ratelimit.v3.RateLimitService";
export const RLS_METHOD = "ShouldRateLimit";

// @ts-ignore: decorator
@inline const OVER_LIMIT: u64 = 2;

const writer = new ProtoWriter(512);

/** The request for one descriptor: entries `names[i]` = `values[i]`, `hits` tokens. */
export function encodeRateLimitRequest(domain: string, names: string[], values: string[], hits: u64): ArrayBuffer {
  writer.reset();
  writer.string(1, domain);
  const descriptor = writer.beginMessage(2);
  for (let i = 0, n = names.length; i < n; i++) {
    const entry = writer.beginMessage(1);
    writer.string(1, unchecked(names[i]));
    writer.string(2, unchecked(values[i]));
    writer.endMessage(entry);
  }
  writer.endMessage(descriptor);
  writer.varint(3, hits);
  return writer.finish();
}

/** What the filter takes from a RateLimitResponse; `valid` false when it does not decode. */
export class RateLimitReply {
  valid: bool = true;
  overLimit: bool = false;
  responseHeaders: HeaderList = new HeaderList();
  requestHeaders: HeaderList = new HeaderList();
}

export function decodeRateLimitResponse(data: ArrayBuffer): RateLimitReply {
  const reply = new RateLimitReply();
  const r = new ProtoReader(data);
  while (r.next()) {
    if (r.field == 1 && r.wireType == WireType.Varint) reply.overLimit = r.value == OVER_LIMIT;
    else if ((r.field == 3 || r.field == 4) && r.wireType == WireType.Len) {
      if (!readHeader(r.message(), r.field == 3 ? reply.responseHeaders : reply.requestHeaders)) reply.valid = false;
    }
  }
  if (r.error) reply.valid = false;
  return reply;
}

/** Adds a HeaderValue {key, value} to `out`; false when malformed or without a key. */
function readHeader(r: ProtoReader, out: HeaderList): bool {
  let key = "";
  let value = "";
  while (r.next()) {
    if (r.wireType != WireType.Len) continue;
    if (r.field == 1) key = r.string();
    else if (r.field == 2) value = r.string();
  }
  if (r.error || key.length == 0) return false;
  out.add(key, value);
  return true;
}
