// Test entry for config.ts: the error line for a config text, or a summary of the parsed config.
import { formatNumber } from "../../shared/config-error";
import { Circuit, keySourceNames, modeNames, parseConfig, windowTypeNames } from "../config";
import { StatusRanges } from "../status-ranges";

/** The config error line, or "" when the config is valid. */
export function configError(text: string): string {
  return parseConfig(text).error;
}

/** One line per circuit with every parsed field, or the error line. */
export function describeConfig(text: string): string {
  const result = parseConfig(text);
  const config = result.config;
  if (config === null) return result.error;
  const lines = new Array<string>();
  for (let i = 0; i < config.circuits.length; i++) lines.push(describe(config.circuits[i]));
  return lines.join("\n");
}

function describe(c: Circuit): string {
  const statuses = describeRanges(c.httpStatuses);
  const ignored = describeRanges(c.ignoreHttpStatuses);
  return "name=" + c.name + " mode=" + modeNames()[c.mode] + " key=" + keySourceNames()[c.keySource] +
    (c.keyHeader.length > 0 ? ":" + c.keyHeader : "") + " max_keys=" + c.maxKeys.toString() +
    " http=" + statuses + " ignore=" + ignored + " grpc=" + c.grpcStatuses.join(",") +
    " upstream=" + (c.upstreamFailures ? "true" : "false") + " slow_ms=" + c.slowCallMs.toString() +
    " consecutive=" + c.consecutiveFailures.toString() + " failure_rate=" + formatNumber(c.failureRate) +
    " slow_rate=" + formatNumber(c.slowCallRate) + " minimum_calls=" + c.minimumCalls.toString() +
    " window=" + windowTypeNames()[c.windowType] + "/" + c.windowSize.toString() + "/" + c.windowMs.toString() + "ms/" +
    c.buckets.toString() + " open_ms=" + c.openMs.toString() + " backoff=" + formatNumber(c.backoffMultiplier) +
    " max_open_ms=" + c.maxOpenMs.toString() + " jitter=" + formatNumber(c.openJitter) +
    " probes=" + c.halfOpenProbes.toString() + " close_after=" + c.closeAfterSuccesses.toString() +
    " max_in_flight=" + c.maxInFlight.toString() + " reply=" + c.replyStatus.toString() +
    " headers=" + c.replyHeaders.length.toString();
}

/** "low-high" of each range, comma-separated. */
function describeRanges(ranges: StatusRanges): string {
  const b = ranges.bounds;
  let out = "";
  for (let i = 0; i < b.length; i += 2) out += (i > 0 ? "," : "") + b[i].toString() + "-" + b[i + 1].toString();
  return out;
}
