// Benchmark scenarios (bench/scenario.ts shape): the circuit in every state a request meets it in,
// each with the host calls its logic needs.
import type { Proxy } from "../../../host-sim/src/index.js";
import { answered, plainRequest, SOAK_REQUESTS, withHeaders, type Scenario } from "../../../bench/scenario.js";

const FILTER = "circuit-breaker";
/** A 10 s window in 10 buckets that trips on failures or slow calls. */
const TIME_WINDOW = {
  name: "api", failure_rate: 0.5, slow_call: "300ms", slow_call_rate: 0.8, window: { type: "time", duration: "10s", buckets: 10 },
};

/** Trips the circuit with one failing call (the circuits below open after one failure). */
function trip(proxy: Proxy): void {
  proxy.request(answered(plainRequest(), "503"));
}

export const scenarios: Scenario[] = [
  {
    name: "circuit-breaker/closed-count-window",
    filter: FILTER,
    config: { circuits: [{ name: "api", failure_rate: 0.5, consecutive_failures: 10, window: { type: "count", size: 100 } }] },
    request: () => plainRequest(),
    // record read, content-type (gRPC statuses count for gRPC calls), :status, record write (the
    // read's copy stands in for a second read)
    budget: { hostCallsPerRequest: 4 },
  },
  {
    name: "circuit-breaker/closed-time-window-slow-calls",
    filter: FILTER,
    config: { circuits: [TIME_WINDOW] },
    request: () => plainRequest(),
    // + start time, end time
    budget: { hostCallsPerRequest: 6 },
  },
  {
    name: "circuit-breaker/closed-per-colour",
    filter: FILTER,
    config: { circuits: [{ ...TIME_WINDOW, key: { source: "header", name: "x-colour" }, max_keys: 4 }] },
    request: (i) => withHeaders([["x-colour", i % 2 === 0 ? "stable" : "canary"]]),
    // + the key header (the two colours alternate, so each outcome reads its record again)
    budget: { hostCallsPerRequest: 7 },
    soak: SOAK_REQUESTS,
  },
  {
    name: "circuit-breaker/open-fast-fail",
    filter: FILTER,
    config: { circuits: [{ name: "api", consecutive_failures: 1, open_duration: "1h" }] },
    setup: trip,
    request: () => plainRequest(),
    // record read, clock, content-type (gRPC or not), local reply
    budget: { hostCallsPerRequest: 4 },
  },
  {
    name: "circuit-breaker/half-open-probe",
    filter: FILTER,
    // Every request is a probe: a 404 proves nothing, so each probe gives its place back and the
    // circuit stays half-open.
    config: {
      circuits: [{ name: "api", consecutive_failures: 1, open_duration: "1s", half_open_probes: 1, failure: { ignore_http_statuses: ["404"] } }],
    },
    setup: (proxy) => {
      trip(proxy);
      proxy.advance(1_000);
      proxy.request(answered(plainRequest(), "404")); // the half-open transition
    },
    request: () => answered(plainRequest(), "404"),
    // record read, clock, record write (probe taken); :status, record read, record write (given back)
    budget: { hostCallsPerRequest: 6 },
  },
  {
    name: "circuit-breaker/half-open-rejected",
    filter: FILTER,
    // The one probe is still in flight: every other request is rejected.
    config: { circuits: [{ name: "api", consecutive_failures: 1, open_duration: "1s", half_open_probes: 1 }] },
    setup: (proxy) => {
      trip(proxy);
      proxy.advance(1_000);
      proxy.newStream().sendRequestHeaders(plainRequest().headers!, { endOfStream: true }); // the probe, never answered
    },
    request: () => plainRequest(),
    // record read, content-type, local reply (half-open needs no clock)
    budget: { hostCallsPerRequest: 3 },
  },
];
