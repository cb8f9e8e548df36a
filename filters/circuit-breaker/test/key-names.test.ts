// A split circuit names the key that opened: in its log lines, in x-sluice-circuit, and in
// per-key metrics (sluice.circuit_breaker.<circuit>.key.<key>.*), on every worker.
import { describe, expect, it } from "vitest";
import { loaded, PREFIX } from "./harness.js";

const split = (extra: object = {}) => ({ circuits: [{ name: "api", consecutive_failures: 2, open_duration: "10s", key: { source: "header", name: "x-colour" }, max_keys: 4, ...extra }] });
const colour = (c: string, worker?: number) => ({ headers: { "x-colour": c }, ...(worker === undefined ? {} : { worker }) });

describe("circuit-breaker › key names", () => {
  it("logs and answers with the key that opened: circuit \"api\" key \"canary\" opened", async () => {
    const h = await loaded(split());
    h.call(500, colour("canary"));
    h.call(500, colour("canary"));
    expect(h.infoLogs()).toEqual([
      'circuit-breaker: circuit "api" key "canary" opened: consecutive_failures 2 reached (window: 2 calls, 2 failures, 0 slow); open for 10000ms',
    ]);
    const r = h.call(200, colour("canary"));
    expect(r.localResponse!.headers).toEqual(expect.arrayContaining([["x-sluice-circuit", 'api; key="canary"; state=open']]));
    // an unsplit circuit's header is unchanged
    const plain = await loaded({ circuits: [{ name: "api", consecutive_failures: 1 }] });
    plain.call(500);
    expect(plain.call(200).localResponse!.headers).toEqual(expect.arrayContaining([["x-sluice-circuit", "api; state=open"]]));
    expect(plain.infoLogs()[0]).toMatch(/^circuit-breaker: circuit "api" opened: /);
  });

  it("splits transitions, rejections and state per key, next to the circuit's totals", async () => {
    const h = await loaded(split(), 2);
    for (const w of [0, 1]) h.call(500, colour("canary", w));
    h.call(200, colour("canary", 0));
    h.call(200, colour("stable", 1));
    h.proxy.advance(1000); // a tick flushes the counts kept in the VMs
    const key = (k: string, stat: string) => Number(h.proxy.metric(`${PREFIX}api.key.${k}.${stat}`) ?? -1);
    expect([key("canary", "opened"), key("canary", "rejected"), key("canary", "state")]).toEqual([1, 1, 1]);
    expect([key("stable", "opened"), key("stable", "rejected"), key("stable", "state")]).toEqual([0, 0, 0]);
    expect([h.metric("api", "opened"), h.metric("api", "rejected"), h.metric("api", "state")]).toEqual([1, 1, 1]);
    // the open duration over: the tick half-opens the key on the worker that knows it, and says which
    h.proxy.advance(10_000);
    expect(key("canary", "half_opened")).toBe(1);
    expect(key("canary", "state")).toBe(2);
    expect(h.infoLogs()).toContain('circuit-breaker: circuit "api" key "canary" half-opened: open duration over, letting 1 probe(s) through');
    h.call(200, colour("canary"));
    expect([key("canary", "closed"), key("canary", "state")]).toEqual([1, 0]);
  });

  it.each([
    ["blue/green:1", "blue_green_1"],
    ["x".repeat(100), "x".repeat(64)],
    ["v2.1", "v2_1"],
    ["", "_"],
  ])("makes the key value %j safe: %s in metric names (and the header and logs)", async (value, name) => {
    const h = await loaded(split({ consecutive_failures: 1 }));
    h.call(500, colour(value));
    const shown = value === "" ? "" : name;
    expect(h.infoLogs()[0]).toMatch(new RegExp(`^circuit-breaker: circuit "api" key "${shown}" opened: `));
    expect(h.call(200, colour(value)).localResponse!.headers).toEqual(expect.arrayContaining([["x-sluice-circuit", `api; key="${shown}"; state=open`]]));
    expect(h.proxy.metric(`${PREFIX}api.key.${name}.opened`)).toBe(1);
  });

  it("keeps per-key metric names bounded: after 2 × max_keys names, further keys count on key.other", async () => {
    const h = await loaded({ circuits: [{ name: "api", consecutive_failures: 1, open_duration: "1ms", key: { source: "header", name: "x-colour" }, max_keys: 1 }] });
    // max_keys 1: each new key takes the single slot once the previous key is closed and idle (60 s)
    for (const k of ["a", "b", "c", "d"]) {
      h.call(500, colour(k)); // opens
      h.proxy.advance(1_000); // half-open
      h.call(200, colour(k)); // probe succeeds: closed
      h.proxy.advance(61_000); // idle: the slot can go to the next key
    }
    const names = Object.keys(h.proxy.metrics()).filter((n) => n.startsWith(`${PREFIX}api.key.`) && n.endsWith(".opened"));
    expect(names.sort()).toEqual([`${PREFIX}api.key.a.opened`, `${PREFIX}api.key.b.opened`, `${PREFIX}api.key.other.opened`]);
    expect(h.proxy.metric(`${PREFIX}api.key.other.opened`)).toBe(2);
    expect(h.infoLogs().filter((l) => l.includes(" opened: ")).map((l) => /key "(\w)"/.exec(l)![1])).toEqual(["a", "b", "c", "d"]);
  });
});
