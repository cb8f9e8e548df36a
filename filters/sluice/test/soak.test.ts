// The bundle's memory over many requests through the example chain: its stream contexts and the
// members' are reused, so memory stays flat (the separate modules' soaks are in their test/).
import { describe, expect, it } from "vitest";
import { startProxy } from "../../../bench/setup.js";
import { soak, soakStreams } from "../../../bench/soak.js";
import { bundle } from "../../../bench/scenarios/bundle.js";

// 100,000 requests in npm test; npm run test:soak runs 1,000,000.
const SOAK_REQUESTS = soakStreams();

describe("sluice (the bundle) › memory", () => {
  it(`keeps memory flat over ${SOAK_REQUESTS.toLocaleString("en")} requests through the example chain, denied, limited and allowed`, async () => {
    const proxy = await startProxy(bundle);
    const request = (i: number) => {
      const spec = bundle.request(i);
      // every 7th request is denied by spiffe-rbac (/admin), so the members after it never see it
      return i % 7 === 0 ? { ...spec, headers: (spec.headers as [string, string][]).map(([k, v]): [string, string] => [k, k === ":path" ? "/admin/x" : v]) } : spec;
    };
    const result = soak(proxy, request, { warmup: 10_000, streams: SOAK_REQUESTS });
    expect(result.growthPages).toBe(0);
  }, 300_000);
});
