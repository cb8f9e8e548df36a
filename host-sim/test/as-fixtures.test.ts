// host-sim driving an AssemblyScript module built on the Sluice dispatch layer, for the ABI areas
// no filter uses: shared queues, an HTTP callout that holds the request, resuming it through
// set_effective_context + continue_stream, and a foreign function call.
import { existsSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { Proxy } from "../src/index.js";

const WASM = join(import.meta.dirname, "../../build/fixtures/queue-callout.wasm");
if (!existsSync(WASM)) throw new Error(`${WASM} is missing: run npm run build first`);

const GET = { ":method": "GET", ":path": "/orders", ":authority": "shop" };

async function start(workers = 1) {
  const proxy = new Proxy({ workers, clusters: ["authz"] });
  const plugin = await proxy.addPlugin({ name: "queue-callout", wasm: WASM, rootId: "queue-callout" });
  expect(plugin.ok).toBe(true);
  return { proxy, plugin };
}

describe("AS fixture: callouts, queues and foreign functions", () => {
  it("holds the request until the callout answers, then resumes it from the root context", async () => {
    const { proxy } = await start();
    const r = proxy.request({ headers: GET });
    expect(r.decision).toBe("paused");
    const [call] = proxy.pendingHttpCalls;
    expect(call.cluster).toBe("authz");
    expect(call.headers).toEqual([[":method", "GET"], [":path", "/check"], [":authority", "authz"]]);
    call.respond({ headers: { ":status": "200" } });
    proxy.advance(0);
    expect(r.stream.result.decision).toBe("continue");
    expect(r.stream.result.requestHeaders).toContainEqual(["x-authz", "answered"]);
  });

  it("resumes with the failure when the callout is reset", async () => {
    const { proxy } = await start();
    const r = proxy.request({ headers: GET });
    proxy.pendingHttpCalls[0].fail();
    proxy.advance(0);
    expect(r.stream.result.requestHeaders).toContainEqual(["x-authz", "failed"]);
  });

  it("resumes when the callout times out on the virtual clock (Envoy answers 504 itself)", async () => {
    const { proxy } = await start();
    const r = proxy.request({ headers: GET });
    proxy.advance(999);
    expect(r.stream.result.decision).toBe("paused");
    proxy.advance(1);
    expect(proxy.httpCalls[0].state).toBe("timed_out");
    expect(r.stream.result.requestHeaders).toContainEqual(["x-authz", "answered"]);
  });

  it("delivers queued items to the VM that registered the queue last, never inside the enqueue call", async () => {
    const { proxy, plugin } = await start(2);
    for (const worker of [0, 1]) {
      proxy.request({ headers: { ...GET, ":path": `/from-${worker}` }, worker });
      proxy.pendingHttpCalls[0].respond();
      proxy.advance(0);
    }
    const dequeued = plugin.logEntries.filter((e) => e.message.startsWith("dequeued "));
    expect(dequeued.map((e) => e.message)).toEqual(["dequeued /from-0", "dequeued /from-1"]);
    expect(new Set(dequeued.map((e) => e.vm))).toEqual(new Set([plugin.workers[1].name]));
  });

  it("records the clear_route_cache foreign function call", async () => {
    const { proxy } = await start();
    const r = proxy.request({ headers: GET });
    expect(proxy.foreignCalls.map((c) => c.name)).toEqual(["clear_route_cache"]);
    expect(r.stream.result.events).toContainEqual({ type: "routeCacheCleared", plugin: "queue-callout", via: "foreign_function" });
  });
});
