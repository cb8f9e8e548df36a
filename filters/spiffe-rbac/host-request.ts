// The request as policies see it, read from the host lazily: each header or property at most
// once per request, kept as bytes in buffers reused from request to request (nothing is
// allocated per request). One instance per root, reset for every request.
import { stringToBuffer } from "../shared/bytes";
import { HeaderMap } from "../shared/headers";
import { readHeader, readProperty, releaseValue, valuePtr } from "../shared/host-values";
import { AuthorityResult, canonicalAuthority, hostLength } from "./authority";
import { HostKey, nextRequest } from "./host-key";
import { forwardLength, normalizePath, PathOptions, PathResult } from "./path";
import { RequestValue } from "./request-value";

const DESTINATION_PORT = stringToBuffer("destination\0port");
const METHOD = new HostKey(":method");
export const AUTHORITY = stringToBuffer(":authority");
export const PATH = stringToBuffer(":path");

/** Request attributes read from the host lazily, each at most once per request. */
export class HostRequest {
  /** The canonical `:authority` (authority.ts): `authorityLength` bytes, of which the host (what
   *  policies match, the value's length) is the first ones. */
  readonly authority: RequestValue = new RequestValue();
  authorityLength: i32 = 0;
  private hostRead: bool = false;
  /** An AuthorityResult. */
  authorityResult: i32 = AuthorityResult.Unchanged;
  private portValue: i64 = -2;
  private readonly pathValue: RequestValue = new RequestValue();
  private pathRead: bool = false;
  /** A PathResult. */
  pathResult: i32 = PathResult.Invalid;
  /** With PathResult.Changed: the canonical path then the raw query, pathValue's first bytes. */
  forwardLength: i32 = 0;

  constructor(readonly paths: PathOptions) {}

  /** Forgets the previous request's values. */
  reset(): HostRequest {
    nextRequest();
    this.hostRead = false;
    this.portValue = -2;
    this.pathRead = false;
    this.pathResult = PathResult.Invalid;
    this.authorityResult = AuthorityResult.Unchanged;
    return this;
  }

  /** `:method` (empty when absent). */
  method(): RequestValue {
    const value = METHOD.read();
    if (value.length < 0) value.length = 0;
    return value;
  }

  /** The canonical `:authority`'s host, without port (an IPv6 literal keeps its brackets; empty
   *  when absent or invalid). */
  host(): RequestValue {
    const value = this.authority;
    if (!this.hostRead) {
      this.hostRead = true;
      const n = readHeader(HeaderMap.RequestHeaders, AUTHORITY);
      const result = canonicalAuthority(valuePtr(), n, value);
      releaseValue();
      this.authorityResult = result;
      this.authorityLength = value.length;
      value.length = result == AuthorityResult.Invalid ? 0 : hostLength;
    }
    return value;
  }

  /** `destination.port`, -1 when unknown. */
  port(): i64 {
    if (this.portValue == -2) {
      this.portValue = readProperty(DESTINATION_PORT) == 8 ? load<i64>(valuePtr()) : -1;
      releaseValue();
    }
    return this.portValue;
  }

  /** Whether `:path` normalizes (path.ts); checked before any policy that reads the path runs. */
  // @ts-ignore: decorator
  @inline pathValid(): bool {
    if (!this.pathRead) this.readPath();
    return this.pathResult != PathResult.Invalid;
  }

  /** The canonical path (empty when invalid). */
  // @ts-ignore: decorator
  @inline path(): RequestValue {
    if (!this.pathRead) this.readPath();
    return this.pathValue;
  }

  private readPath(): void {
    this.pathRead = true;
    const n = readHeader(HeaderMap.RequestHeaders, PATH);
    const result = n >= 0 ? normalizePath(valuePtr(), n, this.paths, this.pathValue) : PathResult.Invalid;
    releaseValue();
    this.pathResult = result;
    this.forwardLength = forwardLength;
    if (result == PathResult.Invalid) this.pathValue.length = 0;
  }
}
