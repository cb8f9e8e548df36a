import fc from "fast-check";
import { beforeAll, describe, expect, it } from "vitest";
import { loadEntry } from "./load.js";

interface XfccModule {
  chooseUri(header: string, useLast: boolean): string;
}

let m: XfccModule;
beforeAll(async () => {
  m = await loadEntry<XfccModule>("xfcc");
});

const A = "spiffe://td/ns/a/sa/one";
const B = "spiffe://td/ns/b/sa/two";

describe("XFCC parsing", () => {
  it.each([
    [`By=spiffe://td/gw;Hash=abc;URI=${A}`, true, `uri ${A}`],
    [`uri=${A}`, true, `uri ${A}`],
    [`By=x;URI=${A},By=y;URI=${B}`, true, `uri ${B}`],
    [`By=x;URI=${A},By=y;URI=${B}`, false, `uri ${A}`],
    [`By=x;URI=${A}, By=y;URI=${B}`, true, `uri ${B}`],
    [`Hash=abc;Subject="CN=a,O=b";URI=${A}`, true, `uri ${A}`],
    [`Subject="a\\"b;c,d";URI="${B}"`, true, `uri ${B}`],
    [`URI="spiffe://td/x\\"y"`, true, 'uri spiffe://td/x\\"y'],
    [`By=x;Hash=abc`, true, "no uri"],
    [`By=x;URI=${A},Hash=abc`, true, "no uri"],
    [`URI=${A};URI=${B}`, true, "many uris"],
    [`URI=${A};URI=${B},URI=${A}`, true, `uri ${A}`],
    [`URI=${A};URI=${B},URI=${A}`, false, "many uris"],
  ])("%s (use last: %s) gives %s", (header, useLast, expected) => {
    expect(m.chooseUri(header, useLast)).toBe(expected);
  });

  it.each([
    [""],
    ["URI"],
    [`=${A}`],
    [`URI=${A},`],
    [`URI=${A};`],
    [`URI=${A},,URI=${B}`],
    [`URI="${A}`],
    [`URI="${A}"x`],
    [`URI=a"b`],
    [`Subject="unterminated\\";URI=${A}`],
  ])("treats %j as malformed", (header) => {
    expect(m.chooseUri(header, true)).toBe("malformed");
    expect(m.chooseUri(header, false)).toBe("malformed");
  });

  it.each([
    // as Envoy 1.40 writes it (SANITIZE_SET, uri/subject/dns/issuer: /work notes, README "Identity")
    [`By=spiffe://td/gw;Hash=217f;Subject="CN=c,O=Sluice test";URI=${A};DNS=web.shop;Issuer="CN=Sluice test CA,O=Sluice test"`, true, `uri ${A}`],
    // two incoming headers joined by Envoy with ",", then its own element appended (APPEND_FORWARD)
    [`By=spiffe://a;URI=spiffe://b,URI=spiffe://c,By=spiffe://td/gw;Hash=1;Issuer="CN=x";URI=${A}`, true, `uri ${A}`],
    [`By=spiffe://a;URI=spiffe://td/b,URI=spiffe://c,By=spiffe://td/gw;URI=${A}`, false, "uri spiffe://td/b"],
  ])("reads Envoy's text format with Issuer and joined headers: %s (use last: %s)", (header, useLast, expected) => {
    expect(m.chooseUri(header, useLast)).toBe(expected);
  });

  const JSON_ELEMENT = `{"by":["spiffe://td/gw"],"hash":"217f","subject":"CN=c,O=Sluice test","uri":["${A}"],"dns":["web.shop"],"issuer":"CN=Sluice test CA,O=Sluice test"}`;
  it.each([
    [`[${JSON_ELEMENT}]`, true, `uri ${A}`],
    [` [ ${JSON_ELEMENT} ] `, true, `uri ${A}`],
    // Envoy joins two incoming JSON headers with "," and appends its element inside the last array
    [`[{"by":["spiffe://a"],"uri":["spiffe://b"]}],[{"uri":["${B}"]},${JSON_ELEMENT}]`, true, `uri ${A}`],
    [`[{"by":["spiffe://a"],"uri":["${B}"]}],[{"uri":["spiffe://c"]},${JSON_ELEMENT}]`, false, `uri ${B}`],
    [`[{"URI":["${A}"]}]`, true, `uri ${A}`],
    [`[{"hash":"x","dns":[]}]`, true, "no uri"],
    [`[{"uri":[]}]`, true, "no uri"],
    [`[{"uri":["${A}","${B}"]}]`, true, "many uris"],
    [`[{"uri":["${A}"],"uri":["${B}"]}]`, true, "many uris"],
    [`[{"uri":"${A}"}]`, true, `uri ${A}`],
    [`[{"uri":["spiffe:\\/\\/td\\/x"]}]`, true, "uri spiffe:\\/\\/td\\/x"],
  ])("reads the JSON format: %s (use last: %s)", (header, useLast, expected) => {
    expect(m.chooseUri(header, useLast)).toBe(expected);
  });

  it.each([
    ["[]"],
    ["[{}]"],
    [`[{"uri":["${A}"]}`],
    [`[{"uri":["${A}"]}],`],
    [`[{"uri":["${A}"]},]`],
    [`[{"uri":["${A}"]}]x`],
    [`[{"uri":["${A}"]}],URI=${B}`],
    [`[{"uri":[["${A}"]]}]`],
    [`[{"uri":{"a":"b"}}]`],
    [`[{"uri":1}]`],
    [`[{"uri":null}]`],
    [`[{"\\u0075ri":["${B}"]}]`],
    [`[{"uri":["a\\x"]}]`],
    [`[{"uri":["a\\u00"]}]`],
    [`[{"uri":["a"]}]`],
    [`[{uri:["${A}"]}]`],
    [`[{"uri" ["${A}"]}]`],
    [`[{"uri":["${A}"] "by":["x"]}]`],
  ])("treats the JSON %j as malformed", (header) => {
    expect(m.chooseUri(header, true)).toBe("malformed");
    expect(m.chooseUri(header, false)).toBe("malformed");
  });

  it("parses a 60 KB header of many elements", () => {
    const header = Array.from({ length: 1000 }, (_, i) => `By=spiffe://td/gw${i};Subject="CN=x,O=y";URI=${A}`).join(",");
    expect(m.chooseUri(header, true)).toBe(`uri ${A}`);
  });
});

describe("JSON XFCC against JSON.stringify", () => {
  // elements as Envoy writes them, with any member order and extra keys; uri with 0..2 entries
  const uri = fc.constantFrom(A, B, "spiffe://td/ns/c/sa/x");
  const element = fc.record({
    by: fc.array(fc.constantFrom("spiffe://td/gw", "spiffe://td/gw2"), { maxLength: 2 }),
    hash: fc.string({ maxLength: 8 }),
    subject: fc.string({ maxLength: 12 }),
    uri: fc.array(uri, { maxLength: 2 }),
    issuer: fc.string({ maxLength: 12 }),
  }, { requiredKeys: ["uri"] });
  const header = fc.array(fc.array(element, { minLength: 1, maxLength: 3 }), { minLength: 1, maxLength: 3 });
  const expected = (el: { uri: string[] }): string => el.uri.length === 0 ? "no uri" : el.uri.length === 1 ? `uri ${el.uri[0]}` : "many uris";

  it("names the first or the last element's URI of any joined headers", () => {
    fc.assert(fc.property(header, fc.boolean(), (arrays, useLast) => {
      const elements = arrays.flat();
      const text = arrays.map((a) => JSON.stringify(a)).join(",");
      const chosen = useLast ? elements[elements.length - 1] : elements[0];
      // a string member with an escape is still valid JSON; a URI never needs one
      expect(m.chooseUri(text, useLast)).toBe(expected(chosen));
    }), { numRuns: 2000 });
  });

  it("reads a cut or spliced header without trapping, and only as a URI written in it", () => {
    fc.assert(fc.property(header, fc.nat(), fc.string({ maxLength: 3 }), (arrays, at, junk) => {
      const text = arrays.map((a) => JSON.stringify(a)).join(",");
      const cut = at % (text.length + 1);
      const mutated = text.slice(0, cut) + junk + text.slice(cut + (junk.length > 0 ? 0 : 1));
      const result = m.chooseUri(mutated, true);
      expect(result).toMatch(/^(malformed|no uri|many uris|uri .*)$/s);
      if (result.startsWith("uri ")) expect(mutated).toContain(`"${result.slice(4)}"`);
    }), { numRuns: 2000 });
  });
});
