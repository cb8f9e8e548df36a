// The process's seed, which places keys in sets (key.ts setOf): one per Envoy process, read by
// every worker, unknown to clients, so no one can aim keys at another key's set.
import { describe, expect, it } from "vitest";
import { Proxy } from "../../../host-sim/src/index.js";
import { headersNamed, outcome, start, WASM } from "./harness.js";

const SEED_KEY = "sluice:rate-limit:seed";
const NOT_FOUND = 1;
const rule = (maxKeys: number) => ({
  rules: [{ name: "per-user", limits: [{ requests: 3, per: "1s" }], key: [{ source: "header", name: "x-user" }], max_keys: maxKeys }],
  headers_mode: "ietf",
});

/** The names of the sets (8 hex digits) in shared data, sorted. */
const setsOf = (proxy: Proxy) => [...proxy.sharedData("rate-limit").keys()].filter((k) => k !== SEED_KEY).map((k) => k.slice(-8)).sort();

/** key.ts setOf: the MurmurHash3 finalizer of fingerprint XOR seed, modulo the sets. */
function setOf(fingerprint: bigint, seed: bigint, sets: number): number {
  const M = (1n << 64n) - 1n;
  let h = fingerprint ^ seed;
  h ^= h >> 33n;
  h = (h * 0xff51afd7ed558ccdn) & M;
  h ^= h >> 33n;
  h = (h * 0xc4ceb9fe1a85ec53n) & M;
  h ^= h >> 33n;
  return Number(h % BigInt(sets));
}

describe("the process's seed", () => {
  it("is drawn once and read by every worker: a key's requests on 4 workers draw from one bucket", async () => {
    const { proxy, send } = await start(rule(1024), 4);
    const seed = proxy.sharedData("rate-limit").get(SEED_KEY)!.value;
    expect(seed.length).toBe(8);
    const got = [0, 1, 2, 3].map((worker) => outcome(proxy.request({
      headers: { ":method": "GET", ":path": "/", ":authority": "a", "x-user": "alice" }, properties: { "source.address": "10.0.0.1:1" }, worker,
    })));
    expect(got).toEqual(["allow", "allow", "allow", "429"]);
    expect(setsOf(proxy)).toHaveLength(1);
    expect(proxy.sharedData("rate-limit").get(SEED_KEY)!.value).toEqual(seed);
    send({ "x-user": "bob" });
    expect(proxy.sharedData("rate-limit").get(SEED_KEY)!.value).toEqual(seed);
  });

  it("places a key in set fmix64(fingerprint XOR seed) mod ceil(max_keys / 2), the fingerprint being the partition key", async () => {
    const proxy = new Proxy({ workers: 2, logLevel: "warn" });
    const seed = 0x0123456789abcdefn;
    const bytes = new Uint8Array(8);
    new DataView(bytes.buffer).setBigUint64(0, seed, true);
    proxy.shared.set("rate-limit", SEED_KEY, bytes, 0);
    const plugin = await proxy.addPlugin({ name: "rate-limit", wasm: WASM, rootId: "rate-limit", config: rule(1000) });
    expect(plugin.ok).toBe(true);
    const expected: string[] = [];
    for (const user of ["alice", "bob", "carol", "dave"]) {
      const r = proxy.request({ headers: { ":method": "GET", ":path": "/", ":authority": "a", "x-user": user }, properties: { "source.address": "10.0.0.1:1" } });
      const pk = /;pk=:([A-Za-z0-9+/]{11}=):$/.exec(headersNamed(r, "ratelimit")[1][1])![1];
      const fingerprint = Buffer.from(pk, "base64").readBigUInt64BE(0);
      expected.push(setOf(fingerprint, seed, 500).toString(16).padStart(8, "0"));
    }
    expect(setsOf(proxy)).toEqual([...new Set(expected)].sort());
  });

  it("is read from the worker that won the race to create it: a worker whose creating write loses reads the winner's", async () => {
    const proxy = new Proxy({ workers: 1, logLevel: "warn" });
    const winner = Uint8Array.of(1, 2, 3, 4, 5, 6, 7, 8);
    proxy.shared.set("rate-limit", SEED_KEY, winner, 0);
    // the first read sees no seed (the winner had not written yet), so the write that creates it finds one: CasMismatch
    proxy.shared.failNext("get", NOT_FOUND, 1);
    const plugin = await proxy.addPlugin({ name: "rate-limit", wasm: WASM, rootId: "rate-limit", config: rule(1024) });
    expect(plugin.ok).toBe(true);
    expect(proxy.sharedData("rate-limit").get(SEED_KEY)!.value).toEqual(winner);
  });

  it("differs between processes, and so do the sets the same keys land in", async () => {
    const placed = async () => {
      const { proxy, send } = await start(rule(1024), 2);
      for (let i = 0; i < 32; i++) send({ "x-user": `user-${i}` });
      return { seed: proxy.sharedData("rate-limit").get(SEED_KEY)!.value, sets: setsOf(proxy) };
    };
    const [one, two] = [await placed(), await placed()];
    expect(one.sets.length).toBeGreaterThan(24); // 32 keys over 512 sets: nearly all apart
    expect(one.seed).not.toEqual(two.seed);
    expect(one.sets).not.toEqual(two.sets);
  });

  it("is not needed up to 16 keys (one set): none is drawn", async () => {
    const { proxy, send } = await start(rule(16), 2);
    send({ "x-user": "alice" });
    expect([...proxy.sharedData("rate-limit").keys()]).toEqual([expect.stringMatching(/^sluice:rate-limit:[0-9a-f]{16}:00000000$/)]);
  });
});
