// The request values rules look at, read from the host lazily: a header, cookie, query parameter
// or property is fetched the first time a condition (or the trust check) needs it and then kept
// for the rest of the stream, so each costs at most one host call per request.
import { stringToBuffer } from "../shared/bytes";
import { cookieValue, HeaderMap, pathWithoutQuery, queryParam } from "../shared/headers";
import { CONNECTION_URI_SAN_PEER } from "../shared/properties";
import { getEncodedHeader, getEncodedProperty } from "../shared/encoded-host-calls";

const PATH = stringToBuffer(":path");
const METHOD = stringToBuffer(":method");
const AUTHORITY = stringToBuffer(":authority");
const COOKIE = stringToBuffer("cookie");
const PEER = stringToBuffer(CONNECTION_URI_SAN_PEER);

export const enum SourceKind { Header, Query, Cookie, Path, Method, Host, Peer }

/** One value a condition reads; equal sources are shared between conditions (see sourceIndex). */
export class Source {
  /** `name` as bytes, for header sources. */
  readonly nameBytes: ArrayBuffer;

  constructor(readonly kind: SourceKind, readonly name: string) {
    this.nameBytes = stringToBuffer(kind == SourceKind.Header ? name : "");
  }
}

/** The index of (kind, name) in `sources`, appending it when new (configure time). */
export function sourceIndex(sources: Source[], kind: SourceKind, name: string): i32 {
  for (let i = 0; i < sources.length; i++) {
    const s = unchecked(sources[i]);
    if (s.kind == kind && s.name == name) return i;
  }
  sources.push(new Source(kind, name));
  return sources.length - 1;
}

// @ts-ignore: decorator
@inline const UNREAD: u8 = 0;
// @ts-ignore: decorator
@inline const READ: u8 = 1;

/** Values of one stream's request, each read at most once. */
export class RequestValues {
  private values: Array<string | null>;
  private state: StaticArray<u8>;
  private rawPath: string | null = null;
  private rawPathRead: bool = false;
  private cookieHeader: string | null = null;
  private cookieHeaderRead: bool = false;
  private peerId: string | null = null;
  private peerRead: bool = false;

  constructor(private readonly sources: Source[]) {
    const n = sources.length;
    this.values = new Array<string | null>(n);
    this.state = new StaticArray<u8>(n);
  }

  /** The value of source `index`, or null when the request has none. */
  get(index: i32): string | null {
    if (unchecked(this.state[index]) == READ) return unchecked(this.values[index]);
    const value = this.read(unchecked(this.sources[index]));
    unchecked(this.values[index] = value);
    unchecked(this.state[index] = READ);
    return value;
  }

  /** The downstream peer's SPIFFE ID (first URI SAN of its certificate), or null. */
  peer(): string | null {
    if (!this.peerRead) {
      this.peerId = getEncodedProperty(PEER);
      this.peerRead = true;
    }
    return this.peerId;
  }

  /** `:path` with its query. */
  path(): string | null {
    if (!this.rawPathRead) {
      this.rawPath = getEncodedHeader(HeaderMap.RequestHeaders, PATH);
      this.rawPathRead = true;
    }
    return this.rawPath;
  }

  /** The `cookie` header (its first line; HTTP/2 cookie crumbs are joined by Envoy's codec). */
  cookies(): string | null {
    if (!this.cookieHeaderRead) {
      this.cookieHeader = getEncodedHeader(HeaderMap.RequestHeaders, COOKIE);
      this.cookieHeaderRead = true;
    }
    return this.cookieHeader;
  }

  private read(source: Source): string | null {
    switch (source.kind) {
      case SourceKind.Header: return getEncodedHeader(HeaderMap.RequestHeaders, source.nameBytes);
      case SourceKind.Query: {
        const path = this.path();
        return path === null ? null : queryParam(path, source.name);
      }
      case SourceKind.Cookie: {
        const cookies = this.cookies();
        return cookies === null ? null : cookieValue(cookies, source.name);
      }
      case SourceKind.Path: {
        const path = this.path();
        return path === null ? null : pathWithoutQuery(path);
      }
      case SourceKind.Method: return getEncodedHeader(HeaderMap.RequestHeaders, METHOD);
      case SourceKind.Host: return getEncodedHeader(HeaderMap.RequestHeaders, AUTHORITY);
      default: return this.peer();
    }
  }
}
