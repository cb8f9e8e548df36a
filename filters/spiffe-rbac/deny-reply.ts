// The denials (the top-level reply and each policy's own), encoded once per configuration
// (configure time): status, details, body, headers, and for the decision header every reason and
// policy name as bytes, so a denied request writes the header value by copying and allocates
// nothing. gRPC detection (shared/local-reply.ts) reads
// `content-type` in place.
import { stringToBuffer } from "../shared/bytes";
import { EncodedReply } from "../shared/encoded-reply";
import { isGrpcRequest, LocalReply, NO_GRPC_STATUS } from "../shared/local-reply";
import { Decision, NONE, Reason, reasonName } from "./evaluate";
import { PolicyTable } from "./policy";

export const DECISION_HEADER = "x-sluice-rbac";
/** gRPC INVALID_ARGUMENT: the status of a rejected path or authority for a gRPC call. */
const GRPC_INVALID_ARGUMENT: i32 = 3;

/** The 400 for a `:path` or `:authority` that is ambiguous or (path_forwarding reject) not
 *  canonical; with the decision header `x-sluice-rbac: <what>_rejected`. */
function rejection(what: string, decisionHeader: bool): EncodedReply {
  const header = decisionHeader ? DECISION_HEADER + "\0" + what + "_rejected\0" : "";
  return new EncodedReply(400, "rbac_" + what + "_rejected", "RBAC: ambiguous " + what, header, decisionHeader ? 1 : 0, "");
}
const POLICY = "; policy=";

/** `reply` encoded with the decision header (when `longest` > 0) left open for the reason. */
function encode(reply: LocalReply, longest: i32): EncodedReply {
  return new EncodedReply(reply.status, reply.details, reply.body, reply.headerText(), reply.headers.length,
    longest > 0 ? DECISION_HEADER : "", 2 * longest);
}

export class DenyReply {
  /** Per policy, then the top-level reply; policies without their own share the top-level one. */
  private readonly replies: EncodedReply[] = [];
  private readonly grpcStatuses: StaticArray<i32>;
  /** With the decision header: every reason name then every policy name, one after the other;
   *  name i ends at ends[i] (reasons by Reason, then policies by index). Empty without it. */
  private readonly names: ArrayBuffer;
  private readonly ends: StaticArray<i32>;
  private readonly pathRejection: EncodedReply;
  private readonly authorityRejection: EncodedReply;

  /** `replies`: as Config.replies (per policy, then the top-level one). */
  constructor(replies: LocalReply[], decisionHeader: bool, policies: PolicyTable) {
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
    this.pathRejection = rejection("path", decisionHeader);
    this.authorityRejection = rejection("authority", decisionHeader);
    this.names = stringToBuffer(names);
    this.ends = ends;
    const n = replies.length;
    const fallback = replies[n - 1];
    const shared = encode(fallback, longest);
    this.grpcStatuses = new StaticArray<i32>(n);
    for (let i = 0; i < n; i++) {
      const reply = replies[i];
      this.replies.push(reply === fallback ? shared : encode(reply, longest));
      this.grpcStatuses[i] = reply.grpcStatus;
    }
  }

  /** Appends name `i` (see `names`) to the decision header's value. */
  private write(reply: EncodedReply, i: i32): void {
    const start = i == 0 ? 0 : unchecked(this.ends[i - 1]);
    reply.bytes(changetype<usize>(this.names) + <usize>start, unchecked(this.ends[i]) - start);
  }

  /** Answers 400 to a rejected `:path` (or, `authority`, `:authority`). */
  reject(authority: bool): void {
    const reply = authority ? this.authorityRejection : this.pathRejection;
    reply.send(isGrpcRequest() ? GRPC_INVALID_ARGUMENT : NO_GRPC_STATUS);
  }

  /** Sends the denying policy's reply (the top-level one without a policy), with
   *  `x-sluice-rbac: <reason>[; policy=<name>]` when configured. */
  send(decision: Decision): void {
    const i = decision.policy == NONE ? this.replies.length - 1 : decision.policy;
    const reply = unchecked(this.replies[i]);
    reply.begin();
    if (this.ends.length > 0) {
      this.write(reply, decision.reason);
      if (decision.policy != NONE) this.write(reply, Reason.InvalidPath + 1 + decision.policy);
    }
    reply.send(isGrpcRequest() ? unchecked(this.grpcStatuses[i]) : NO_GRPC_STATUS);
  }
}
