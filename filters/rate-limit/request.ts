// The request values rules read, fetched lazily and at most once per request: header values
// (one proxy_get_header_map_value, or one proxy_get_header_map_pairs when the configuration needs
// several headers) and the peer's SPIFFE ID (one property call). Client IPs are read in place
// (key.ts).
// A root keeps one view and resets it per request (an allocation per request costs more than the
// whole lookup); a stream that outlives its callback (a rate limit service call) gets its own.
import { stringToBuffer } from "../shared/bytes";
import { getEncodedHeader, getEncodedProperty } from "../shared/encoded-host-calls";
import { getHeaderPairs, HeaderList, HeaderMap } from "../shared/headers";
import { CONNECTION_URI_SAN_PEER } from "../shared/properties";
import { parseSpiffeId, SpiffeId } from "../shared/spiffe";

const URI_SAN_PEER_PATH = stringToBuffer(CONNECTION_URI_SAN_PEER);
// Header names read by name, each encoded once (names come from the configuration and code).
const encodedNames: string[] = [];
const encodedBuffers: ArrayBuffer[] = [];

/** `name` encoded for the host, cached. */
export function encodedHeaderName(name: string): ArrayBuffer {
  for (let i = 0, n = encodedNames.length; i < n; i++) {
    if (unchecked(encodedNames[i]) == name) return unchecked(encodedBuffers[i]);
  }
  const encoded = stringToBuffer(name);
  encodedNames.push(name);
  encodedBuffers.push(encoded);
  return encoded;
}

export class RequestView {
  private pairs: HeaderList | null = null;
  private singleName: string = "";
  private singleValue: string | null = null;
  private singleRead: bool = false;
  private spiffe: SpiffeId | null = null;
  private spiffeRead: bool = false;

  /** `usePairs`: read every request header in one call on first use (the configuration needs more
   *  than one header); otherwise each header is read by name once. */
  constructor(readonly usePairs: bool) {}

  /** Forgets the previous request's values. */
  reset(): void {
    this.pairs = null;
    this.singleValue = null;
    this.singleRead = false;
    this.spiffe = null;
    this.spiffeRead = false;
  }

  /** Whether header `name` was read already (then header() makes no host call). */
  hasRead(name: string): bool {
    return this.usePairs || (this.singleRead && this.singleName == name);
  }

  /** The first value of request header `name` (lowercase), or null. */
  header(name: string): string | null {
    if (this.usePairs) {
      let pairs = this.pairs;
      if (pairs === null) {
        pairs = getHeaderPairs(HeaderMap.RequestHeaders);
        this.pairs = pairs;
      }
      return pairs.get(name);
    }
    if (!this.singleRead || this.singleName != name) {
      this.singleName = name;
      this.singleValue = getEncodedHeader(HeaderMap.RequestHeaders, encodedHeaderName(name));
      this.singleRead = true;
    }
    return this.singleValue;
  }

  /** The peer certificate's first URI SAN when it is a valid SPIFFE ID, or null. */
  peerSpiffeId(): SpiffeId | null {
    if (!this.spiffeRead) {
      const san = getEncodedProperty(URI_SAN_PEER_PATH);
      if (san !== null) {
        const id = parseSpiffeId(san);
        if (id.valid) this.spiffe = id;
      }
      this.spiffeRead = true;
    }
    return this.spiffe;
  }
}
