// The request as policies see it, read from the host lazily: each header or property at most
// once per request, kept as bytes in buffers reused from request to request (nothing is
// allocated per request). One instance per root, reset for every request.
import { stringToBuffer } from "../shared/bytes";
import { HeaderMap } from "../shared/headers";
import { readHeader, readProperty, releaseValue, valuePtr } from "../shared/host-values";
import { hostSpanOf } from "../shared/properties";
import { HostKey, nextRequest } from "./host-key";
import { normalizePath, PathOptions } from "./path";
import { RequestValue } from "./request-value";

const DESTINATION_PORT = stringToBuffer("destination\0port");
const METHOD = new HostKey(":method");
const AUTHORITY = stringToBuffer(":authority");
const PATH = stringToBuffer(":path");

/** Request attributes read from the host lazily, each at most once per request. */
export class HostRequest {
  private readonly hostValue: RequestValue = new RequestValue();
  private hostRead: bool = false;
  private portValue: i64 = -2;
  private readonly pathValue: RequestValue = new RequestValue();
  private pathRead: bool = false;
  private pathOk: bool = false;

  constructor(readonly paths: PathOptions) {}

  /** Forgets the previous request's values. */
  reset(): HostRequest {
    nextRequest();
    this.hostRead = false;
    this.portValue = -2;
    this.pathRead = false;
    return this;
  }

  /** `:method` (empty when absent). */
  method(): RequestValue {
    const value = METHOD.read();
    if (value.length < 0) value.length = 0;
    return value;
  }

  /** `:authority` without its port (empty when absent). */
  host(): RequestValue {
    const value = this.hostValue;
    if (!this.hostRead) {
      this.hostRead = true;
      const n = readHeader(HeaderMap.RequestHeaders, AUTHORITY);
      const host = hostSpanOf(valuePtr(), n < 0 ? 0 : n);
      value.copy(valuePtr() + <usize>host.start, host.end - host.start);
      releaseValue();
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
    return this.pathOk;
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
    this.pathOk = n >= 0 && normalizePath(valuePtr(), n, this.paths, this.pathValue);
    releaseValue();
    if (!this.pathOk) this.pathValue.length = 0;
  }
}
