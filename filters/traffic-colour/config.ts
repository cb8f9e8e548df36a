// The traffic-colour configuration: checked against schema.json by the shared walker, then
// compiled once in proxy_on_configure into an immutable TrafficColourConfig; the checks here are
// what a JSON Schema cannot say (colour references, unique names, SPIFFE patterns, timestamps).
// Conditions are compiled by match-config.ts, splits by split-config.ts.
import { asciiLower, stringToBuffer } from "../shared/bytes";
import { ConfigErrors } from "../shared/config-error";
import { element, field, items, num, readConfig, text } from "../shared/config-walker";
import { JsonValue } from "../shared/json";
import { spiffePatternOf } from "../shared/spiffe-config";
import { SpiffePattern } from "../shared/spiffe";
import { equalsBuffer } from "./byte-match";
import { readColourRef } from "./config-values";
import { Root, Rule as RuleFields, schema } from "./config-schema";
import { parseCondition } from "./match-config";
import { Source } from "./request-values";
import { NO_COLOUR, Rule } from "./rule";
import { parseSplit } from "./split-config";
import { INVALID_TIMESTAMP, parseTimestamp } from "./timestamp";

/** In schema.json order (the walker's enum index of `inbound`). */
export const enum Inbound { Strip, Keep, KeepFrom }

export class TrafficColourConfig {
  colours: string[] = [];
  /** Request header carrying the colour (lowercase). */
  header: string = "x-sluice-colour";
  defaultColour: i32 = NO_COLOUR;
  inbound: Inbound = Inbound.Strip;
  trustedPeers: SpiffePattern[] = [];
  /** `header` and each colour as bytes, for the host calls of every request. */
  headerBytes: ArrayBuffer = new ArrayBuffer(0);
  /** The property `request.headers.<header>`: every value of the header comma-joined. */
  headerProperty: ArrayBuffer = new ArrayBuffer(0);
  colourBytes: ArrayBuffer[] = [];
  /** Baggage member key for the colour; "" when baggage is not written. */
  baggageKey: string = "";
  /** `baggageKey` as bytes. */
  baggageKeyBytes: ArrayBuffer = new ArrayBuffer(0);
  /** `<baggageKey>=<colour>` as bytes for each colour (empty when baggage is off). */
  baggageMembers: ArrayBuffer[] = [];
  /** Response header echoing the colour; "" when off. */
  responseHeader: string = "";
  responseHeaderBytes: ArrayBuffer = new ArrayBuffer(0);
  rules: Rule[] = [];
  /** Request values the rules read (see RequestValues). */
  sources: Source[] = [];
  /** Some rule has an activation window, so requests need the proxy's clock. */
  needsClock: bool = false;

  /** Index of the colour named by the `n` bytes at `name`, or NO_COLOUR. */
  colourOf(name: usize, n: i32): i32 {
    const colours = this.colourBytes;
    for (let i = 0, count = colours.length; i < count; i++) {
      if (equalsBuffer(name, n, unchecked(colours[i]))) return i;
    }
    return NO_COLOUR;
  }
}

/** The configuration in `text`; null when it is invalid (every problem is in `errors`). */
export function parseConfig(text_: string, errors: ConfigErrors): TrafficColourConfig | null {
  const root = readConfig(text_, schema(), errors);
  if (root === null) return null;
  const c = new TrafficColourConfig();
  const colours = items(root, Root.colours);
  for (let i = 0; i < colours.length; i++) {
    const item = element(colours, i);
    if (c.colours.includes(item.string)) errors.at(item, "duplicate colour");
    c.colours.push(item.string);
  }
  c.header = asciiLower(text(root, Root.header));
  c.headerBytes = stringToBuffer(c.header);
  c.headerProperty = stringToBuffer("request\0headers\0" + c.header);
  const defaultColour = field(root, Root.default_colour);
  if (defaultColour !== null) c.defaultColour = readColourRef(errors, c.colours, defaultColour);
  c.inbound = <Inbound>num(root, Root.inbound);
  const peers = items(root, Root.trusted_peers);
  for (let i = 0; i < peers.length; i++) c.trustedPeers.push(spiffePatternOf(errors, element(peers, i)));
  c.baggageKey = text(root, Root.baggage_key);
  c.baggageKeyBytes = stringToBuffer(c.baggageKey);
  for (let i = 0; i < c.colours.length; i++) {
    c.colourBytes.push(stringToBuffer(c.colours[i]));
    if (c.baggageKey.length > 0) c.baggageMembers.push(stringToBuffer(c.baggageKey + "=" + c.colours[i]));
  }
  c.responseHeader = asciiLower(text(root, Root.response_header));
  c.responseHeaderBytes = stringToBuffer(c.responseHeader);
  const rules = items(root, Root.rules);
  for (let i = 0; i < rules.length; i++) readRule(errors, c, element(rules, i));
  return errors.failed ? null : c;
}

function readRule(errors: ConfigErrors, c: TrafficColourConfig, obj: JsonValue): void {
  const nameValue = changetype<JsonValue>(field(obj, RuleFields.name));
  const name = nameValue.string;
  for (let i = 0; i < c.rules.length; i++) {
    if (c.rules[i].name == name) errors.at(nameValue, "duplicate rule name");
  }
  const rule = new Rule(name);
  const colour = field(obj, RuleFields.colour);
  if (colour !== null) rule.colour = readColourRef(errors, c.colours, colour);
  const split = field(obj, RuleFields.split);
  if (split !== null) rule.split = parseSplit(errors, c.colours, c.sources, split, name);
  const match = field(obj, RuleFields.match);
  if (match !== null) rule.match = parseCondition(errors, c.sources, match);
  const notBefore = field(obj, RuleFields.not_before);
  if (notBefore !== null) rule.notBefore = readTimestamp(errors, notBefore);
  const notAfter = field(obj, RuleFields.not_after);
  if (notAfter !== null) {
    rule.notAfter = readTimestamp(errors, notAfter);
    if (rule.notAfter != INVALID_TIMESTAMP && rule.notAfter <= rule.notBefore) errors.at(notAfter, "must be later than not_before");
  }
  if (rule.hasWindow) c.needsClock = true;
  c.rules.push(rule);
}

function readTimestamp(errors: ConfigErrors, value: JsonValue): i64 {
  const ns = parseTimestamp(value.string);
  if (ns == INVALID_TIMESTAMP) errors.at(value, "must be an RFC 3339 timestamp like \"2026-01-31T09:00:00Z\"");
  return ns;
}
