// What makes the filters' `sluice.*` counters reach Prometheus with labels on Istio sidecars and
// gateways (envoy/README.md, "Metrics on Istio"):
//  - the proxy must keep them: Istio's bootstrap keeps only the stats its inclusion list names, so
//    ProxyConfig.proxyStatsMatcher.inclusionRegexps gets STATS_INCLUSION_REGEX (the pod annotation
//    `proxy.istio.io/config`, patches/proxy-config.yaml);
//  - and turn rule/circuit/key/colour/policy names into labels: the same stats_tags as the Envoy
//    bootstrap, merged into each proxy's bootstrap by an EnvoyFilter (applyTo BOOTSTRAP). istiod
//    applies BOOTSTRAP patches when the agent takes its bootstrap over xDS, which the same
//    annotation turns on (proxyMetadata BOOTSTRAP_XDS_AGENT). Waypoints take no BOOTSTRAP patch:
//    there the metrics keep their full names (the inclusion still applies).
import { stringify } from "yaml";
import type { SluiceConfig } from "../config.js";
import { CliError } from "../errors.js";
import { attachmentOf } from "./istio.js";
import { istioProblems } from "./istio-schema.js";
import { STATS_INCLUSION_REGEX, STATS_TAGS } from "./stats-tags.js";

/** The `proxy.istio.io/config` annotation value (a ProxyConfig in YAML). */
export function proxyConfigAnnotation(): string {
  return stringify({ proxyMetadata: { BOOTSTRAP_XDS_AGENT: "true" }, proxyStatsMatcher: { inclusionRegexps: [STATS_INCLUSION_REGEX] } }, { lineWidth: 0 });
}

/** A strategic-merge patch of a Deployment's pod template adding the annotation (kubectl patch --patch-file). */
export function proxyConfigPatch(): object {
  return { spec: { template: { metadata: { annotations: { "proxy.istio.io/config": proxyConfigAnnotation() } } } } };
}

/**
 * One EnvoyFilter per namespace the filters run in, for every proxy of the namespace (the stats
 * tags change nothing for proxies without the filters). None for filters only on waypoints
 * (target_refs of kind Service), which take no BOOTSTRAP patch.
 */
export function istioMetrics(c: SluiceConfig): object[] {
  const namespaces: string[] = [];
  for (const f of c.filters) {
    const a = attachmentOf(c, f);
    if (a.targetRefs?.every((r) => r.kind === "Service")) continue;
    if (!namespaces.includes(a.namespace)) namespaces.push(a.namespace);
  }
  return namespaces.map((namespace) => {
    const doc = {
      apiVersion: "networking.istio.io/v1alpha3",
      kind: "EnvoyFilter",
      metadata: { name: "sluice-metrics", namespace },
      spec: {
        configPatches: [{
          applyTo: "BOOTSTRAP",
          patch: {
            operation: "MERGE",
            // appended to Istio's own stats_tags (the inclusion is the annotation's job: merging a
            // stats_matcher would replace Istio's when it has none)
            value: { stats_config: { stats_tags: STATS_TAGS } },
          },
        }],
      },
    };
    const problems = istioProblems(doc);
    if (problems.length > 0) throw new CliError(`${c.file}: the metrics EnvoyFilter would be rejected: ${problems.join("; ")}`, 1);
    return doc;
  });
}
