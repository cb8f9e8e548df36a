// The 403 reply, encoded once per configuration (configure time): details, body, and for the
// decision header every reason and policy name as bytes, so a denied request writes the header
// value by copying and allocates nothing. gRPC detection (shared/local-reply.ts) reads
// `content-type` in place.
import { stringToBuffer } from "../shared/bytes";
import { HeaderPairs } from "../shared/header-pairs";
import { isGrpcRequest, NO_GRPC_STATUS, sendLocalReply } from "../shared/local-reply";
import { Decision, NONE, Reason, reasonName } from "./evaluate";
import { PolicyTable } from "./policy";

export const DECISION_HEADER = "x-sluice-rbac";
export const DENY_DETAILS = "rbac_access_denied";
const GRPC_PERMISSION_DENIED: i32 = 7;
const DETAILS = stringToBuffer(DENY_DETAILS);
const DECISION = stringToBuffer(DECISION_HEADER);
const POLICY = stringToBuffer("; policy=");

/** The headers of the reply being sent (one request at a time per VM). */
const headers = new HeaderPairs();

export class DenyReply {
  private readonly body: ArrayBuffer;
  /** With the decision header: each reason's name (by Reason), and every policy name, one after
   *  the other (policy i's ends at policyEnds[i]); without it, empty. */
  private readonly reasons: ArrayBuffer[] = [];
  private readonly policyNames: ArrayBuffer;
  private readonly policyEnds: StaticArray<i32>;

  constructor(body: string, decisionHeader: bool, policies: PolicyTable) {
    this.body = stringToBuffer(body);
    let names = "";
    const count = decisionHeader ? policies.count : 0;
    const ends = new StaticArray<i32>(count);
    for (let i = 0; i < count; i++) {
      names += policies.name(i);
      ends[i] = names.length;
    }
    this.policyEnds = ends;
    this.policyNames = stringToBuffer(names);
    if (decisionHeader) {
      for (let reason = 0; reason <= Reason.InvalidPath; reason++) this.reasons.push(stringToBuffer(reasonName(reason)));
    }
  }

  /** Sends the 403 reply, with `x-sluice-rbac: <reason>[; policy=<name>]` when configured. */
  send(decision: Decision): void {
    let withHeaders: HeaderPairs | null = null;
    if (this.reasons.length > 0) {
      headers.clear();
      const value = headers.begin(DECISION);
      value.buffer(unchecked(this.reasons[decision.reason]));
      const policy = decision.policy;
      if (policy != NONE) {
        const start = policy == 0 ? 0 : unchecked(this.policyEnds[policy - 1]);
        value.buffer(POLICY);
        value.bytes(changetype<usize>(this.policyNames) + <usize>start, unchecked(this.policyEnds[policy]) - start);
      }
      withHeaders = headers;
    }
    sendLocalReply(403, DETAILS, this.body, withHeaders, isGrpcRequest() ? GRPC_PERMISSION_DENIED : NO_GRPC_STATUS);
  }
}
