// The fast-fail local replies of a circuit (open, half-open, max in flight) and its shadow-mode
// header, encoded once per circuit at configure time (from the parsed Circuit), and once per key
// of a split circuit when a VM learns the key's name (the header names the key): a rejection
// writes the retry-after digits in place and allocates nothing.
import { stringToBuffer } from "../shared/bytes";
import { addEncodedHeader } from "../shared/encoded-host-calls";
import { EncodedReply } from "../shared/encoded-reply";
import { HeaderMap } from "../shared/headers";
import { NO_GRPC_STATUS } from "../shared/local-reply";
import { Verdict } from "./breaker";
import { Circuit } from "./config";

const SHADOW_HEADER = stringToBuffer("x-sluice-circuit-shadow");

/** The reply with `x-sluice-circuit: <state>`, reply.headers, then retry-after. */
function encodeReply(c: Circuit, details: string, state: string): EncodedReply {
  const r = c.reply;
  return new EncodedReply(r.status, details, r.body, "x-sluice-circuit\0" + state + "\0" + r.headerText(), 1 + r.headers.length,
    "retry-after");
}

export class CircuitReply {
  private readonly open: EncodedReply;
  private readonly halfOpen: EncodedReply;
  private readonly inFlight: EncodedReply;
  /** The shadow header's values, by the same three verdicts. */
  private readonly openState: ArrayBuffer;
  private readonly halfOpenState: ArrayBuffer;
  private readonly inFlightState: ArrayBuffer;
  /** reply.grpc_status, sent to gRPC requests. */
  private readonly grpcStatus: i32;

  /** The replies whose x-sluice-circuit values are these (the circuit's own, or a key's). */
  constructor(c: Circuit, openHeader: string, halfOpenHeader: string, inFlightHeader: string) {
    this.open = encodeReply(c, "circuit_open", openHeader);
    this.halfOpen = encodeReply(c, "circuit_open", halfOpenHeader);
    this.inFlight = encodeReply(c, "max_in_flight", inFlightHeader);
    this.openState = stringToBuffer(openHeader);
    this.halfOpenState = stringToBuffer(halfOpenHeader);
    this.inFlightState = stringToBuffer(inFlightHeader);
    this.grpcStatus = c.reply.grpcStatus;
  }

  /** Sends the reply for `verdict`, retry-after from `retryAfterMs` (rounded up, at least 1 s). */
  send(verdict: Verdict, retryAfterMs: i64, grpc: bool): void {
    const reply = verdict == Verdict.RejectInFlight ? this.inFlight : verdict == Verdict.RejectHalfOpen ? this.halfOpen : this.open;
    reply.begin();
    reply.decimal(<u64>max<i64>(1, (retryAfterMs + 999) / 1000));
    reply.send(grpc ? this.grpcStatus : NO_GRPC_STATUS);
  }

  /** Shadow mode: marks the request the circuit would have rejected. */
  markShadow(verdict: Verdict): void {
    const state = verdict == Verdict.RejectInFlight ? this.inFlightState : verdict == Verdict.RejectHalfOpen ? this.halfOpenState : this.openState;
    addEncodedHeader(HeaderMap.RequestHeaders, SHADOW_HEADER, state);
  }
}
