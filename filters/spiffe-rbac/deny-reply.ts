// The 403 reply. Its details and body are encoded once at configure time and gRPC detection
// (shared/local-reply.ts) reads `content-type` in place, so a denied request allocates nothing
// (unless the decision header is on: its value names the reason and policy).
import { stringToBuffer } from "../shared/bytes";
import { HeaderList } from "../shared/headers";
import { isGrpcRequest, NO_GRPC_STATUS, sendEncodedLocalReply } from "../shared/local-reply";

export const DECISION_HEADER = "x-sluice-rbac";
export const DENY_DETAILS = "rbac_access_denied";
const GRPC_PERMISSION_DENIED: i32 = 7;
const DETAILS = stringToBuffer(DENY_DETAILS);

export class DenyReply {
  private readonly body: ArrayBuffer;

  constructor(body: string) {
    this.body = stringToBuffer(body);
  }

  /** Sends the 403 reply, with `x-sluice-rbac: <decision>` unless `decision` is null. */
  send(decision: string | null): void {
    let headers: HeaderList | null = null;
    if (decision !== null) {
      headers = new HeaderList();
      headers.add(DECISION_HEADER, decision);
    }
    sendEncodedLocalReply(403, DETAILS, this.body, headers, isGrpcRequest() ? GRPC_PERMISSION_DENIED : NO_GRPC_STATUS);
  }
}
