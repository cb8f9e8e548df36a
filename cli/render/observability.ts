// `sluice render observability`: a Grafana dashboard and Prometheus alerting rules over the
// filters' metrics as Prometheus sees them from Envoy or Istio once the stats tags apply
// (cli/render/stats-tags.ts): `sluice_rate_limit_limited{sluice_rule="per-user"}`, ...
// Written to envoy/observability/ by npm run render; README.md ("Dashboard and alerts") describes
// the panels. cli/test/observability.test.ts checks that every metric and label named here is one
// the filters emit, and runs promtool on the rules (envoy/observability/sluice-alerts.test.yaml).

/** Labels of the scrape (Kubernetes and static targets) that alerts aggregate away. */
const SCRAPE = "instance, pod";
const sumBy = (labels: string, expr: string) => `sum by (${labels}) (${expr})`;
const rate = (metric: string, selector = "", window = "$__rate_interval") => `rate(${metric}${selector}[${window}])`;

interface Target {
  expr: string;
  legendFormat: string;
}

interface PanelSpec {
  title: string;
  description: string;
  type: "timeseries" | "state-timeline" | "piechart";
  unit: string;
  targets: Target[];
  stacked?: boolean;
}

const DATASOURCE = { type: "prometheus", uid: "${datasource}" };

const STATE_MAPPINGS = [{
  type: "value",
  options: {
    "0": { text: "closed", color: "green", index: 0 },
    "1": { text: "open", color: "red", index: 1 },
    "2": { text: "half-open", color: "yellow", index: 2 },
  },
}];

function panel(spec: PanelSpec, id: number, x: number, y: number): object {
  const custom = spec.type === "timeseries" ? { drawStyle: "line", fillOpacity: spec.stacked ? 40 : 10, stacking: { mode: spec.stacked ? "normal" : "none", group: "A" } } : {};
  return {
    id,
    type: spec.type,
    title: spec.title,
    description: spec.description,
    datasource: DATASOURCE,
    gridPos: { h: 8, w: 8, x, y },
    fieldConfig: {
      defaults: { unit: spec.unit, ...(spec.type === "state-timeline" ? { mappings: STATE_MAPPINGS } : {}), custom },
      overrides: [],
    },
    options: spec.type === "piechart" ? { reduceOptions: { calcs: ["lastNotNull"] }, legend: { displayMode: "table", placement: "right", values: ["percent"] } } : { legend: { displayMode: "list", placement: "bottom" } },
    targets: spec.targets.map((t, i) => ({ datasource: DATASOURCE, refId: String.fromCharCode(65 + i), expr: t.expr, legendFormat: t.legendFormat, range: true })),
  };
}

/** The dashboard's rows, one per filter plus the Wasm VMs, three panels each. */
export const ROWS: { title: string; panels: PanelSpec[] }[] = [
  {
    title: "spiffe-rbac",
    panels: [
      {
        title: "Decisions", type: "timeseries", unit: "reqps", stacked: true,
        description: "Requests allowed and denied, and what shadow mode would have decided.",
        targets: ["allowed", "denied", "shadow_allowed", "shadow_denied"].map((d) => ({ expr: `sum(${rate(`sluice_spiffe_rbac_${d}`)})`, legendFormat: d })),
      },
      {
        title: "Matches by policy", type: "timeseries", unit: "reqps",
        description: "Requests each policy matched (the policy that decided them).",
        targets: [{ expr: sumBy("sluice_policy", rate("sluice_spiffe_rbac_policy_matched")), legendFormat: "{{sluice_policy}}" }],
      },
      {
        title: "Identities and request shapes", type: "timeseries", unit: "reqps",
        description: "Callers whose identity could not be used (a peer identity that is not a valid SPIFFE ID, a malformed x-forwarded-client-cert from a trusted proxy), requests answered 400 for an ambiguous path or authority, and requests forwarded with the normalized path or authority the policies matched.",
        targets: [
          { expr: `sum(${rate("sluice_spiffe_rbac_invalid_identity")})`, legendFormat: "invalid identity" },
          { expr: `sum(${rate("sluice_spiffe_rbac_xfcc_malformed")})`, legendFormat: "malformed XFCC" },
          { expr: `sum(${rate("sluice_spiffe_rbac_path_rejected")})`, legendFormat: "path rejected" },
          { expr: `sum(${rate("sluice_spiffe_rbac_authority_rejected")})`, legendFormat: "authority rejected" },
          { expr: `sum(${rate("sluice_spiffe_rbac_path_normalized")})`, legendFormat: "path normalized" },
          { expr: `sum(${rate("sluice_spiffe_rbac_authority_normalized")})`, legendFormat: "authority normalized" },
        ],
      },
    ],
  },
  {
    title: "rate-limit",
    panels: [
      {
        title: "Allowed, limited and shadow-limited per rule", type: "timeseries", unit: "reqps",
        description: "Per rule: requests a bucket allowed, requests it rejected with 429, and requests shadow mode would have rejected.",
        targets: [["allowed", "allowed"], ["limited", "limited"], ["shadow_limited", "shadow"]]
          .map(([m, l]) => ({ expr: sumBy("sluice_rule", rate(`sluice_rate_limit_${m}`)), legendFormat: `{{sluice_rule}} ${l}` })),
      },
      {
        title: "Rejected share per rule", type: "timeseries", unit: "percentunit",
        description: "limited / (allowed + limited) per rule: the share of a rule's requests answered 429.",
        targets: [{
          expr: `${sumBy("sluice_rule", rate("sluice_rate_limit_limited"))} / (${sumBy("sluice_rule", rate("sluice_rate_limit_allowed"))} + ${sumBy("sluice_rule", rate("sluice_rate_limit_limited"))})`,
          legendFormat: "{{sluice_rule}}",
        }],
      },
      {
        title: "Store, service, eviction and overflow events", type: "timeseries", unit: "reqps",
        description: "Shared-data failures (requests let through untracked), rate limit service errors, slots taken over from full buckets, and requests whose key found no slot (decided by the rule's overflow policy).",
        targets: [["store_error", "store error"], ["rls_error", "rate limit service error"], ["evicted", "evicted"], ["overflow", "overflow"]]
          .map(([m, l]) => ({ expr: sumBy("sluice_rule", rate(`sluice_rate_limit_${m}`)), legendFormat: `{{sluice_rule}} ${l}` })),
      },
    ],
  },
  {
    title: "traffic-colour",
    panels: [
      {
        title: "Colour distribution", type: "timeseries", unit: "reqps", stacked: true,
        description: "Requests by the colour they left the filter with.",
        targets: [{ expr: sumBy("sluice_colour", rate("sluice_traffic_colour_requests")), legendFormat: "{{sluice_colour}}" }],
      },
      {
        title: "Colour share", type: "piechart", unit: "percentunit",
        description: "Each colour's share of the requests in the dashboard's time range.",
        targets: [{ expr: sumBy("sluice_colour", "increase(sluice_traffic_colour_requests[$__range])"), legendFormat: "{{sluice_colour}}" }],
      },
      {
        title: "Untrusted and invalid colours", type: "timeseries", unit: "reqps",
        description: "Colour headers or baggage stripped because the peer may not set them, and colours that are not configured.",
        targets: [
          { expr: `sum(${rate("sluice_traffic_colour_untrusted_stripped")})`, legendFormat: "untrusted, stripped" },
          { expr: `sum(${rate("sluice_traffic_colour_invalid")})`, legendFormat: "invalid" },
        ],
      },
    ],
  },
  {
    title: "circuit-breaker",
    panels: [
      {
        title: "Circuit state per circuit and key", type: "state-timeline", unit: "none",
        description: "Closed, open or half-open, per circuit and, for split circuits, per key (the worst of the proxies).",
        targets: [
          { expr: 'max by (sluice_circuit) (sluice_circuit_breaker_state{sluice_key=""})', legendFormat: "{{sluice_circuit}}" },
          { expr: 'max by (sluice_circuit, sluice_key) (sluice_circuit_breaker_state{sluice_key!=""})', legendFormat: "{{sluice_circuit}} key {{sluice_key}}" },
        ],
      },
      {
        title: "Transitions per circuit and key", type: "timeseries", unit: "short",
        description: "Circuits opened (trips and reopenings), half-opened and closed, per key for split circuits.",
        targets: ["opened", "half_opened", "closed"].map((t) => ({
          expr: sumBy("sluice_circuit, sluice_key", `increase(sluice_circuit_breaker_${t}[$__rate_interval])`),
          legendFormat: `{{sluice_circuit}} {{sluice_key}} ${t}`,
        })),
      },
      {
        title: "Calls, failures and rejections", type: "timeseries", unit: "reqps",
        description: "Per circuit: calls whose outcome counted, failures and slow calls among them, requests rejected fast, and requests passed untracked (store errors, no free key slot).",
        // rejected also has per-key series: the circuit's own are those without sluice_key
        targets: [["calls", "calls", ""], ["failures", "failures", ""], ["slow_calls", "slow", ""], ["rejected", "rejected", '{sluice_key=""}'],
          ["store_error", "store error", ""], ["key_overflow", "key overflow", ""]]
          .map(([m, l, selector]) => ({ expr: sumBy("sluice_circuit", rate(`sluice_circuit_breaker_${m}`, selector)), legendFormat: `{{sluice_circuit}} ${l}` })),
      },
    ],
  },
  {
    title: "Wasm VMs",
    panels: [
      {
        title: "VM reloads per plugin", type: "timeseries", unit: "short",
        description: "Wasm VMs that failed and were reloaded (failStrategy FAIL_RELOAD), and reloads that failed or waited for their backoff.",
        targets: [["vm_reload", "reloaded"], ["vm_reload_failure", "reload failed"], ["vm_reload_backoff", "reload backing off"]]
          .map(([m, l]) => ({ expr: sumBy("sluice_plugin", `increase(envoy_wasm_${m}[$__rate_interval])`), legendFormat: `{{sluice_plugin}} ${l}` })),
      },
    ],
  },
];

export function dashboard(): object {
  const panels: object[] = [];
  let id = 1;
  let y = 0;
  for (const row of ROWS) {
    panels.push({ id: id++, type: "row", title: row.title, collapsed: false, gridPos: { h: 1, w: 24, x: 0, y }, panels: [] });
    y += 1;
    row.panels.forEach((p, i) => panels.push(panel(p, id++, (i % 3) * 8, y)));
    y += 8;
  }
  return {
    title: "Sluice",
    uid: "sluice",
    description: "Sluice Proxy-Wasm filters: rbac decisions, rate limits, colours, circuits, Wasm VMs (README.md, \"Dashboard and alerts\").",
    tags: ["sluice", "envoy", "istio"],
    schemaVersion: 39,
    version: 1,
    editable: true,
    time: { from: "now-6h", to: "now" },
    refresh: "30s",
    templating: {
      list: [{ name: "datasource", label: "Prometheus", type: "datasource", query: "prometheus", current: {}, hide: 0 }],
    },
    annotations: { list: [] },
    panels,
  };
}

/** A plugin name of a Sluice filter as Envoy (the id) or Istio (<namespace>.sluice-<id>) names it. */
const SLUICE_PLUGIN = 'sluice_plugin=~"(.+[.])?(sluice-)?(spiffe-rbac|rate-limit|traffic-colour|circuit-breaker)"';

interface Rule {
  alert: string;
  expr: string;
  for: string;
  severity: "warning" | "critical";
  summary: string;
  description: string;
}

export const RULES: Rule[] = [
  {
    alert: "SluiceCircuitOpen",
    expr: `max without (${SCRAPE}) (sluice_circuit_breaker_state) == 1`,
    for: "5m",
    severity: "warning",
    summary: 'Circuit {{ $labels.sluice_circuit }}{{ with $labels.sluice_key }} key "{{ . }}"{{ end }} has been open for 5 minutes',
    description: "Requests covered by the circuit are rejected fast (503 with x-sluice-circuit). Its probes keep failing: look at the upstream it protects.",
  },
  {
    alert: "SluiceRateLimitRejecting",
    expr: `sum without (${SCRAPE}) (rate(sluice_rate_limit_limited[5m])) / (sum without (${SCRAPE}) (rate(sluice_rate_limit_allowed[5m])) + sum without (${SCRAPE}) (rate(sluice_rate_limit_limited[5m]))) > 0.2`,
    for: "10m",
    severity: "warning",
    summary: "Rate limit rule {{ $labels.sluice_rule }} rejects {{ $value | humanizePercentage }} of its requests",
    description: "More than 20% of the rule's requests get 429 for 10 minutes: a client over its budget, or limits set too low.",
  },
  {
    alert: "SluiceRbacDenialsSpike",
    expr: `sum without (${SCRAPE}) (rate(sluice_spiffe_rbac_denied[5m])) > 1 and sum without (${SCRAPE}) (rate(sluice_spiffe_rbac_denied[5m])) > 3 * sum without (${SCRAPE}) (rate(sluice_spiffe_rbac_denied[1h] offset 5m))`,
    for: "5m",
    severity: "warning",
    summary: "spiffe-rbac denials tripled: {{ $value | humanize }}/s",
    description: "Denied requests run at more than 1/s and three times their rate of the hour before: a caller lost its identity or a policy change denies traffic it should not.",
  },
  {
    alert: "SluiceRateLimitStoreErrors",
    expr: `sum without (${SCRAPE}) (increase(sluice_rate_limit_store_error[10m])) > 0`,
    for: "0m",
    severity: "warning",
    summary: "Rate limit rule {{ $labels.sluice_rule }} could not use shared data",
    description: "Requests passed without being counted (Proxy-Wasm shared data failed or kept losing compare-and-swap races).",
  },
  {
    alert: "SluiceCircuitStoreErrors",
    expr: `sum without (${SCRAPE}) (increase(sluice_circuit_breaker_store_error[10m])) > 0`,
    for: "0m",
    severity: "warning",
    summary: "Circuit {{ $labels.sluice_circuit }} could not use shared data",
    description: "Calls passed untracked: the circuit cannot open for them.",
  },
  {
    alert: "SluiceRateLimitServiceErrors",
    expr: `sum without (${SCRAPE}) (increase(sluice_rate_limit_rls_error[10m])) > 0`,
    for: "5m",
    severity: "warning",
    summary: "Rule {{ $labels.sluice_rule }} cannot reach the rate limit service",
    description: "Global limits fall back to rls.failure_mode_deny (let through by default).",
  },
  {
    alert: "SluiceWasmVmCrashed",
    expr: `sum without (${SCRAPE}) (increase(envoy_wasm_vm_reload{${SLUICE_PLUGIN}}[10m])) > 0`,
    for: "0m",
    severity: "critical",
    summary: "The Wasm VM of {{ $labels.sluice_plugin }} failed and was reloaded",
    description: "A filter trapped (a bug: Sluice filters must never trap). The request that hit it failed; the VM was recreated (failStrategy FAIL_RELOAD).",
  },
  {
    alert: "SluiceWasmVmReloadFailing",
    expr: `sum without (${SCRAPE}) (increase(envoy_wasm_vm_reload_failure{${SLUICE_PLUGIN}}[10m])) > 0`,
    for: "0m",
    severity: "critical",
    summary: "The Wasm VM of {{ $labels.sluice_plugin }} cannot be reloaded",
    description: "The failed VM could not be recreated: the filter is out of the chain (FAIL_OPEN) or fails every request (FAIL_CLOSE).",
  },
];

export function alertRules(): object {
  return {
    groups: [{
      name: "sluice",
      rules: RULES.map((r) => ({
        alert: r.alert, expr: r.expr, for: r.for,
        labels: { severity: r.severity },
        annotations: { summary: r.summary, description: r.description },
      })),
    }],
  };
}
