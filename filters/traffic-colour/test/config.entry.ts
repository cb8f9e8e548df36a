// Test entry for config.ts: the critical log line a configuration gets, or a summary of what it
// parsed into.
import { bufferToString } from "../../shared/bytes";
import { ConfigErrors } from "../../shared/config-error";
import { parseConfig, TrafficColourConfig } from "../config";

class Parsed {
  constructor(readonly config: TrafficColourConfig | null, readonly error: string) {}
}

function parse(text: string): Parsed {
  const errors = new ConfigErrors("traffic-colour");
  const config = parseConfig(text, errors);
  return new Parsed(config, errors.lines.join("\n"));
}

/** The config error lines (one per line), or "" when the configuration is valid. */
export function configError(text: string): string {
  return parse(text).error;
}

const INBOUND = ["strip", "keep", "keep_from"];

/** `header=<h> inbound=<mode> default=<colour|-> baggage=<key|-> echo=<header|-> rules=<n>
 *  sources=<n> clock=<bool>`, or the error line. */
export function configSummary(text: string): string {
  const result = parse(text);
  const c = result.config;
  if (c === null) return result.error;
  return "header=" + c.header +
    " inbound=" + INBOUND[<i32>c.inbound] +
    " default=" + (c.defaultColour >= 0 ? c.colours[c.defaultColour] : "-") +
    " baggage=" + (c.baggageKey.length > 0 ? c.baggageKey : "-") +
    " echo=" + (c.responseHeader.length > 0 ? c.responseHeader : "-") +
    " rules=" + c.rules.length.toString() +
    " sources=" + c.sources.length.toString() +
    " clock=" + (c.needsClock ? "true" : "false");
}

/** The Set-Cookie values of rule `rule`'s sticky split, joined by "\n" ("" when none). */
export function stickyCookies(text: string, rule: i32): string {
  const c = parse(text).config;
  if (c === null || rule >= c.rules.length) return "";
  const split = c.rules[rule].split;
  if (split === null) return "";
  const sticky = split.sticky;
  if (sticky === null) return "";
  const values = new Array<string>();
  for (let i = 0; i < sticky.setCookies.length; i++) values.push(bufferToString(sticky.setCookies[i]));
  return values.join("\n");
}

