// The denials (the top-level reply and each policy's own), encoded once per configuration
// (configure time): status, details, body, headers, and for the decision header every reason and
// policy name as bytes, so a denied request writes the header value by copying and allocates
// nothing. gRPC detection (shared/local-reply.ts) reads
// `content-type` in place.
import { stringToBuffer } from "../shared/bytes";
import { EncodedReply } from "../shared/encoded-reply";
import { isGrpcRequest, LocalReply, NO_GRPC_STATUS } from "../shared/local-reply";
import { Decision, NONE, Reason, REASON_COUNT, reasonName } from "./evaluate";
import { PolicyTable } from "./policy";

export const DECISION_HEADER = "x-sluice-rbac";

const POLICY = "; policy=";

/** `reply` encoded with the decision header (when `longest` > 0) left open for the reason. */
function encode(reply: LocalReply, longest: i32): EncodedReply {
  return new EncodedReply(reply.status, reply.details, reply.body, reply.headerText(), reply.headers.length,
    longest > 0 ? DECISION_HEADER : "", 2 * longest);
}

export class DenyReply {
  /** Per policy, then the top-level reply (policies without their own share it), then the 400s
   *  for a path and for an authority. */
  private readonly replies: EncodedReply[] = [];
  private readonly grpcStatuses: StaticArray<i32>;
  /** With the decision header: every reason name then every policy name, one after the other;
   *  name i ends at ends[i] (reasons by Reason, then policies by index). Empty without it. */
  private readonly names: ArrayBuffer;
  private readonly ends: StaticArray<i32>;

  /** `replies`: as Config.replies (per policy, the top-level one, the two 400s). */
  constructor(replies: LocalReply[], decisionHeader: bool, policies: PolicyTable) {
    let names = "";
    const reasons = decisionHeader ? REASON_COUNT : 0;
    const count = decisionHeader ? reasons + policies.count : 0;
    const ends = new StaticArray<i32>(count);
    let longest = 0;
    for (let i = 0; i < count; i++) {
      const name = i < reasons ? reasonName(i) : POLICY + policies.name(i - reasons);
      names += name;
      unchecked(ends[i] = names.length);
      longest = max(longest, name.length);
    }
    this.names = stringToBuffer(names);
    this.ends = ends;
    const n = replies.length;
    const fallback = replies[n - 3];
    const shared = encode(fallback, longest);
    this.grpcStatuses = new StaticArray<i32>(n);
    for (let i = 0; i < n; i++) {
      const reply = replies[i];
      this.replies.push(reply === fallback ? shared : encode(reply, longest));
      unchecked(this.grpcStatuses[i] = reply.grpcStatus);
    }
  }

  /** Appends name `i` (see `names`) to the decision header's value. */
  private write(reply: EncodedReply, i: i32): void {
    const start = i == 0 ? 0 : unchecked(this.ends[i - 1]);
    reply.bytes(changetype<usize>(this.names) + <usize>start, unchecked(this.ends[i]) - start);
  }

  /** Answers 400 to a rejected `:path` (or, `authority`, `:authority`), with `x-sluice-rbac:
   *  path_rejected` (`authority_rejected`) when configured. */
  reject(authority: bool): void {
    const last = this.replies.length - 1;
    this.sendAt(authority ? last : last - 1, authority ? Reason.AuthorityRejected : Reason.PathRejected, NONE);
  }

  /** Sends the denying policy's reply (the top-level one without a policy), with
   *  `x-sluice-rbac: <reason>[; policy=<name>]` when configured. */
  send(decision: Decision): void {
    const policy = decision.policy;
    this.sendAt(policy == NONE ? this.replies.length - 3 : policy, decision.reason, policy);
  }

  /** Sends reply `i` with the decision header for `reason` and `policy` (or NONE). */
  private sendAt(i: i32, reason: i32, policy: i32): void {
    const reply = unchecked(this.replies[i]);
    reply.begin();
    if (this.ends.length > 0) {
      this.write(reply, reason);
      if (policy != NONE) this.write(reply, REASON_COUNT + policy);
    }
    reply.send(isGrpcRequest() ? unchecked(this.grpcStatuses[i]) : NO_GRPC_STATUS);
  }
}
