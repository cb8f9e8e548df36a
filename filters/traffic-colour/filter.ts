// TrafficColourRoot (one per plugin per VM: config, metrics) and TrafficColourFilter (one per
// stream: trust check on the inbound colour, rules, then the colour header, baggage member,
// sticky cookie and echo header).
import { proxy_call_foreign_function, proxy_set_tick_period_milliseconds } from "@gcoredev/proxy-wasm-sdk-as/assembly/imports";
import { readPluginConfiguration } from "../shared/buffers";
import { stringToBuffer } from "../shared/bytes";
import { HeadersStatus, HttpContext, RootContext } from "../shared/context";
import {
  addEncodedHeader, removeEncodedHeader, replaceEncodedHeader, replaceHeaderBytes,
} from "../shared/encoded-host-calls";
import { HeaderMap } from "../shared/headers";
import { hostTime } from "../shared/hook-reads";
import { readProperty, releaseValue, valuePtr } from "../shared/host-values";
import { logEnabled, logMessage, LogLevel } from "../shared/log";
import { Counter, flushCounters } from "../shared/metrics";
import { parseSpiffeId } from "../shared/spiffe";
import { BaggageHeader } from "./baggage";
import { equalsBuffer } from "./byte-match";
import { Inbound, parseConfig, TrafficColourConfig } from "./config";
import { ConfigErrors } from "../shared/config-error";
import { countTrust, defineCounters, TrustCounter } from "./metrics";
import { nextRandom32, seedRandom } from "./random";
import { ABSENT, RequestValues } from "./request-values";
import { NO_COLOUR } from "./rule";
import { keyBucket, NOT_SELECTED_BYTES, Split, Sticky, toBucket } from "./split";

/** Counters are accumulated in the VM and added to the host's once per tick (one host call per
 *  non-zero counter), so a request costs no metric host call; the host's figures lag by at most
 *  this period. */
// @ts-ignore: decorator
@inline export const FLUSH_PERIOD_MS: u32 = 1000;

const BAGGAGE = stringToBuffer("baggage");
const SET_COOKIE = stringToBuffer("set-cookie");
const BAGGAGE_PROPERTY = stringToBuffer("request\0headers\0baggage");
const CLEAR_ROUTE_CACHE = stringToBuffer("clear_route_cache");
const timeScratch = memory.data(8);

/** What a request's colour header, baggage member or sticky cookie claims: a colour index,
 *  NO_COLOUR for a value that names no configured colour, or NOT_CLAIMED when there is none. */
// @ts-ignore: decorator
@inline const NOT_CLAIMED: i32 = -2;

/** The baggage header of the request being coloured (one request at a time per VM). */
const baggage = new BaggageHeader();

/** The proxy's wall clock in Unix epoch nanoseconds (0 when unavailable). */
function nowNanoseconds(): i64 {
  store<u64>(timeScratch, 0);
  hostTime(timeScratch);
  return load<i64>(timeScratch);
}

/** Asks Envoy to pick the route again (Envoy >= 1.33 foreign function; NotFound elsewhere is
 *  fine: there, as for every ABI 0.2.1 module, the request-header change already cleared it). */
function clearRouteCache(): void {
  proxy_call_foreign_function(changetype<usize>(CLEAR_ROUTE_CACHE), CLEAR_ROUTE_CACHE.byteLength, 0, 0, 0, 0);
}

export class TrafficColourRoot extends RootContext {
  config: TrafficColourConfig | null = null;
  /** The counters of `config` (see defineCounters). */
  counters: Counter[] = [];
  /** The request values of `config`, reused by every request. */
  requestValues: RequestValues | null = null;

  onConfigure(configSize: u32): bool {
    const errors = new ConfigErrors("traffic-colour");
    const config = parseConfig(readPluginConfiguration(configSize), errors);
    if (config === null) {
      errors.log();
      return false;
    }
    this.flush();
    this.counters = defineCounters(config.colours);
    this.requestValues = new RequestValues(config.sources);
    this.config = config;
    seedRandom(<u64>nowNanoseconds() ^ <u64>this.id);
    proxy_set_tick_period_milliseconds(FLUSH_PERIOD_MS);
    return true;
  }

  onTick(): void {
    this.flush();
  }

  onDone(): bool {
    this.flush();
    return true;
  }

  flush(): void {
    flushCounters(this.counters);
  }

  newHttpContext(id: u32): HttpContext | null {
    const config = this.config;
    const requestValues = this.requestValues;
    return config === null || requestValues === null ? null : new TrafficColourFilter(id, this, config, requestValues);
  }
}

export class TrafficColourFilter extends HttpContext {
  /** The colour this request left with, or NO_COLOUR. */
  colour: i32 = NO_COLOUR;
  /** Set-Cookie value for a new sticky assignment, sent with the response. */
  setCookie: ArrayBuffer | null = null;

  /** The counters that belong to `config` (a reconfigured root gets new ones). */
  private counters: Counter[];

  /** `request`: the request values of `config`, from the root. */
  constructor(id: u32, private readonly colourRoot: TrafficColourRoot, private config: TrafficColourConfig,
    private request: RequestValues) {
    super(id, colourRoot);
    this.counters = colourRoot.counters;
  }

  /** A new stream starts with the root's configuration of now (a stream keeps the one it began
   *  with). */
  reset(): void {
    const root = this.colourRoot;
    this.colour = NO_COLOUR;
    this.setCookie = null;
    this.counters = root.counters;
    // set: the root made this context once it had both
    this.config = changetype<TrafficColourConfig>(root.config);
    this.request = changetype<RequestValues>(root.requestValues);
  }

  onRequestHeaders(headerCount: u32, endOfStream: bool): u32 {
    const c = this.config;
    this.request.reset();
    const inbound = this.inboundClaim();
    const withBaggage = c.baggageKey.length > 0;
    if (withBaggage) this.readBaggage();
    const claimed = inbound == NOT_CLAIMED && withBaggage ? this.baggageClaim() : inbound;
    let colour = NO_COLOUR;
    let kept = false;
    if (claimed != NOT_CLAIMED) {
      if (this.trusted()) {
        colour = claimed;
        kept = colour >= 0;
        if (!kept) countTrust(this.counters, TrustCounter.Invalid);
      } else {
        countTrust(this.counters, TrustCounter.UntrustedStripped);
      }
    }
    if (!kept) colour = this.decide();
    let changed = false;
    if (colour >= 0) {
      if (inbound != colour) {
        changed = replaceEncodedHeader(HeaderMap.RequestHeaders, c.headerBytes, unchecked(c.colourBytes[colour]));
      }
    } else if (inbound != NOT_CLAIMED) {
      changed = removeEncodedHeader(HeaderMap.RequestHeaders, c.headerBytes);
    }
    if (withBaggage && this.writeBaggage(colour)) changed = true;
    if (changed) clearRouteCache();
    if (colour >= 0) unchecked(this.counters[colour]).add();
    this.colour = colour;
    if (logEnabled(LogLevel.Debug)) {
      logMessage(LogLevel.Debug, "traffic-colour: colour " + (colour >= 0 ? c.colours[colour] : "(none)") +
        (kept ? " kept from a trusted peer" : ""));
    }
    return HeadersStatus.Continue;
  }

  onResponseHeaders(headerCount: u32, endOfStream: bool): u32 {
    const setCookie = this.setCookie;
    if (setCookie !== null) addEncodedHeader(HeaderMap.ResponseHeaders, SET_COOKIE, setCookie);
    const c = this.config;
    if (c.responseHeader.length > 0 && this.colour >= 0) {
      replaceEncodedHeader(HeaderMap.ResponseHeaders, c.responseHeaderBytes, unchecked(c.colourBytes[this.colour]));
    }
    return HeadersStatus.Continue;
  }

  /** What the colour header claims (see NOT_CLAIMED). Every value is read, comma-joined as Envoy
   *  joins them: two values (even equal ones) name no colour, so they never pass as one, and the
   *  header is replaced whole. */
  private inboundClaim(): i32 {
    const n = readProperty(this.config.headerProperty);
    const claim = n < 0 ? NOT_CLAIMED : this.config.colourOf(valuePtr(), n);
    releaseValue();
    return claim;
  }

  /** Reads the baggage header into `baggage` (an empty header counts as none). */
  private readBaggage(): void {
    const n = readProperty(BAGGAGE_PROPERTY);
    baggage.read(valuePtr(), n, this.config.baggageKeyBytes);
    releaseValue();
  }

  /** What the baggage header's colour member claims (see NOT_CLAIMED); several members with the
   *  colour key claim no one colour (NO_COLOUR), like several colour header values. */
  private baggageClaim(): i32 {
    if (!baggage.valid || baggage.colourStart < 0) return NOT_CLAIMED;
    if (baggage.removed > 1) return NO_COLOUR;
    return this.config.colourOf(baggage.colour, baggage.colourLength);
  }

  /** Whether the peer may set the colour itself. */
  private trusted(): bool {
    const c = this.config;
    if (c.inbound == Inbound.Keep) return true;
    if (c.inbound == Inbound.Strip) return false;
    const peer = this.request.peer();
    if (peer === null) return false;
    const id = parseSpiffeId(peer);
    const patterns = c.trustedPeers;
    for (let i = 0, n = patterns.length; i < n; i++) {
      if (unchecked(patterns[i]).matches(id)) return true;
    }
    return false;
  }

  /** The first matching active rule's colour, else the default colour (or NO_COLOUR). */
  private decide(): i32 {
    const c = this.config;
    const request = this.request;
    const rules = c.rules;
    let now: i64 = 0;
    let nowRead = false;
    for (let i = 0, n = rules.length; i < n; i++) {
      const rule = unchecked(rules[i]);
      if (rule.hasWindow) {
        if (!nowRead) {
          now = nowNanoseconds();
          nowRead = true;
        }
        if (!rule.activeAt(now)) continue;
      }
      const match = rule.match;
      if (match !== null && !match.test(request)) continue;
      const split = rule.split;
      if (split === null) return rule.colour;
      const colour = this.pick(split);
      if (colour >= 0) return colour;
    }
    return c.defaultColour;
  }

  /** The colour a split gives this request, or NO_COLOUR (key absent, or a bucket beyond the
   *  weights: the next rules decide). */
  private pick(split: Split): i32 {
    const colours = split.colours;
    const request = this.request;
    if (split.keySource >= 0) {
      const n = request.read(split.keySource);
      if (n == ABSENT) return NO_COLOUR;
      const band = split.band(keyBucket(request.at(split.keySource), n, split.seed));
      return band < 0 ? NO_COLOUR : unchecked(colours[band]);
    }
    const sticky = split.sticky;
    if (sticky !== null) {
      const remembered = this.remembered(split, sticky);
      if (remembered != NOT_CLAIMED) return remembered;
    }
    const band = split.band(toBucket(nextRandom32()));
    if (sticky !== null) this.setCookie = unchecked(sticky.setCookies[band < 0 ? colours.length : band]);
    return band < 0 ? NO_COLOUR : unchecked(colours[band]);
  }

  /** The outcome the sticky cookie recorded (a colour of the split, or NO_COLOUR for "not
   *  selected"); NOT_CLAIMED when there is none to keep (no cookie, or one naming a colour outside
   *  the split, counted invalid). */
  private remembered(split: Split, sticky: Sticky): i32 {
    const request = this.request;
    const n = request.read(sticky.source);
    if (n == ABSENT) return NOT_CLAIMED;
    const value = request.at(sticky.source);
    if (equalsBuffer(value, n, NOT_SELECTED_BYTES)) return NO_COLOUR;
    const colours = split.colours;
    const all = this.config.colourBytes;
    for (let i = 0, count = colours.length; i < count; i++) {
      if (equalsBuffer(value, n, unchecked(all[unchecked(colours[i])]))) return unchecked(colours[i]);
    }
    countTrust(this.counters, TrustCounter.Invalid);
    return NOT_CLAIMED;
  }

  /** Makes the baggage header carry exactly this colour's member; true when it changed. A
   *  malformed header is dropped (replaced by the colour member alone, if any). */
  private writeBaggage(colour: i32): bool {
    const members = this.config.baggageMembers;
    if (!baggage.valid) {
      if (colour >= 0) return replaceEncodedHeader(HeaderMap.RequestHeaders, BAGGAGE, unchecked(members[colour]));
      return baggage.present && removeEncodedHeader(HeaderMap.RequestHeaders, BAGGAGE);
    }
    const changed = colour >= 0
      ? baggage.setColour(unchecked(members[colour]), unchecked(this.config.colourBytes[colour]))
      : baggage.setColour(null, null);
    if (!changed) return false;
    if (baggage.rewrittenLength == 0) return removeEncodedHeader(HeaderMap.RequestHeaders, BAGGAGE);
    return replaceHeaderBytes(HeaderMap.RequestHeaders, BAGGAGE, baggage.rewritten, baggage.rewrittenLength);
  }
}
