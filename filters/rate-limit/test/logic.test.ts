import { beforeAll, describe, expect, it } from "vitest";
import { loadEntry } from "./load.js";

interface LogicEntry {
  ipText(text: string): string;
  cidrContains(cidr: string, address: string): string;
  spiffeParts(text: string): string;
  partitionKeyOf(hi: number, lo: number): string;
  setLimits(spec: string): void;
  take(owner: number, nowMs: number, cost: number): string;
  takeIn(ways: number, owner: number, nowMs: number, cost: number): string;
}

let m: LogicEntry;
beforeAll(async () => {
  m = await loadEntry<LogicEntry>("logic");
});

describe("IP addresses", () => {
  it.each([
    ["10.1.2.3", "4 00000000000000000000ffff0a010203"],
    ["::1", "6 00000000000000000000000000000001"],
    ["2001:db8::8:800:200c:417a", "6 20010db80000000000080800200c417a"],
    ["::ffff:192.168.1.1", "6 00000000000000000000ffffc0a80101"],
    ["1::", "6 00010000000000000000000000000000"],
    ["1:2:3:4:5:6:7:8", "6 00010002000300040005000600070008"],
  ])("parses %s", (text, expected) => {
    expect(m.ipText(text)).toBe(expected);
  });

  it.each(["", "1.2.3", "1.2.3.4.5", "256.1.1.1", "01.2.3.4", "1.2.3.4 ", "1:2", ":1", "1:::2", "1::2::3",
    "1:2:3:4:5:6:7:8:9", "12345::", "g::1", "1.2.3.4:80", "[::1]", "x".repeat(60)])("rejects %j", (text) => {
    expect(m.ipText(text)).toBe("invalid");
  });

  it.each([
    ["10.0.0.0/8", "10.255.0.1", "yes"],
    ["10.0.0.0/8", "11.0.0.1", "no"],
    ["192.168.1.128/25", "192.168.1.200", "yes"],
    ["192.168.1.128/25", "192.168.1.100", "no"],
    ["0.0.0.0/0", "8.8.8.8", "yes"],
    ["0.0.0.0/0", "::1", "no"],
    ["2001:db8::/32", "2001:db8:1::1", "yes"],
    ["2001:db8::/32", "2001:db9::1", "no"],
    ["10.0.0.1/32", "10.0.0.1", "yes"],
    ["10.0.0.1/8", "10.0.0.1", "invalid cidr"],
    ["10.0.0.0/33", "10.0.0.1", "invalid cidr"],
    ["10.0.0.0/08", "10.0.0.1", "invalid cidr"],
    ["10.0.0.0", "10.0.0.1", "invalid cidr"],
  ])("%s contains %s: %s", (cidr, address, expected) => {
    expect(m.cidrContains(cidr, address)).toBe(expected);
  });
});

describe("SPIFFE IDs", () => {
  it.each([
    ["spiffe://cluster.local/ns/shop/sa/cart", "cluster.local|shop|cart"],
    ["spiffe://example.org", "example.org|-|-"],
    ["spiffe://example.org/workload/ns", "example.org|-|-"],
    ["spiffe://td/ns/a/ns/b/sa/c", "td|-|-"],
    ["spiffe://td/ns/a/sa", "td|-|-"],
  ])("splits %s", (id, parts) => {
    expect(m.spiffeParts(id)).toBe(parts);
  });

  it.each(["spiffe://", "spiffe:///ns/a", "spiffe://Example.org/x", "spiffe://td/", "spiffe://td//x", "spiffe://td/./x",
    "spiffe://td/../x", "spiffe://td/x?y", "spiffe://td:443/x", "http://td/x", "spiffe://td/a%20b"])("rejects %s", (id) => {
    expect(m.spiffeParts(id)).toBe("invalid");
  });
});

describe("partition key", () => {
  it("renders the fingerprint as a Structured Fields byte sequence", () => {
    expect(m.partitionKeyOf(0x01020304, 0x05060708)).toBe(":" + Buffer.from([1, 2, 3, 4, 5, 6, 7, 8]).toString("base64") + ":");
    expect(m.partitionKeyOf(0xffffffff, 0xffffffff)).toBe(":" + Buffer.alloc(8, 0xff).toString("base64") + ":");
  });
});

describe("token bucket", () => {
  it("allows burst requests at once, then requests per period", () => {
    m.setLimits("3/1/1000");
    expect([1, 2, 3, 4].map(() => m.take(7, 0, 1))).toEqual([
      "allow r=2 reset=1000 retry=0",
      "allow r=1 reset=2000 retry=0",
      "allow r=0 reset=3000 retry=0",
      "deny r=0 reset=3000 retry=1000",
    ]);
    expect(m.take(7, 999, 1)).toBe("deny r=0 reset=2001 retry=1");
    expect(m.take(7, 1000, 1)).toBe("allow r=0 reset=3000 retry=0");
    expect(m.take(7, 1500, 1)).toBe("deny r=0 reset=2500 retry=500");
    expect(m.take(7, 10_000, 1)).toBe("allow r=2 reset=1000 retry=0");
  });

  it("restarts the fill intervals when a full bucket is drawn from (a full bucket equals a new one)", () => {
    m.setLimits("2/2/1000");
    m.take(1, 0, 2);
    expect(m.take(1, 1999, 2)).toBe("allow r=0 reset=1000 retry=0");
    expect(m.take(1, 2000, 2)).toBe("deny r=0 reset=999 retry=999");
    expect(m.take(1, 2999, 2)).toBe("allow r=0 reset=1000 retry=0");
  });

  it("passes only when every limit has the tokens, and takes from all of them", () => {
    m.setLimits("2/2/1000,3/3/60000");
    expect(m.take(1, 0, 1)).toBe("allow r=1 reset=1000 retry=0");
    expect(m.take(1, 0, 1)).toBe("allow r=0 reset=1000 retry=0");
    expect(m.take(1, 1000, 1)).toBe("allow r=0 reset=59000 retry=0");
    expect(m.take(1, 2000, 1)).toBe("deny r=0 reset=58000 retry=58000");
  });

  it("charges the request cost and tells how long until the cost fits", () => {
    m.setLimits("10/1/100");
    expect(m.take(1, 0, 8)).toBe("allow r=2 reset=800 retry=0");
    expect(m.take(1, 0, 5)).toBe("deny r=2 reset=800 retry=300");
  });

  it("never refills when the clock goes backwards", () => {
    m.setLimits("1/1/1000");
    m.take(1, 5000, 1);
    expect(m.take(1, 1000, 1)).toBe("deny r=0 reset=5000 retry=5000");
  });

  it("takes over a slot whose owner's bucket is full, and counts the eviction", () => {
    m.setLimits("2/1/1000");
    m.take(1, 0, 1);
    expect(m.take(2, 1000, 1)).toBe("allow r=1 reset=1000 retry=0 evicted");
  });

  it("never lets a key draw from another key's live bucket: the slot overflows instead", () => {
    m.setLimits("2/1/1000");
    m.take(1, 0, 1);
    expect(m.take(2, 0, 1)).toBe("overflow");
    expect(m.take(1, 0, 1)).toBe("allow r=0 reset=2000 retry=0");
  });
});

describe("sets of ways", () => {
  it.each([
    ["gives each key its own way while the set has room", [[1, 0], [2, 0], [3, 0], [1, 0], [2, 0]],
      ["allow r=1 reset=1000 retry=0", "allow r=1 reset=1000 retry=0", "allow r=1 reset=1000 retry=0",
        "allow r=0 reset=2000 retry=0", "allow r=0 reset=2000 retry=0"]],
    ["overflows a new key when every way holds a live bucket", [[1, 0], [2, 0], [3, 0], [4, 0]],
      ["allow r=1 reset=1000 retry=0", "allow r=1 reset=1000 retry=0", "allow r=1 reset=1000 retry=0", "overflow"]],
    ["takes the first way whose bucket refilled, and counts the eviction", [[1, 0], [2, 500], [3, 600], [4, 1000], [1, 1000]],
      ["allow r=1 reset=1000 retry=0", "allow r=1 reset=1000 retry=0", "allow r=1 reset=1000 retry=0",
        "allow r=1 reset=1000 retry=0 evicted", "overflow"]],
    ["finds a key in its own way after an earlier way became free", [[1, 0], [2, 0], [1, 0], [2, 1000]],
      ["allow r=1 reset=1000 retry=0", "allow r=1 reset=1000 retry=0", "allow r=0 reset=2000 retry=0", "allow r=1 reset=1000 retry=0"]],
  ])("%s", (_name, requests, expected) => {
    m.setLimits("2/1/1000");
    expect((requests as number[][]).map(([owner, at]) => m.takeIn(3, owner, at, 1))).toEqual(expected);
  });
});
