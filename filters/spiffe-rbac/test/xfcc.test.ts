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
