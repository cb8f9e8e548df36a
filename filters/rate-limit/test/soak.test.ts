import { describe, expect, it } from "vitest";
import { soak, soakStreams } from "../../../bench/soak.js";
import { start } from "./harness.js";

const STREAMS = soakStreams();

describe("soak", () => {
  it(`keeps memory flat and shared-data keys bounded over ${STREAMS.toLocaleString("en")} requests after a warm-up from 100,000 clients`, async () => {
    const maxKeys = 1024;
    const { proxy } = await start({
      rules: [{ name: "per-client", limits: [{ requests: 5, per: "1s" }], key: [{ source: "header", name: "x-client" }], max_keys: maxKeys }],
    }, 2);
    const request = (i: number) => {
      if (i % 1000 === 0) proxy.advance(10);
      return {
        headers: { ":method": "GET", ":path": "/api", ":authority": "svc", "x-client": `client-${i % 100_000}` },
        properties: { "source.address": "10.0.0.1:1" },
      };
    };
    const result = soak(proxy, request, { warmup: 100_000, streams: STREAMS });
    expect(result.growthPages).toBe(0);
    expect(proxy.sharedData("rate-limit").size).toBeLessThanOrEqual(maxKeys);
  }, 120_000);
});
