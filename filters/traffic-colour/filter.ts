// TrafficColourRoot (one per plugin per VM: config, metrics) and TrafficColourFilter (one per
// stream: trust check on the inbound colour, rules, then the colour header, baggage member,
// sticky cookie and echo header).
import {
  proxy_call_foreign_function, proxy_get_current_time_nanoseconds, proxy_set_tick_period_milliseconds,
} from "@gcoredev/proxy-wasm-sdk-as/assembly/imports";
import { readPluginConfiguration } from "../shared/buffers";
import { stringToBuffer } from "../shared/bytes";
import { HeadersStatus, HttpContext, RootContext } from "../shared/context";
import { addHeader, cookieValue, HeaderMap } from "../shared/headers";
import { logEnabled, logMessage, LogLevel } from "../shared/log";
import { Counter, defineCounter, flushCounters } from "../shared/metrics";
import { parseSpiffeId } from "../shared/spiffe";
import { Baggage, readBaggage, withMember } from "./baggage";
import { getEncodedHeader, getEncodedProperty, removeEncodedHeader, replaceEncodedHeader } from "../shared/encoded-host-calls";
import { Inbound, parseConfig, TrafficColourConfig } from "./config";
import { colourRequestsName, INVALID, UNTRUSTED_STRIPPED } from "./metrics";
import { nextRandom32, seedRandom } from "./random";
import { RequestValues } from "./request-values";
import { NO_COLOUR } from "./rule";
import { keyBucket, NOT_SELECTED, Split, toBucket } from "./split";

/** Counters are accumulated in the VM and added to the host's once per tick (one host call per
 *  non-zero counter), so a request costs no metric host call; the host's figures lag by at most
 *  this period. */
// @ts-ignore: decorator
@inline const FLUSH_PERIOD_MS: u32 = 1000;

const BAGGAGE = stringToBuffer("baggage");
const BAGGAGE_PROPERTY = stringToBuffer("request\0headers\0baggage");
const CLEAR_ROUTE_CACHE = stringToBuffer("clear_route_cache");
const timeScratch = memory.data(8);

/** The proxy's wall clock in Unix epoch nanoseconds (0 when unavailable). */
function nowNanoseconds(): i64 {
  store<u64>(timeScratch, 0);
  proxy_get_current_time_nanoseconds(timeScratch);
  return load<i64>(timeScratch);
}

/** Asks Envoy to pick the route again (Envoy >= 1.33 foreign function; NotFound elsewhere is
 *  fine: there, as for every ABI 0.2.1 module, the request-header change already cleared it). */
function clearRouteCache(): void {
  proxy_call_foreign_function(changetype<usize>(CLEAR_ROUTE_CACHE), CLEAR_ROUTE_CACHE.byteLength, 0, 0, 0, 0);
}

export class TrafficColourRoot extends RootContext {
  config: TrafficColourConfig | null = null;
  colourRequests: Counter[] = [];
  untrustedStripped: Counter | null = null;
  invalid: Counter | null = null;

  onConfigure(configSize: u32): bool {
    const result = parseConfig(readPluginConfiguration(configSize));
    const config = result.config;
    if (config === null) {
      logMessage(LogLevel.Critical, result.error);
      return false;
    }
    this.flush();
    const colourRequests = new Array<Counter>();
    for (let i = 0; i < config.colours.length; i++) colourRequests.push(defineCounter(colourRequestsName(config.colours[i])));
    this.colourRequests = colourRequests;
    this.untrustedStripped = defineCounter(UNTRUSTED_STRIPPED);
    this.invalid = defineCounter(INVALID);
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
    flushCounters(this.colourRequests);
    if (this.untrustedStripped !== null) this.untrustedStripped!.flush();
    if (this.invalid !== null) this.invalid!.flush();
  }

  newHttpContext(id: u32): HttpContext | null {
    const config = this.config;
    return config === null ? null : new TrafficColourFilter(id, this, config);
  }
}

export class TrafficColourFilter extends HttpContext {
  /** The colour this request left with, or NO_COLOUR. */
  colour: i32 = NO_COLOUR;
  /** Set-Cookie value for a new sticky assignment, sent with the response. */
  setCookie: string | null = null;

  /** The per-colour counters that belong to `config` (a reconfigured root gets new ones). */
  private readonly colourRequests: Counter[];

  constructor(id: u32, readonly colourRoot: TrafficColourRoot, readonly config: TrafficColourConfig) {
    super(id, colourRoot);
    this.colourRequests = colourRoot.colourRequests;
  }

  onRequestHeaders(headerCount: u32, endOfStream: bool): u32 {
    const c = this.config;
    const request = new RequestValues(c.sources);
    const inbound = getEncodedHeader(HeaderMap.RequestHeaders, c.headerBytes);
    let baggageHeader: string | null = null;
    let baggage: Baggage | null = null;
    if (c.baggageKey.length > 0) {
      baggageHeader = getEncodedProperty(BAGGAGE_PROPERTY);
      if (baggageHeader !== null && baggageHeader.length > 0) baggage = readBaggage(baggageHeader, c.baggageKey);
    }
    let claimed = inbound;
    if (claimed === null && baggage !== null && baggage.valid) claimed = baggage.colour;
    let colour = NO_COLOUR;
    let kept = false;
    if (claimed !== null) {
      if (this.trusted(request)) {
        colour = c.colourIndex(claimed);
        kept = colour >= 0;
        if (!kept) this.colourRoot.invalid!.add();
      } else {
        this.colourRoot.untrustedStripped!.add();
      }
    }
    if (!kept) colour = this.decide(request);
    let changed = false;
    if (colour >= 0) {
      const name = unchecked(c.colours[colour]);
      if (inbound === null || inbound != name) {
        changed = replaceEncodedHeader(HeaderMap.RequestHeaders, c.headerBytes, unchecked(c.colourBytes[colour]));
      }
    } else if (inbound !== null) {
      changed = removeEncodedHeader(HeaderMap.RequestHeaders, c.headerBytes);
    }
    if (c.baggageKey.length > 0 && this.writeBaggage(baggageHeader, baggage, colour)) changed = true;
    if (changed) clearRouteCache();
    if (colour >= 0) unchecked(this.colourRequests[colour]).add();
    this.colour = colour;
    if (logEnabled(LogLevel.Debug)) {
      logMessage(LogLevel.Debug, "traffic-colour: colour " + (colour >= 0 ? c.colours[colour] : "(none)") +
        (kept ? " kept from a trusted peer" : ""));
    }
    return HeadersStatus.Continue;
  }

  onResponseHeaders(headerCount: u32, endOfStream: bool): u32 {
    const setCookie = this.setCookie;
    if (setCookie !== null) addHeader(HeaderMap.ResponseHeaders, "set-cookie", setCookie);
    const c = this.config;
    if (c.responseHeader.length > 0 && this.colour >= 0) {
      replaceEncodedHeader(HeaderMap.ResponseHeaders, c.responseHeaderBytes, unchecked(c.colourBytes[this.colour]));
    }
    return HeadersStatus.Continue;
  }

  /** Whether the peer may set the colour itself. */
  private trusted(request: RequestValues): bool {
    const c = this.config;
    if (c.inbound == Inbound.Keep) return true;
    if (c.inbound == Inbound.Strip) return false;
    const peer = request.peer();
    if (peer === null) return false;
    const id = parseSpiffeId(peer);
    const patterns = c.trustedPeers;
    for (let i = 0, n = patterns.length; i < n; i++) {
      if (unchecked(patterns[i]).matches(id)) return true;
    }
    return false;
  }

  /** The first matching active rule's colour, else the default colour (or NO_COLOUR). */
  private decide(request: RequestValues): i32 {
    const c = this.config;
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
      const colour = this.pick(split, request);
      if (colour >= 0) return colour;
    }
    return c.defaultColour;
  }

  /** The colour a split gives this request, or NO_COLOUR (key absent, or a bucket beyond the
   *  weights: the next rules decide). */
  private pick(split: Split, request: RequestValues): i32 {
    const colours = split.colours;
    if (split.keySource >= 0) {
      const key = request.get(split.keySource);
      if (key === null) return NO_COLOUR;
      const band = split.band(keyBucket(key, split.seed));
      return band < 0 ? NO_COLOUR : unchecked(colours[band]);
    }
    const sticky = split.sticky;
    if (sticky !== null) {
      const cookies = request.cookies();
      let remembered: string | null = null;
      if (cookies !== null) remembered = cookieValue(cookies, sticky.cookie);
      if (remembered !== null) {
        if (remembered == NOT_SELECTED) return NO_COLOUR;
        const all = this.config.colours;
        for (let i = 0, n = colours.length; i < n; i++) {
          if (unchecked(all[unchecked(colours[i])]) == remembered) return unchecked(colours[i]);
        }
        this.colourRoot.invalid!.add();
      }
    }
    const band = split.band(toBucket(nextRandom32()));
    if (sticky !== null) this.setCookie = unchecked(sticky.setCookies[band < 0 ? colours.length : band]);
    return band < 0 ? NO_COLOUR : unchecked(colours[band]);
  }

  /** Makes the baggage header carry exactly this colour's member; true when it changed. A
   *  malformed header is dropped (replaced by the colour member alone, if any). */
  private writeBaggage(header: string | null, baggage: Baggage | null, colour: i32): bool {
    const members = this.config.baggageMembers;
    if (baggage === null || !baggage.valid) {
      if (colour >= 0) return replaceEncodedHeader(HeaderMap.RequestHeaders, BAGGAGE, stringToBuffer(unchecked(members[colour])));
      return baggage !== null && removeEncodedHeader(HeaderMap.RequestHeaders, BAGGAGE);
    }
    if (colour >= 0 && baggage.removed == 1 && baggage.colour == unchecked(this.config.colours[colour])) return false;
    let next = baggage.others;
    if (colour >= 0) {
      const merged = withMember(baggage.others, baggage.otherCount, unchecked(members[colour]));
      if (merged !== null) next = merged;
    }
    if (next == header!) return false;
    if (next.length == 0) return removeEncodedHeader(HeaderMap.RequestHeaders, BAGGAGE);
    return replaceEncodedHeader(HeaderMap.RequestHeaders, BAGGAGE, stringToBuffer(next));
  }
}
