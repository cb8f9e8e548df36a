// Test entry for config.ts: the error lines for a config text, or a summary of the parsed config.
import { ConfigErrors } from "../../shared/config-error";
import { Circuit, CircuitBreakerConfig, parseConfig } from "../config";
import { StatusRanges } from "../status-ranges";

function parse(text: string, errors: ConfigErrors): CircuitBreakerConfig | null {
  return parseConfig(text, errors);
}

/** The config error lines (one per line), or "" when the config is valid. */
export function configError(text: string): string {
  const errors = new ConfigErrors("circuit-breaker");
  parse(text, errors);
  return errors.lines.join("\n");
}

/** One line per circuit with every parsed field, or the error lines. */
export function describeConfig(text: string): string {
  const errors = new ConfigErrors("circuit-breaker");
  const config = parse(text, errors);
  if (config === null) return errors.lines.join("\n");
  const lines = new Array<string>();
  for (let i = 0; i < config.circuits.length; i++) lines.push(describe(config.circuits[i]));
  return lines.join("\n");
}

function describe(c: Circuit): string {
  const statuses = describeRanges(c.httpStatuses);
  const ignored = describeRanges(c.ignoreHttpStatuses);
  return "name=" + c.name + " mode=" + c.mode.toString() + " key=" + c.keySource.toString() +
    (c.keyHeader.length > 0 ? ":" + c.keyHeader : "") + " max_keys=" + c.maxKeys.toString() +
    " http=" + statuses + " ignore=" + ignored + " grpc=" + c.grpcStatuses.join(",") +
    " upstream=" + (c.upstreamFailures ? "true" : "false") + " slow_ms=" + c.slowCallMs.toString() +
    " consecutive=" + c.consecutiveFailures.toString() + " failure_rate=" + c.failureRateText +
    " slow_rate=" + c.slowCallRateText + " minimum_calls=" + c.minimumCalls.toString() +
    " window=" + c.windowType.toString() + "/" + c.windowSize.toString() + "/" + c.windowMs.toString() + "ms/" +
    c.buckets.toString() + " open_ms=" + c.openMs.toString() + " backoff=" + c.backoffMultiplier.toString() +
    " max_open_ms=" + c.maxOpenMs.toString() + " jitter=" + c.openJitter.toString() +
    " probes=" + c.halfOpenProbes.toString() + " close_after=" + c.closeAfterSuccesses.toString() +
    " max_in_flight=" + c.maxInFlight.toString() + " reply=" + c.reply.status.toString() +
    " headers=" + c.reply.headers.length.toString() + " grpc_reply=" + c.reply.grpcStatus.toString();
}

/** "low-high" of each range, comma-separated. */
function describeRanges(ranges: StatusRanges): string {
  const b = ranges.bounds;
  let out = "";
  for (let i = 0; i < b.length; i += 2) out += (i > 0 ? "," : "") + b[i].toString() + "-" + b[i + 1].toString();
  return out;
}
