// What real Envoy (1.40, ENVOY_BIN or PATH) calls on the Wasm filters of a chain when one in the
// middle sends a local reply: the semantics the bundle reproduces for its members (bundle.ts,
// README "Local replies"). Probes (host-sim/test/fixtures/callback-probe.ts) before and after
// spiffe-rbac log every callback. Without a local Envoy the file prints one line and skips.
import { existsSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { toConfig } from "../../../cli/config.js";
import type { Json } from "../../../cli/local-envoy/admin.js";
import { endpointKey } from "../../../cli/local-envoy/bootstrap-rewrite.js";
import { request } from "../../../cli/local-envoy/client.js";
import { envoyVersion, startLocalEnvoy, type LocalEnvoy } from "../../../cli/local-envoy/envoy-process.js";
import { envoyBootstrap } from "../../../cli/render/envoy.js";
import { ROOT, wasmPath } from "../../../bench/setup.js";

type Obj = { [key: string]: Json };
const PROBE = join(ROOT, "build/fixtures/callback-probe.wasm");

const version = await envoyVersion().catch((err: Error) => {
  process.stdout.write(`envoy local-reply semantics: skipped, no local Envoy (${err.message})\n`);
  return undefined;
});

/** probe "before" -> spiffe-rbac (denies /admin*) -> probe "after", routes answered by Envoy itself. */
function probedChain(): Obj {
  const doc = {
    upstreams: { app: { address: "app", port: 8080 } },
    filters: [
      { id: "traffic-colour", config: { colours: ["stable"], default_colour: "stable" } },
      { id: "spiffe-rbac", config: { policies: [{ name: "no-admin", action: "DENY", to: { paths: ["/admin*"] } }] } },
      { id: "circuit-breaker", config: { circuits: [{ name: "api", consecutive_failures: 3 }] } },
    ],
  };
  const bootstrap = envoyBootstrap(toConfig("probe", doc), false) as Obj;
  const hcm = ((((bootstrap.static_resources as Obj).listeners as Obj[])[0].filter_chains as Obj[])[0].filters as Obj[])[0].typed_config as Obj;
  ((hcm.route_config as Obj).virtual_hosts as Obj[])[0].routes = [{ match: { prefix: "/" }, direct_response: { status: 200, body: { inline_string: "ok" } } }];
  const wasm = hcm.http_filters as Obj[];
  for (const [i, name] of [[0, "before"], [2, "after"]] as const) {
    const c = (wasm[i].typed_config as Obj).config as Obj;
    c.root_id = "probe";
    c.name = `probe-${name}`;
    (c.vm_config as Obj).vm_id = `probe-${name}`;
    ((c.vm_config as Obj).code as Obj).local = { filename: "/etc/sluice/probe.wasm" };
    (c.configuration as Obj).value = name;
  }
  return bootstrap;
}

describe.skipIf(version === undefined || !existsSync(PROBE))(`a local reply in the middle of a chain of Wasm filters (Envoy ${version ?? "-"})`, () => {
  let envoy: LocalEnvoy | undefined;
  beforeAll(async () => {
    envoy = await startLocalEnvoy({
      rendered: probedChain(),
      // the routes answer themselves: the cluster is never called
      rewrite: { endpoints: new Map([[endpointKey("app", 8080), 9]]), files: new Map([["/etc/sluice/probe.wasm", PROBE], ["/etc/sluice/spiffe-rbac.wasm", wasmPath("spiffe-rbac")]]) },
      concurrency: 1,
      name: "envoy local-reply probe",
    });
  }, 60_000);
  afterAll(async () => {
    await envoy?.stop();
  });

  /** The probes' lines for the request to `path`, once the "after" probe logged its access-log callback. */
  async function probeLines(path: string, headers: Record<string, string> = {}): Promise<{ status: number; lines: string[] }> {
    const before = envoy!.logs.text().length;
    const res = await request(`${envoy!.url}${path}`, { headers: { "x-probe": path, ...headers } });
    const deadline = Date.now() + 5_000;
    let text = "";
    while (Date.now() < deadline) {
      text = envoy!.logs.text().slice(before);
      if (text.includes("probe after: log") && text.includes("probe before: log")) break;
      await new Promise((r) => setTimeout(r, 50));
    }
    const lines = [...text.matchAll(/probe (before|after): (request_headers|response_headers|log)/g)].map((m) => `${m[1]}: ${m[2]}`);
    return { status: res.status, lines };
  }

  it("an allowed request: every filter sees the request, the response (in reverse order) and the access log", async () => {
    const { status, lines } = await probeLines("/ok");
    expect(status).toBe(200);
    expect(lines).toEqual(["before: request_headers", "after: request_headers", "after: response_headers", "before: response_headers", "before: log", "after: log"]);
  });

  it("a local reply from spiffe-rbac: the filter before it sees the reply's headers, the one after sees neither request nor response, only the access log", async () => {
    const { status, lines } = await probeLines("/admin/x");
    expect(status).toBe(403);
    expect(lines).toEqual(["before: request_headers", "before: response_headers", "before: log", "after: log"]);
  });

  it("a local reply from the last filter: it sees its own reply's headers, then the filters before it", async () => {
    const { status, lines } = await probeLines("/ok", { "x-probe-reply": "1" });
    expect(status).toBe(418);
    expect(lines).toEqual(["before: request_headers", "after: request_headers", "after: response_headers", "before: response_headers", "before: log", "after: log"]);
  });
});
