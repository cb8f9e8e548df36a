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
    [`URI="spiffe://td/x\\"y"`, true, 'uri spiffe://td/x"y'],
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

  it("parses a 60 KB header of many elements", () => {
    const header = Array.from({ length: 1000 }, (_, i) => `By=spiffe://td/gw${i};Subject="CN=x,O=y";URI=${A}`).join(",");
    expect(m.chooseUri(header, true)).toBe(`uri ${A}`);
  });
});
