// Request headers read by name: the name encoded once at configure time (never per request), and
// the value of the current request, read from the host at most once and kept in a RequestValue.
import { stringToBuffer } from "../shared/bytes";
import { replaceHeaderBytes } from "../shared/encoded-host-calls";
import { HeaderMap } from "../shared/headers";
import { readHeader, releaseValue, valuePtr } from "../shared/host-values";
import { RequestValue } from "./request-value";

/** Numbers requests (HostRequest.reset) so a key knows whether its value is the current one. */
let currentRequest: u64 = 0;

/** Starts a new request: every key's value is read again on first use. */
export function nextRequest(): void {
  currentRequest++;
}

export class HostKey {
  private readonly bytes: ArrayBuffer;
  /** The value in the request `readIn`; absent (length -1) when the header is. */
  private readonly value: RequestValue = new RequestValue();
  private readIn: u64 = 0;

  /** `name`: a request header name. */
  constructor(readonly name: string) {
    this.bytes = stringToBuffer(name);
  }

  /** When the current request's value was read and is present: makes it the header's only value
   *  (Envoy hands a filter the first of several values; the upstream must not see the others). */
  forwardAsRead(): void {
    const value = this.value;
    if (this.readIn == currentRequest && value.length >= 0) {
      replaceHeaderBytes(HeaderMap.RequestHeaders, this.bytes, value.ptr, value.length);
    }
  }

  /** The header's first value in the current request (length -1 when absent). */
  read(): RequestValue {
    const value = this.value;
    if (this.readIn != currentRequest) {
      this.readIn = currentRequest;
      const length = readHeader(HeaderMap.RequestHeaders, this.bytes);
      value.length = -1;
      if (length >= 0) value.copy(valuePtr(), length);
      releaseValue();
    }
    return value;
  }
}
