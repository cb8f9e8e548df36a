// Istio's failStrategy spelled as Envoy's PluginConfig.failure_policy (Envoy >= 1.33; the
// deprecated fail_open is never written): Istio says FAIL_CLOSE where Envoy says FAIL_CLOSED.
import type { FilterEntry } from "./config.js";

export type EnvoyFailurePolicy = "FAIL_CLOSED" | "FAIL_OPEN" | "FAIL_RELOAD";

const POLICY: Record<FilterEntry["fail_strategy"], EnvoyFailurePolicy> = { FAIL_CLOSE: "FAIL_CLOSED", FAIL_OPEN: "FAIL_OPEN", FAIL_RELOAD: "FAIL_RELOAD" };

export function envoyFailurePolicy(strategy: FilterEntry["fail_strategy"]): EnvoyFailurePolicy {
  return POLICY[strategy];
}
