// The 403 reply, encoded once per configuration (configure time): details, body, and for the
// decision header every reason and policy name as bytes, so a denied request writes the header
// value by copying and allocates nothing. gRPC detection (shared/local-reply.ts) reads
// `content-type` in place.
import { stringToBuffer } from "../shared/bytes";
import { EncodedReply } from "../shared/encoded-reply";
import { isGrpcRequest, NO_GRPC_STATUS } from "../shared/local-reply";
import { Decision, NONE, Reason, reasonName } from "./evaluate";
import { PolicyTable } from "./policy";

export const DECISION_HEADER = "x-sluice-rbac";
export const DENY_DETAILS = "rbac_access_denied";
const GRPC_PERMISSION_DENIED: i32 = 7;
const POLICY = "; policy=";

export class DenyReply {
  private readonly reply: EncodedReply;
  /** With the decision header: every reason name then every policy name, one after the other;
   *  name i ends at ends[i] (reasons by Reason, then policies by index). Empty without it. */
  private readonly names: ArrayBuffer;
  private readonly ends: StaticArray<i32>;

  constructor(body: string, decisionHeader: bool, policies: PolicyTable) {
    let names = "";
    const reasons = decisionHeader ? Reason.InvalidPath + 1 : 0;
    const count = decisionHeader ? reasons + policies.count : 0;
    const ends = new StaticArray<i32>(count);
    let longest = 0;
    for (let i = 0; i < count; i++) {
      const name = i < reasons ? reasonName(i) : POLICY + policies.name(i - reasons);
      names += name;
      ends[i] = names.length;
      longest = max(longest, name.length);
    }
    this.names = stringToBuffer(names);
    this.ends = ends;
    this.reply = new EncodedReply(403, DENY_DETAILS, body, "", 0, decisionHeader ? DECISION_HEADER : "", 2 * longest);
  }

  /** Appends name `i` (see `names`) to the decision header's value. */
  private write(i: i32): void {
    const start = i == 0 ? 0 : unchecked(this.ends[i - 1]);
    this.reply.bytes(changetype<usize>(this.names) + <usize>start, unchecked(this.ends[i]) - start);
  }

  /** Sends the 403 reply, with `x-sluice-rbac: <reason>[; policy=<name>]` when configured. */
  send(decision: Decision): void {
    const reply = this.reply;
    reply.begin();
    if (this.ends.length > 0) {
      this.write(decision.reason);
      if (decision.policy != NONE) this.write(Reason.InvalidPath + 1 + decision.policy);
    }
    reply.send(isGrpcRequest() ? GRPC_PERMISSION_DENIED : NO_GRPC_STATUS);
  }
}
