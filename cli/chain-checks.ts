// Every check `sluice render` makes on a sluice.yaml beyond reading it, for every target, in one
// function: render calls it before writing anything and `sluice validate` calls it after the
// filter configs, so a file validate accepts renders. It renders each target and keeps nothing:
// rate-limit's rls.cluster among the upstreams (Envoy); phases and priorities keeping the chain
// order, traffic-colour placed before the routing it feeds, the colour routing's host, and the
// CRDs' schemas and CEL rules (Istio, both extension APIs). A problem is a CliError with exit
// status 1 and one line `<file>: <what>`.
import type { SluiceConfig } from "./config.js";
import { envoyBootstrap } from "./render/envoy.js";
import { extensions, ISTIO_APIS, istioRouting } from "./render/istio.js";
import { istioMetrics } from "./render/istio-metrics.js";

export function checkChain(c: SluiceConfig): void {
  envoyBootstrap(c, false);
  for (const api of ISTIO_APIS) extensions(c, api);
  istioRouting(c);
  istioMetrics(c);
}
