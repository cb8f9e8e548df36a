// The request as policies see it (policy.ts RequestView), read from the host lazily: each header
// or property at most once per request. One instance per root, reset for every request.
import { stripPort } from "../shared/properties";
import { HostKey, propertyInt, requestHeader } from "./host-key";
import { normalizePath, PathOptions } from "./path";
import { RequestView } from "./policy";

const DESTINATION_PORT = new HostKey("destination\0port");
const METHOD = new HostKey(":method");
const AUTHORITY = new HostKey(":authority");
const PATH = new HostKey(":path");

/** Request attributes read from the host lazily, each at most once per request. */
export class HostRequest extends RequestView {
  private methodValue: string | null = null;
  private hostValue: string | null = null;
  private portValue: i64 = -2;
  private pathRead: bool = false;
  private pathValue: string | null = null;
  private headerKeys: HostKey[] = [];
  private headerValues: Array<string | null> = [];

  constructor(readonly paths: PathOptions) { super(); }

  /** Forgets the previous request's values. */
  reset(): HostRequest {
    this.methodValue = null;
    this.hostValue = null;
    this.portValue = -2;
    this.pathRead = false;
    this.pathValue = null;
    this.headerKeys.length = 0;
    this.headerValues.length = 0;
    return this;
  }

  method(): string {
    const cached = this.methodValue;
    if (cached !== null) return cached;
    const read = requestHeader(METHOD);
    const value = read === null ? "" : read;
    this.methodValue = value;
    return value;
  }

  host(): string {
    const cached = this.hostValue;
    if (cached !== null) return cached;
    const read = requestHeader(AUTHORITY);
    const value = read === null ? "" : stripPort(read);
    this.hostValue = value;
    return value;
  }

  port(): i64 {
    if (this.portValue == -2) this.portValue = propertyInt(DESTINATION_PORT, -1);
    return this.portValue;
  }

  pathValid(): bool {
    if (!this.pathRead) {
      this.pathRead = true;
      const raw = requestHeader(PATH);
      this.pathValue = raw === null ? null : normalizePath(raw, this.paths);
    }
    return this.pathValue !== null;
  }

  path(): string {
    const path = this.pathValid() ? this.pathValue : null;
    return path === null ? "" : path;
  }

  header(key: HostKey): string | null {
    const keys = this.headerKeys;
    for (let i = 0, n = keys.length; i < n; i++) {
      if (unchecked(keys[i]) === key) return unchecked(this.headerValues[i]);
    }
    const value = requestHeader(key);
    keys.push(key);
    this.headerValues.push(value);
    return value;
  }
}
