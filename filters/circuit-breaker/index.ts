// circuit-breaker: trips circuits on failure rate, consecutive failures or slow calls, fails fast
// while open and lets a fixed number of probes through in half-open, across every worker VM.
export * from "../shared/dispatch";
export * from "../shared/access-log-dispatch";
import { registerRoot, RootContext } from "../shared/context";
import { CircuitBreakerRoot } from "./filter";

registerRoot("circuit-breaker", (id: u32, rootId: string): RootContext => new CircuitBreakerRoot(id, rootId));
