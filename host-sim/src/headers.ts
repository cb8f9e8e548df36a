// An Envoy-like header map over byte strings: lowercase keys, insertion order, duplicates kept.

import { fromText, toText, type Pairs } from "./codec.js";

export type HeadersInput = [string, string][] | Record<string, string>;

/** Envoy's inline request headers that filters may see repeated by a client (a subset of
 *  INLINE_REQ_HEADERS in envoy/http/header_map.h: the pseudo-headers' codecs refuse repeats). */
const INLINE_REQUEST_HEADERS = new Set([
  ":authority", "authorization", "x-forwarded-client-cert", "x-forwarded-for", "x-forwarded-host",
  "x-forwarded-proto", "user-agent", "x-request-id", "via", "te", "expect", "grpc-timeout", "x-envoy-original-path",
]);

export class HeaderMap {
  constructor(public entries: Pairs = []) {}

  static fromInput(input: HeadersInput | undefined): HeaderMap {
    const list = input === undefined ? [] : Array.isArray(input) ? input : Object.entries(input);
    return new HeaderMap(list.map(([k, v]) => [fromText(k).toLowerCase(), fromText(String(v))]));
  }

  /**
   * Request headers as Envoy's codec delivers them to filters: repeated values of a header that
   * Envoy keeps inline (O(1) headers, INLINE_REQ_HEADERS) are joined into one value with ",", in
   * order (measured with Envoy 1.40: two `Host`, `x-forwarded-client-cert`, `x-forwarded-for`,
   * `authorization` headers arrive as one `a,b`); other repeated headers stay separate.
   */
  static fromDownstream(input: HeadersInput | undefined): HeaderMap {
    const map = HeaderMap.fromInput(input);
    const seen = new Map<string, number>();
    const out: Pairs = [];
    for (const [k, v] of map.entries) {
      const at = INLINE_REQUEST_HEADERS.has(k) ? seen.get(k) : undefined;
      if (at === undefined) {
        if (INLINE_REQUEST_HEADERS.has(k)) seen.set(k, out.length);
        out.push([k, v]);
      } else {
        out[at] = [k, `${out[at][1]},${v}`];
      }
    }
    map.entries = out;
    return map;
  }

  get size(): number {
    return this.entries.length;
  }

  /** First value (Envoy `get(...)[0]`). */
  get(key: string): string | undefined {
    for (const [k, v] of this.entries) if (k === key) return v;
    return undefined;
  }

  /** All values comma-joined (CEL `request.headers[name]`). */
  joined(key: string): string | undefined {
    let out: string | undefined;
    for (const [k, v] of this.entries) if (k === key) out = out === undefined ? v : `${out},${v}`;
    return out;
  }

  /**
   * Envoy `addCopy`: appends; a pseudo-header (`:name`) goes after the last pseudo-header, as
   * Envoy's HeaderList keeps them in front of the others.
   */
  add(key: string, value: string): void {
    if (!key.startsWith(":")) {
      this.entries.push([key, value]);
      return;
    }
    let at = 0;
    while (at < this.entries.length && this.entries[at][0].startsWith(":")) at++;
    this.entries.splice(at, 0, [key, value]);
  }

  /**
   * Envoy `setCopy` (what `proxy_replace_header_map_value` calls): removes every entry with this
   * key, then adds one (so `a: 1, b, a: 2` becomes `b, a: v`), as Envoy does since the runtime
   * feature `http_set_copy_replace_all_headers` became the default.
   */
  replace(key: string, value: string): void {
    this.remove(key);
    this.add(key, value);
  }

  remove(key: string): void {
    this.entries = this.entries.filter(([k]) => k !== key);
  }

  /** Envoy `HeaderMap::byteSize()`: sum of key and value lengths. */
  byteSize(): number {
    let n = 0;
    for (const [k, v] of this.entries) n += k.length + v.length;
    return n;
  }

  clone(): HeaderMap {
    return new HeaderMap(this.entries.map(([k, v]) => [k, v]));
  }

  /** Test-facing copy (UTF-8 decoded). */
  toText(): [string, string][] {
    return this.entries.map(([k, v]) => [toText(k), toText(v)]);
  }
}
