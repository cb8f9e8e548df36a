import { beforeAll, describe, expect, it } from "vitest";
import { byteString, hex, loadTestModule } from "./load.js";

interface ProtobufModule {
  rateLimitRequest(domain: string, key: string, value: string, hitsAddend: number): string;
  primitives(): string;
  fields(bytes: string): string;
  rateLimitResponse(bytes: string): string;
}

let m: ProtobufModule;
beforeAll(async () => {
  m = await loadTestModule<ProtobufModule>("protobuf");
});

const bytes = (hexText: string) => byteString(hexText.split(" ").filter(Boolean).map((h) => parseInt(h, 16)));

describe("protobuf › writer", () => {
  it("encodes a RateLimitRequest with nested descriptor and entry", () => {
    // domain "edge"; descriptors[0].entries[0] = {key "k", value "v"}; hits_addend 1
    expect(hex(m.rateLimitRequest("edge", "k", "v", 1))).toBe(
      "0a 04 65 64 67 65 12 08 0a 06 0a 01 6b 12 01 76 18 01",
    );
  });

  it("writes a two-byte length when an embedded message reaches 128 bytes", () => {
    const value = "v".repeat(200);
    const encoded = m.rateLimitRequest("d", "k", value, 0);
    // entry = 0a 01 6b 12 c8 01 <200> = 206 bytes; descriptor = 0a ce 01 <206> = 209 bytes
    expect(hex(encoded.slice(0, 11))).toBe("0a 01 64 12 d1 01 0a ce 01 0a 01");
    expect(encoded.length).toBe(3 + 3 + 209);
    expect(m.fields(encoded)).toBe(`1:2:"d" 2:2:"${encoded.slice(6)}"`);
  });

  it("encodes every primitive", () => {
    expect(hex(m.primitives())).toBe(
      "08 ac 02 " + // 1: varint 300
        "10 ff ff ff ff ff ff ff ff ff 01 " + // 2: int64 -1 (ten bytes)
        "1d 04 03 02 01 " + // 3: fixed32
        "21 08 07 06 05 04 03 02 01 " + // 4: fixed64
        "2a 02 61 62 " + // 5: bytes "ab"
        "32 00 " + // 6: empty message
        "f8 ff ff ff 0f 01", // 536870911: varint 1
    );
  });
});

describe("protobuf › reader", () => {
  it("reads back every primitive", () => {
    expect(m.fields(m.primitives())).toBe(
      '1:0:300 2:0:18446744073709551615 3:5:16909060 4:1:72623859790382856 5:2:"ab" 6:2:"" 536870911:0:1',
    );
  });

  it("reads a RateLimitResponse, skipping fields it does not know", () => {
    const response = bytes(
      "08 02 " + // overall_code OVER_LIMIT
        "12 13 " + // statuses[0] (19 bytes)
        "08 02 " + // code
        "12 09 08 0a 10 01 1a 03 66 6f 6f " + // current_limit {requests_per_unit 10, unit SECOND, name "foo"}
        "18 00 " + // limit_remaining 0
        "22 02 08 01 " + // duration_until_reset {seconds 1}
        "1a 0c 0a 01 78 12 01 79 1a 04 72 61 77 21 " + // response_headers_to_add {key x, value y, raw_value}
        "2a 03 61 62 63 " + // raw_body (unknown to this reader)
        "45 01 00 00 00", // field 8 fixed32 (unknown)
    );
    expect(m.rateLimitResponse(response)).toBe("overall=2 status{code=2 rpu=10 unit=1 name=foo remaining=0 reset=1s} header{x: y}");
  });

  it("reads an empty message as no fields", () => {
    expect(m.fields("")).toBe("");
  });

  it.each([
    ["a truncated varint", "08"],
    ["a varint longer than ten bytes", "08 ff ff ff ff ff ff ff ff ff ff 01"],
    ["a length past the end", "0a 05 61"],
    ["a huge length", "0a ff ff ff ff 0f"],
    ["a truncated fixed32", "0d 01 02 03"],
    ["a truncated fixed64", "09 01 02 03 04 05 06 07"],
    ["field number 0", "00 01"],
    ["a start-group wire type", "0b"],
    ["an end-group wire type", "0c"],
    ["wire type 6", "0e"],
    ["wire type 7", "0f"],
    ["a field number beyond 2^29", "80 80 80 80 20 00"],
  ])("flags %s as malformed without trapping", (_, input) => {
    expect(m.fields(bytes(input))).toMatch(/(^| )error$/);
  });

  it("stops at the first malformed field after reading the good ones", () => {
    expect(m.fields(bytes("08 01 0a 05 61"))).toBe("1:0:1 error");
  });

  it("flags a malformed embedded message", () => {
    expect(m.rateLimitResponse(bytes("08 01 12 02 08"))).toBe("error");
  });

  it("survives random bytes", () => {
    let seed = 3;
    const next = () => ((seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) >>> 16) & 0xff;
    for (let i = 0; i < 2000; i++) {
      const input = byteString(Array.from({ length: next() % 40 }, next));
      expect(() => m.fields(input)).not.toThrow();
      expect(() => m.rateLimitResponse(input)).not.toThrow();
    }
  });
});
