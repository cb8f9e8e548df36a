import { describe, expect, it } from "vitest";
import { Proxy } from "../src/index.js";
import { guest, RET, RET2, RET3 } from "./helpers/guest.js";
import { results, returnedText, start, worker } from "./helpers/host.js";

/** A guest whose on_request_headers runs `body`; string helpers registered on the same guest. */
function probe(build: (g: ReturnType<typeof guest>) => string) {
  const g = guest();
  g.on("proxy_on_request_headers", 3, `${build(g)} (i32.const 0)`);
  return g;
}

describe("shared data", () => {
  it("returns NotFound for an absent key and leaves the cas slot untouched (case 22)", async () => {
    const g = probe((g) => `(i32.store (i32.const ${RET3}) (i32.const 77)) (drop (call $proxy_get_shared_data ${g.str("k")} (i32.const ${RET}) (i32.const ${RET2}) (i32.const ${RET3})))`);
    const { proxy } = await start(g);
    const r = proxy.request({ headers: {} });
    expect(results(r.trace, "proxy_get_shared_data")).toEqual([1]);
    expect(worker(proxy).memory.readU32(RET3)).toBe(77);
  });

  it("stamps sets from a global cas counter starting at 1 (case 23)", async () => {
    const g = probe((g) => {
      const [k, v, w] = [g.str("k"), g.str("v"), g.str("w")];
      return `(drop (call $proxy_set_shared_data ${k} ${v} (i32.const 0)))
        (drop (call $proxy_get_shared_data ${k} (i32.const ${RET}) (i32.const ${RET2}) (i32.const ${RET3})))
        (drop (call $proxy_set_shared_data ${k} ${w} (i32.const 0)))`;
    });
    const { proxy } = await start(g, { vmId: "rl" });
    const r = proxy.request({ headers: {} });
    expect(results(r.trace, "proxy_set_shared_data")).toEqual([0, 0]);
    expect(returnedText(worker(proxy))).toBe("v");
    expect(worker(proxy).memory.readU32(RET3)).toBe(1);
    expect(proxy.sharedData("rl").get("k")?.cas).toBe(2);
  });

  it("returns CasMismatch when the cas is stale and accepts the current cas (case 24)", async () => {
    const g = probe((g) => {
      const [k, x] = [g.str("k"), g.str("x")];
      return `(drop (call $proxy_set_shared_data ${k} ${x} (i32.const 1))) (drop (call $proxy_set_shared_data ${k} ${x} (i32.const 2)))`;
    });
    const { proxy } = await start(g, { vmId: "rl" });
    proxy.shared.set("rl", "k", Buffer.from("v"), 0);
    proxy.shared.set("rl", "k", Buffer.from("w"), 0);
    const r = proxy.request({ headers: {} });
    expect(results(r.trace, "proxy_set_shared_data")).toEqual([8, 0]);
    expect(Buffer.from(proxy.sharedData("rl").get("k")!.value).toString()).toBe("x");
  });

  it("answers injected failures for the next gets and sets without touching the store", async () => {
    const g = probe((g) => {
      const [k, v] = [g.str("k"), g.str("v")];
      return `(drop (call $proxy_set_shared_data ${k} ${v} (i32.const 0)))
        (drop (call $proxy_get_shared_data ${k} (i32.const ${RET}) (i32.const ${RET2}) (i32.const ${RET3})))`;
    });
    const { proxy } = await start(g, { vmId: "rl" });
    proxy.shared.failNext("set", 8, 2);
    proxy.shared.failNext("get", 10);
    const first = proxy.request({ headers: {} }).trace;
    expect([results(first, "proxy_set_shared_data"), results(first, "proxy_get_shared_data")]).toEqual([[8], [10]]);
    expect(proxy.sharedData("rl").has("k")).toBe(false);
    const second = proxy.request({ headers: {} }).trace;
    expect([results(second, "proxy_set_shared_data"), results(second, "proxy_get_shared_data")]).toEqual([[8], [1]]);
    const third = proxy.request({ headers: {} }).trace;
    expect([results(third, "proxy_set_shared_data"), results(third, "proxy_get_shared_data")]).toEqual([[0], [0]]);
  });

  it("ignores the cas for an absent key (case 25)", async () => {
    const g = probe((g) => `(drop (call $proxy_set_shared_data ${g.str("new")} ${g.str("v")} (i32.const 12345)))`);
    const { proxy } = await start(g);
    expect(results(proxy.request({ headers: {} }).trace, "proxy_set_shared_data")).toEqual([0]);
  });

  it("shares data between worker VMs of one vm_id and isolates other vm_ids (case 26)", async () => {
    const getter = guest();
    getter.on("proxy_on_request_headers", 3, `(drop (call $proxy_get_shared_data ${getter.str("count")} (i32.const ${RET}) (i32.const ${RET2}) (i32.const ${RET3}))) (i32.const 0)`);
    const proxy = new Proxy({ workers: 2, trace: true });
    const rw = await proxy.addPlugin({ name: "rw", vmId: "rl", wasm: await (async () => {
      // One module: worker 0 sets, worker 1 gets — distinguished by the request header count.
      const g = guest();
      const [k, v] = [g.str("count"), g.str("5")];
      g.on(
        "proxy_on_request_headers",
        3,
        `(if (i32.eq (local.get 1) (i32.const 1))
           (then (drop (call $proxy_set_shared_data ${k} ${v} (i32.const 0))))
           (else (drop (call $proxy_get_shared_data ${k} (i32.const ${RET}) (i32.const ${RET2}) (i32.const ${RET3})))))
         (i32.const 0)`,
      );
      return g.build();
    })() });
    proxy.request({ worker: 0, headers: { a: "1" } });
    const r2 = proxy.request({ worker: 1, headers: { a: "1", b: "2" } });
    expect(results(r2.trace, "proxy_get_shared_data")).toEqual([0]);
    expect(returnedText(rw.workers[1])).toBe("5");
    expect(rw.workers[1].memory.readU32(RET3)).toBe(proxy.sharedData("rl").get("count")!.cas);
    const other = new Proxy({ trace: true });
    await other.addPlugin({ name: "o", vmId: "other", wasm: await getter.build() });
    other.shared.set("rl", "count", Buffer.from("5"), 0);
    expect(results(other.request({ headers: {} }).trace, "proxy_get_shared_data")).toEqual([1]);
  });

  it("returns an empty value as (0,0) with its cas (case 27)", async () => {
    const g = probe((g) => {
      const k = g.str("k");
      return `(drop (call $proxy_set_shared_data ${k} (i32.const 0) (i32.const 0) (i32.const 0)))
        (i32.store (i32.const ${RET}) (i32.const 99))
        (drop (call $proxy_get_shared_data ${k} (i32.const ${RET}) (i32.const ${RET2}) (i32.const ${RET3})))`;
    });
    const { proxy } = await start(g);
    proxy.request({ headers: {} });
    const m = worker(proxy).memory;
    expect([m.readU32(RET), m.readU32(RET2), m.readU32(RET3)]).toEqual([0, 0, 1]);
  });

  it("keeps shared-data writes made by the canary", async () => {
    const g = guest();
    g.on("proxy_on_configure", 2, `(drop (call $proxy_set_shared_data ${g.str("boot")} ${g.str("1")} (i32.const 0))) (i32.const 1)`);
    const proxy = new Proxy({ workers: 2 });
    await proxy.addPlugin({ name: "p", vmId: "v", wasm: await g.build() });
    // canary + 2 workers each wrote once: cas 3 is the last stamp.
    expect(proxy.sharedData("v").get("boot")?.cas).toBe(3);
  });
});

describe("shared queues", () => {
  it("registers, resolves, dequeues and enqueues with Envoy's result codes (case 28)", async () => {
    const g = probe((g) => {
      const [q, nope, empty] = [g.str("q"), g.str("nope"), g.str("")];
      return `(drop (call $proxy_register_shared_queue ${q} (i32.const ${RET})))
        (drop (call $proxy_register_shared_queue ${q} (i32.const ${RET2})))
        (drop (call $proxy_resolve_shared_queue ${empty} ${q} (i32.const ${RET3})))
        (drop (call $proxy_resolve_shared_queue ${empty} ${nope} (i32.const ${RET3 + 4})))
        (drop (call $proxy_dequeue_shared_queue (i32.const 1) (i32.const 100) (i32.const 104)))
        (drop (call $proxy_dequeue_shared_queue (i32.const 99) (i32.const 100) (i32.const 104)))
        (drop (call $proxy_enqueue_shared_queue (i32.const 99) ${q}))`;
    });
    const { proxy } = await start(g);
    const r = proxy.request({ headers: {} });
    const m = worker(proxy).memory;
    expect([m.readU32(RET), m.readU32(RET2), m.readU32(RET3)]).toEqual([1, 1, 1]);
    expect(results(r.trace, "proxy_resolve_shared_queue")).toEqual([0, 1]);
    expect(results(r.trace, "proxy_dequeue_shared_queue")).toEqual([7, 1]);
    expect(results(r.trace, "proxy_enqueue_shared_queue")).toEqual([1]);
  });

  it("delivers on_queue_ready to the last registrant only, after the enqueuing call returns (case 29)", async () => {
    const g = guest();
    const [q, msg] = [g.str("q"), g.str("hello")];
    g.on("proxy_on_configure", 2, `(drop (call $proxy_register_shared_queue ${q} (i32.const ${RET}))) (i32.const 1)`)
      .on("proxy_on_request_headers", 3, `(drop (call $proxy_enqueue_shared_queue (i32.const 1) ${msg})) (i32.const 0)`)
      .on("proxy_on_queue_ready", 2, `(drop (call $proxy_dequeue_shared_queue (local.get 1) (i32.const ${RET}) (i32.const ${RET2})))`, false);
    const proxy = new Proxy({ workers: 2, trace: true });
    const p = await proxy.addPlugin({ name: "p", vmId: "v", wasm: await g.build() });
    const r = proxy.request({ worker: 0, headers: {} });
    const [w0, w1] = p.workers;
    const ready = (vm: typeof w0) => vm.trace.filter((e) => e.name === "proxy_on_queue_ready").map((e) => e.args);
    expect(ready(w0)).toEqual([]);
    expect(ready(w1)).toEqual(["1,1"]);
    expect(returnedText(w1)).toBe("hello");
    // on_queue_ready is not part of the enqueuing stream's callbacks.
    expect(r.trace.some((e) => e.name === "proxy_on_queue_ready")).toBe(false);
  });
});
