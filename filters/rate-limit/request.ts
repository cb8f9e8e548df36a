// The request values rules read, fetched lazily and at most once per request: header values
// (one proxy_get_header_map_value, or one proxy_get_header_map_pairs when the configuration needs
// several headers), the peer address and the peer's SPIFFE ID (one property call each).
import { getHeader, getHeaderPairs, HeaderList, HeaderMap } from "../shared/headers";
import { CONNECTION_URI_SAN_PEER, getPropertyString, SOURCE_ADDRESS } from "../shared/properties";
import { parseSpiffeId, SpiffeId } from "../shared/spiffe";

export class RequestView {
  private pairs: HeaderList | null = null;
  private singleName: string = "";
  private singleValue: string | null = null;
  private singleRead: bool = false;
  private sourceAddress: string | null = null;
  private sourceRead: bool = false;
  private spiffe: SpiffeId | null = null;
  private spiffeRead: bool = false;

  /** `usePairs`: read every request header in one call on first use (the configuration needs more
   *  than one header); otherwise each header is read by name once. */
  constructor(private readonly usePairs: bool) {}

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
      this.singleValue = getHeader(HeaderMap.RequestHeaders, name);
      this.singleRead = true;
    }
    return this.singleValue;
  }

  /** `source.address` (ip:port), or null. */
  peerAddress(): string | null {
    if (!this.sourceRead) {
      this.sourceAddress = getPropertyString(SOURCE_ADDRESS);
      this.sourceRead = true;
    }
    return this.sourceAddress;
  }

  /** The peer certificate's first URI SAN when it is a valid SPIFFE ID, or null. */
  peerSpiffeId(): SpiffeId | null {
    if (!this.spiffeRead) {
      const san = getPropertyString(CONNECTION_URI_SAN_PEER);
      if (san !== null) {
        const id = parseSpiffeId(san);
        if (id.valid) this.spiffe = id;
      }
      this.spiffeRead = true;
    }
    return this.spiffe;
  }
}
