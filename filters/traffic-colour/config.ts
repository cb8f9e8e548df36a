// The traffic-colour configuration: parsed and checked once in proxy_on_configure into an immutable
// TrafficColourConfig. Objects are checked like schema.json (type, required members, unknown keys,
// then members in schema order), then the semantic checks. Conditions are parsed by
// match-config.ts, splits by split-config.ts.
import { stringToBuffer } from "../shared/bytes";
import { ConfigReader, JsonKind, JsonValue } from "../shared/json";
import { compileSpiffePattern, SpiffeError, spiffeErrorMessage, SpiffePattern } from "../shared/spiffe";
import { equalsBuffer } from "./byte-match";
import { checkToken, MAX_COLOURS, MAX_NAME_CHARS, readColourRef, readHeaderName } from "./config-values";
import { parseGroup } from "./match-config";
import { Source } from "./request-values";
import { NO_COLOUR, Rule } from "./rule";
import { parseSplit } from "./split-config";
import { isColourName } from "./syntax";
import { INVALID_TIMESTAMP, parseTimestamp } from "./timestamp";

export const enum Inbound { Strip, Keep, KeepFrom }

// @ts-ignore: decorator
@inline const MAX_RULES = 64;
// @ts-ignore: decorator
@inline const MAX_PEERS = 32;
// @ts-ignore: decorator
@inline const MAX_SPIFFE_CHARS = 2048;

export class TrafficColourConfig {
  colours: string[] = [];
  /** Request header carrying the colour (lowercase). */
  header: string = "x-sluice-colour";
  defaultColour: i32 = NO_COLOUR;
  inbound: Inbound = Inbound.Strip;
  trustedPeers: SpiffePattern[] = [];
  /** `header` and each colour as bytes, for the host calls of every request. */
  headerBytes: ArrayBuffer = new ArrayBuffer(0);
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

/** Result of parsing: the config, or the one critical log line that rejects it. */
export class ParseResult {
  constructor(readonly config: TrafficColourConfig | null, readonly error: string) {}
}

export function parseConfig(text: string): ParseResult {
  const r = new ConfigReader("traffic-colour");
  const config = readConfig(r, text);
  const failed = r.failed;
  return new ParseResult(failed ? null : config, failed ? r.message() : "");
}

function readConfig(r: ConfigReader, text: string): TrafficColourConfig {
  const c = new TrafficColourConfig();
  let root = r.parse(text);
  if (r.empty) root = new JsonValue(JsonKind.Object);
  r.member(root, "colours", true);
  r.unknownKeys(root, ["colours", "header", "default_colour", "inbound", "trusted_peers", "baggage_key", "response_header", "rules"]);
  readColours(r, r.requiredArray(root, "colours", 1, MAX_COLOURS), c.colours);
  c.header = readHeaderName(r, r.member(root, "header", false), "x-sluice-colour", MAX_NAME_CHARS);
  c.headerBytes = stringToBuffer(c.header);
  const defaultColour = r.member(root, "default_colour", false);
  if (defaultColour !== null) c.defaultColour = readColourRef(r, c.colours, defaultColour);
  const inbound = r.member(root, "inbound", false);
  c.inbound = <Inbound>r.asEnum(inbound, ["strip", "keep", "keep_from"], Inbound.Strip);
  readTrustedPeers(r, c, root, inbound);
  const baggageKey = r.member(root, "baggage_key", false);
  c.baggageKey = r.asString(baggageKey, "", 1, MAX_NAME_CHARS);
  if (baggageKey !== null) checkToken(r, baggageKey, c.baggageKey, "baggage key");
  c.baggageKeyBytes = stringToBuffer(c.baggageKey);
  for (let i = 0; i < c.colours.length; i++) {
    c.colourBytes.push(stringToBuffer(c.colours[i]));
    if (c.baggageKey.length > 0) c.baggageMembers.push(stringToBuffer(c.baggageKey + "=" + c.colours[i]));
  }
  c.responseHeader = readHeaderName(r, r.member(root, "response_header", false), "", MAX_NAME_CHARS);
  c.responseHeaderBytes = stringToBuffer(c.responseHeader);
  const rules = r.optionalArray(root, "rules", 0, MAX_RULES);
  if (rules !== null) {
    for (let i = 0; i < rules.items.length && !r.failed; i++) readRule(r, c, rules.items[i]);
  }
  return c;
}

function readColours(r: ConfigReader, list: JsonValue | null, colours: string[]): void {
  if (list === null) return;
  for (let i = 0; i < list.items.length && !r.failed; i++) {
    const item = list.items[i];
    const name = r.asString(item, "", 1, MAX_NAME_CHARS);
    if (r.failed) return;
    if (!isColourName(name)) r.fail(item, "must start with a letter or digit and contain only letters, digits, \".\", \"_\" and \"-\"");
    else if (colours.includes(name)) r.fail(item, "duplicate colour");
    colours.push(name);
  }
}

function readTrustedPeers(r: ConfigReader, c: TrafficColourConfig, root: JsonValue | null, inbound: JsonValue | null): void {
  const value = r.member(root, "trusted_peers", false);
  if (r.failed) return;
  if (c.inbound != Inbound.KeepFrom) {
    if (value !== null) r.fail(value, "is only used when inbound is \"keep_from\"");
    return;
  }
  if (value === null) {
    if (inbound !== null) r.fail(inbound, "needs trusted_peers (SPIFFE ID patterns of the peers to trust)");
    return;
  }
  const list = r.asArray(value, 1, MAX_PEERS);
  if (list === null) return;
  for (let i = 0; i < list.items.length && !r.failed; i++) {
    const item = list.items[i];
    const text = r.asString(item, "", 1, MAX_SPIFFE_CHARS);
    if (r.failed) return;
    const pattern = compileSpiffePattern(text);
    if (pattern.error != SpiffeError.Ok) {
      r.fail(item, "is not a SPIFFE ID pattern: " + spiffeErrorMessage(pattern.error));
    }
    c.trustedPeers.push(pattern);
  }
}

function readRule(r: ConfigReader, c: TrafficColourConfig, value: JsonValue): void {
  const obj = r.asObject(value);
  r.member(obj, "name", true);
  r.unknownKeys(obj, ["name", "colour", "split", "match", "not_before", "not_after"]);
  const nameValue = r.member(obj, "name", true);
  const name = r.asString(nameValue, "", 1, MAX_NAME_CHARS);
  if (obj === null || nameValue === null || r.failed) return;
  for (let i = 0; i < c.rules.length; i++) {
    if (c.rules[i].name == name) { r.fail(nameValue, "duplicate rule name"); return; }
  }
  const rule = new Rule(name);
  const colour = r.member(obj, "colour", false);
  const split = r.member(obj, "split", false);
  if (colour !== null && split !== null) { r.fail(obj, "must have either \"colour\" or \"split\", not both"); return; }
  if (colour === null && split === null) { r.fail(obj, "must have \"colour\" or \"split\""); return; }
  if (colour !== null) rule.colour = readColourRef(r, c.colours, colour);
  if (split !== null) rule.split = parseSplit(r, c.colours, c.sources, split, name);
  const match = r.member(obj, "match", false);
  if (match !== null) rule.match = parseGroup(r, c.sources, match, false);
  const notBefore = r.member(obj, "not_before", false);
  if (notBefore !== null) rule.notBefore = readTimestamp(r, notBefore);
  const notAfter = r.member(obj, "not_after", false);
  if (notAfter !== null) {
    rule.notAfter = readTimestamp(r, notAfter);
    if (!r.failed && rule.notAfter <= rule.notBefore) r.fail(notAfter, "must be later than not_before");
  }
  if (rule.hasWindow) c.needsClock = true;
  c.rules.push(rule);
}

function readTimestamp(r: ConfigReader, value: JsonValue): i64 {
  const text = r.asString(value, "", 0, 64);
  if (r.failed) return 0;
  const ns = parseTimestamp(text);
  if (ns == INVALID_TIMESTAMP) r.fail(value, "must be an RFC 3339 timestamp like \"2026-01-31T09:00:00Z\"");
  return ns;
}
