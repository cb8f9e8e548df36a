// host-sim and real Envoy agree: the same time-independent scenarios run through an Envoy stack
// and through host-sim loaded with the same bootstrap's filters and configs, and give the same
// status, local reply, filter-written response headers, upstream-bound request headers (every
// value, in order) and, at the end, the same sluice metrics. A difference is a host-sim bug: fix
// it there, with a test naming the Envoy behaviour, and list it in host-sim/README.md.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Proxy } from "../host-sim/src/index.js";
import { runInEnvoy, runInSimulator, simulatorFor, simulatorMetrics, type Scenario } from "./support/agreement.js";
import { bootstrapPath, loadBootstrap } from "./support/bootstrap.js";
import { startStack, type Stack } from "./support/stack.js";
import { waitForStats, type Stats } from "./support/stats.js";
import { suiteRuntime } from "./support/suite.js";

const runtime = await suiteRuntime();

const RUN = `${Date.now()}`;
const user = (n: string): string => `agree-${RUN}-${n}`;

/** Scenarios per bootstrap (envoy/<name>/envoy.yaml), in the order they run. */
const SUITES: Record<string, Scenario[]> = {
  chain: [
    { name: "a user in the stable share", path: "/api/x", headers: [["x-user-id", user("a")]] },
    { name: "a user opting in to canary", path: "/api/x", headers: [["x-env", "canary"], ["x-user-id", user("b")]] },
    { name: "no user header: not limited, default colour", path: "/api/orders?x=1" },
    { name: "/admin without the ops identity", path: "/admin", headers: [["x-user-id", user("c")]] },
    { name: "/admin with an encoded dot segment", path: "/api/%2e%2e/admin", headers: [["x-user-id", user("d")]] },
    { name: "a forged colour, one value", path: "/api/x", headers: [["x-sluice-colour", "canary"]] },
    { name: "a forged colour, two equal values", path: "/api/x", headers: [["x-sluice-colour", "canary"], ["x-sluice-colour", "canary"]] },
    { name: "a stable upstream failure", path: "/api/x", headers: [["x-user-id", user("e")]], upstreamStatus: 503 },
    { name: "HEAD to the API", method: "HEAD", path: "/api/x", headers: [["x-user-id", user("f")]] },
  ],
  "traffic-colour": [
    { name: "no match: the default colour", path: "/catalog" },
    { name: "the opt-in header", path: "/catalog", headers: [["x-env", "canary"]] },
    { name: "a keyed user", path: "/catalog", headers: [["x-user-id", user("g")]] },
    { name: "a forged colour is replaced", path: "/catalog", headers: [["x-sluice-colour", "nonsense"]] },
    { name: "a forged colour equal to the decision, repeated", path: "/catalog", headers: [["x-sluice-colour", "v2"], ["x-sluice-colour", "v2"]] },
    { name: "baggage from the client", path: "/catalog", headers: [["baggage", "k=v,sluice.colour=v2"]] },
  ],
  "rate-limit": [
    { name: "a user's first request", path: "/api/x", headers: [["x-user-id", user("h")]] },
    { name: "no key header: not limited", path: "/api/x" },
    { name: "another user, a failing upstream", path: "/api/y", headers: [["x-user-id", user("i")]], upstreamStatus: 500 },
  ],
  "circuit-breaker": [
    { name: "a success", path: "/orders" },
    { name: "a failure", path: "/orders", upstreamStatus: 503 },
    { name: "a client error is no failure", path: "/orders", upstreamStatus: 404 },
    { name: "a second failure", path: "/orders", upstreamStatus: 502 },
    { name: "a success resets the run", path: "/orders" },
  ],
  "spiffe-rbac-plaintext": [
    { name: "a caller without identity on a public path", path: "/healthz", listener: 10001 },
    { name: "a caller without identity elsewhere", path: "/orders", listener: 10001 },
    { name: "a forged XFCC from a plaintext caller", path: "/healthz", listener: 10001, headers: [["x-forwarded-client-cert", "URI=spiffe://example.org/ns/ops/sa/admin"]] },
  ],
};

/** Which bootstrap a suite runs on (its scenarios all go to one listener). */
const BOOTSTRAP: Record<string, string> = { "spiffe-rbac-plaintext": "spiffe-rbac" };

describe.skipIf(!runtime.available)("host-sim agrees with Envoy", () => {
  for (const [suite, scenarios] of Object.entries(SUITES)) {
    describe(suite, () => {
      let stack: Stack;
      let sim: Proxy;
      const name = BOOTSTRAP[suite] ?? suite;

      beforeAll(async () => {
        const { TestCa } = await import("../cli/local-envoy/certs.js");
        const ca = name === "spiffe-rbac" ? TestCa.create() : undefined;
        try {
          const server = ca?.issue({ name: "server", dnsNames: ["sluice-envoy"], usages: ["serverAuth"] });
          const extra =
            ca === undefined || server === undefined
              ? []
              : [
                  { content: ca.cert, target: "/etc/sluice/certs/ca.pem" },
                  { content: server.cert, target: "/etc/sluice/certs/server.pem" },
                  { content: server.key, target: "/etc/sluice/certs/server-key.pem" },
                ];
          stack = await startStack({ name, extra });
        } finally {
          ca?.dispose();
        }
        sim = await simulatorFor(loadBootstrap(bootstrapPath(name)), scenarios[0].listener ?? 10000);
      });
      afterAll(async () => {
        await stack?.stop();
      });

      for (const s of scenarios) {
        it(s.name, async () => {
          const envoy = await runInEnvoy(stack, s);
          const authority = new URL(s.listener === undefined ? stack.envoy.url : stack.envoy.urlFor(s.listener)).host;
          expect(runInSimulator(sim, authority, s)).toEqual(envoy);
        });
      }

      it("ends with the same sluice metrics", async () => {
        const expected = simulatorMetrics(sim);
        const same = (stats: Stats): boolean => [...expected].every(([k, v]) => stats.get(k) === v);
        const stats = await waitForStats(stack.envoy.adminUrl, same, { timeoutMs: 5_000 }).catch(() => undefined);
        const actual = stats ?? (await waitForStats(stack.envoy.adminUrl, () => true));
        expect(Object.fromEntries([...actual].filter(([k]) => expected.has(k)))).toEqual(Object.fromEntries(expected));
        expect([...actual.keys()].filter((k) => !expected.has(k))).toEqual([]);
      });
    });
  }
});
