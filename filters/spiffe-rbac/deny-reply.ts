// The denial. Each reply is compiled at configure time (shared/local-reply.ts) and gRPC detection
// reads `content-type` in place, so a denied request allocates nothing (unless the decision header
// is on: its value names the reason and policy).
import { stringToBuffer } from "../shared/bytes";
import { isGrpcRequest, LocalReply, ReplyHeaders } from "../shared/local-reply";
import { NONE } from "./evaluate";

export const DECISION_HEADER = "x-sluice-rbac";
const DECISION_HEADER_BYTES = stringToBuffer(DECISION_HEADER);
const decisionHeaders = new ReplyHeaders();

/** Sends the denial of `policy` (NONE: no policy, the top-level reply) from `replies` (per policy,
 *  then the top-level one), with `x-sluice-rbac: <decision>` unless `decision` is null. */
export function sendDenial(replies: LocalReply[], policy: i32, decision: string | null): void {
  const reply = unchecked(replies[policy == NONE ? replies.length - 1 : policy]);
  if (decision === null) reply.send(isGrpcRequest());
  else reply.sendWith(isGrpcRequest(), decisionHeaders.clear().addString(DECISION_HEADER_BYTES, decision), null);
}
