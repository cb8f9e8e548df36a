// The fast-fail local reply of a circuit and its shadow-mode header, encoded once per circuit
// (configure time, from the parsed Circuit): a rejection writes the retry-after digits in place
// and copies the rest, so it allocates nothing.
import { stringToBuffer } from "../shared/bytes";
import { addEncodedHeader } from "../shared/encoded-host-calls";
import { HeaderPairs } from "../shared/header-pairs";
import { HeaderList, HeaderMap } from "../shared/headers";
import { NO_GRPC_STATUS, sendLocalReply } from "../shared/local-reply";
import { Verdict } from "./breaker";
import { Circuit } from "./config";

const RETRY_AFTER = stringToBuffer("retry-after");
const CIRCUIT_HEADER = stringToBuffer("x-sluice-circuit");
const SHADOW_HEADER = stringToBuffer("x-sluice-circuit-shadow");
const OPEN_DETAILS = stringToBuffer("circuit_open");
const IN_FLIGHT_DETAILS = stringToBuffer("max_in_flight");
// gRPC UNAVAILABLE, the status of a rejected gRPC call.
// @ts-ignore: decorator
@inline const GRPC_UNAVAILABLE: i32 = 14;

/** The headers of the reply being sent (one request at a time per VM). */
const headers = new HeaderPairs();

export class CircuitReply {
  private readonly status: u32;
  private readonly body: ArrayBuffer;
  /** reply.headers, after retry-after and x-sluice-circuit. */
  private readonly extra: HeaderPairs;
  /** x-sluice-circuit values: `<name>; state=open`, `; state=half_open`, `; reason=max_in_flight`. */
  private readonly open: ArrayBuffer;
  private readonly halfOpen: ArrayBuffer;
  private readonly inFlight: ArrayBuffer;

  constructor(c: Circuit) {
    this.status = c.replyStatus;
    this.body = stringToBuffer(c.replyBody);
    const extra = new HeaderList();
    for (let i = 0; i < c.replyHeaders.length; i++) extra.add(c.replyHeaders[i].name, c.replyHeaders[i].value);
    this.extra = HeaderPairs.of(extra);
    this.open = stringToBuffer(c.openHeader);
    this.halfOpen = stringToBuffer(c.halfOpenHeader);
    this.inFlight = stringToBuffer(c.inFlightHeader);
  }

  /** The x-sluice-circuit value of a rejection. */
  private state(verdict: Verdict): ArrayBuffer {
    if (verdict == Verdict.RejectInFlight) return this.inFlight;
    return verdict == Verdict.RejectHalfOpen ? this.halfOpen : this.open;
  }

  /** Sends the reply for `verdict`, retry-after from `retryAfterMs` (rounded up, at least 1 s). */
  send(verdict: Verdict, retryAfterMs: i64, grpc: bool): void {
    headers.clear();
    headers.begin(RETRY_AFTER).decimal(<u64>max<i64>(1, (retryAfterMs + 999) / 1000));
    headers.add(CIRCUIT_HEADER, this.state(verdict));
    headers.append(this.extra);
    const details = verdict == Verdict.RejectInFlight ? IN_FLIGHT_DETAILS : OPEN_DETAILS;
    sendLocalReply(this.status, details, this.body, headers, grpc ? GRPC_UNAVAILABLE : NO_GRPC_STATUS);
  }

  /** Shadow mode: marks the request the circuit would have rejected. */
  markShadow(verdict: Verdict): void {
    addEncodedHeader(HeaderMap.RequestHeaders, SHADOW_HEADER, this.state(verdict));
  }
}
