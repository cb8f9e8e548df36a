// hystrix: hystrix-go CommandConfig (JSON or YAML) → circuit-breaker circuits.
//
// hystrix-go (settings.go, circuit.go, metrics.go, rolling/rolling.go): a field that is 0 or
// absent takes its default (Timeout 1000 ms, MaxConcurrentRequests 10, RequestVolumeThreshold 20,
// SleepWindow 5000 ms, ErrorPercentThreshold 50); requests and errors are summed over a rolling
// window of 10 one-second buckets; once the window holds RequestVolumeThreshold requests the
// circuit opens when int(errors / requests × 100 + 0.5) >= ErrorPercentThreshold; after
// SleepWindow one request is let through, whose success closes the circuit (and resets the
// window) and whose failure keeps it open for another SleepWindow. Errors include timeouts
// (calls longer than Timeout fail) and calls rejected over MaxConcurrentRequests.
import type { Imported } from "./emit.js";
import type { Kind } from "./kind.js";
import { count, type Report } from "./report.js";
import { circuitMatch, nameFrom, requestsOf } from "./resource.js";
import type { Value } from "./source.js";
import { hystrixThreshold } from "./threshold.js";
import { duration, exactRate } from "./units.js";

interface Field {
  go: string;
  json: string;
  fallback: number;
}

const FIELDS = {
  timeout: { go: "Timeout", json: "timeout", fallback: 1000 },
  max: { go: "MaxConcurrentRequests", json: "max_concurrent_requests", fallback: 10 },
  volume: { go: "RequestVolumeThreshold", json: "request_volume_threshold", fallback: 20 },
  sleep: { go: "SleepWindow", json: "sleep_window", fallback: 5000 },
  percent: { go: "ErrorPercentThreshold", json: "error_percent_threshold", fallback: 50 },
} satisfies Record<string, Field>;
const QUEUE = ["QueueSizeRejectionThreshold", "queue_size_rejection_threshold"];
const KNOWN = [...Object.values(FIELDS).flatMap((f) => [f.go, f.json]), ...QUEUE, "CommandGroup", "command_group"];
const DAY_MS = 86_400_000;

/** A field's value as hystrix-go applies it (0 or absent: the default), with where it is. */
function field(config: Value, f: Field, what: string, report: Report): { value: number; at: Value; given: boolean } | undefined {
  const v = config.get(f.go) ?? config.get(f.json);
  if (v === undefined || v.js === null) return { value: f.fallback, at: config, given: false };
  const n = v.num();
  if (n === undefined || !Number.isInteger(n) || n < 0) {
    report.refuse(v, `${what}: ${f.go} ${v.shown}`, "hystrix-go takes a whole number >= 0");
    return undefined;
  }
  return n === 0 ? { value: f.fallback, at: v, given: false } : { value: n, at: v, given: true };
}

/** The commands of a file: a mapping of command name → CommandConfig (hystrix.Configure), or
 *  one CommandConfig named after the file. */
function commands(doc: Value, report: Report): { name: string; config: Value }[] {
  if (!doc.isMap) {
    report.refuse(doc, `hystrix config ${doc.shown}`, "expected a mapping of command name to CommandConfig, or one CommandConfig");
    return [];
  }
  const keys = doc.keys().map((k) => k.key);
  if (keys.length > 0 && keys.every((k) => KNOWN.includes(k))) return [{ name: doc.file.name.replace(/\.[^.]*$/, ""), config: doc }];
  return doc.keys().map(({ key }) => ({ name: key, config: doc.get(key)! }));
}

export const hystrix: Kind = {
  name: "hystrix",
  summary: "hystrix-go CommandConfig (JSON or YAML, one or a map of commands) → circuit-breaker",
  filter: "circuit-breaker",
  read(docs, report, options): Imported {
    const taken = new Set<string>();
    const circuits: Record<string, unknown>[] = [];
    const comments = new Map<object, string[]>();
    const all = docs.flatMap((d) => commands(d, report));
    for (const { name, config } of all) {
      const what = `command "${name}"`;
      if (!config.isMap) {
        report.refuse(config, `${what}: ${config.shown}`, "a CommandConfig is a mapping");
        continue;
      }
      report.unknownKeys(config, KNOWN, [], what);
      const timeout = field(config, FIELDS.timeout, what, report);
      const max = field(config, FIELDS.max, what, report);
      const volume = field(config, FIELDS.volume, what, report);
      const sleep = field(config, FIELDS.sleep, what, report);
      const percent = field(config, FIELDS.percent, what, report);
      if (!timeout || !max || !volume || !sleep || !percent) continue;
      const queue = QUEUE.map((k) => config.get(k)).find((v) => v !== undefined && v.num() !== 0);
      if (queue) report.refuse(queue, `${what}: QueueSizeRejectionThreshold ${queue.shown}`, "the proxy does not queue calls");
      const shown = (label: string, f: { value: number; given: boolean }, unit = "") => `${label} ${f.value}${unit}${f.given ? "" : " (default)"}`;
      const notes = [`${config.at}: ${what}: ${[shown("RequestVolumeThreshold", volume), shown("ErrorPercentThreshold", percent, "%"),
        shown("SleepWindow", sleep, " ms"), shown("Timeout", timeout, " ms"), shown("MaxConcurrentRequests", max)].join(", ")}`];
      let requests;
      if (all.length === 1 && !name.startsWith("/") && !options.resources.has(name) && !/^[A-Z]+:\//.test(name)) {
        notes.push(`every request: "${name}" is the only command (--resource ${name}=/path limits it to some)`);
      } else {
        requests = requestsOf(name, config, what, report, notes, options.resources);
        if (requests === undefined) continue;
      }
      if (volume.value > 1_000_000) report.refuse(volume.at, `${what}: RequestVolumeThreshold ${volume.value}`, "minimum_calls is at most 1000000");
      if (sleep.value > DAY_MS) report.refuse(sleep.at, `${what}: SleepWindow ${sleep.value}`, "open_duration is at most 1d");
      if (max.value > 1_000_000) report.refuse(max.at, `${what}: MaxConcurrentRequests ${max.value}`, "max_in_flight is at most 1000000");

      const circuit: Record<string, unknown> = { name: nameFrom(name, taken, "command") };
      const match = circuitMatch(requests);
      if (match) circuit.match = match;
      circuit.window = { type: "time", duration: "10s", buckets: 10 };
      circuit.minimum_calls = volume.value;
      circuit.open_duration = duration(sleep.value);
      notes.push(`window: 10 buckets of 1s (hystrix-go's rolling window); minimum_calls ${volume.value} (RequestVolumeThreshold); ` +
        `open_duration ${duration(sleep.value)} (SleepWindow is in ms); one probe after it (half_open_probes 1)`);
      let rate;
      if (percent.value > 100) {
        notes.push(`no failure_rate: a percentage above 100 never opens hystrix-go's circuit`);
      } else {
        rate = exactRate("failure_rate", hystrixThreshold(percent.value),
          `hystrix-go opens when int(errors / requests × 100 + 0.5) >= ${percent.value}`, "for which that holds", notes);
        circuit.failure_rate = rate;
      }
      if (report.approximate(max.at, `${what}: MaxConcurrentRequests ${max.value}${max.given ? "" : " (hystrix-go's default)"}`,
        "hystrix-go counts a call rejected over the limit as an error towards ErrorPercentThreshold; max_in_flight rejects it without counting it",
        `max_in_flight ${max.value}`, notes)) circuit.max_in_flight = max.value;
      if (rate && report.approximate(timeout.at, `${what}: Timeout ${timeout.value} ms${timeout.given ? "" : " (hystrix-go's default)"}`,
        "hystrix-go fails a call after Timeout and counts it as an error with the others; circuit-breaker does not cut calls and counts slow calls in a rate of their own",
        `slow_call ${duration(timeout.value)} with slow_call_rate ${rate.text} (also set the route timeout to ${duration(timeout.value)}: Envoy's 504 is then a failure here)`, notes)) {
        circuit.slow_call = duration(timeout.value);
        circuit.slow_call_rate = rate;
      }
      circuits.push(circuit);
      comments.set(circuit, notes);
    }
    if (circuits.length > 16) report.refuse(docs[0]!, `${circuits.length} commands`, "circuit-breaker takes at most 16 circuits");
    return {
      filter: "circuit-breaker",
      config: { circuits },
      comments,
      header: [
        "From hystrix-go CommandConfigs (0 or absent fields take hystrix-go's defaults). A command's errors are what its " +
        "function returns; here a failure is a 5xx response, a gRPC status 2/4/13/14 or an upstream failure.",
      ],
      summary: count(circuits.length, "circuit"),
    };
  },
};
