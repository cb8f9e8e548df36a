// The 403 reply. Its details and body are encoded once at configure time and gRPC detection
// (shared/local-reply.ts) reads `content-type` in place, so a denied request allocates nothing (unless the decision
// header is on: its value names the reason and policy).
import { proxy_send_local_response } from "@gcoredev/proxy-wasm-sdk-as/assembly/imports";
import { stringToBuffer } from "../shared/bytes";
import { HeaderList } from "../shared/headers";
import { isGrpcRequest } from "../shared/local-reply";

export const DECISION_HEADER = "x-sluice-rbac";
export const DENY_DETAILS = "rbac_access_denied";
const GRPC_PERMISSION_DENIED: u32 = 7;
const NO_GRPC_STATUS: u32 = 0xffffffff;
const DETAILS = stringToBuffer(DENY_DETAILS);
const NO_HEADERS = new ArrayBuffer(0);

export class DenyReply {
  private readonly body: ArrayBuffer;

  constructor(body: string) {
    this.body = stringToBuffer(body);
  }

  /** Sends the 403 reply, with `x-sluice-rbac: <decision>` unless `decision` is null. */
  send(decision: string | null): void {
    let pairs = NO_HEADERS;
    if (decision !== null) {
      const headers = new HeaderList();
      headers.add(DECISION_HEADER, decision);
      pairs = headers.serialize();
    }
    const body = this.body;
    proxy_send_local_response(403, changetype<usize>(DETAILS), DETAILS.byteLength,
      changetype<usize>(body), body.byteLength,
      changetype<usize>(pairs), pairs.byteLength,
      isGrpcRequest() ? GRPC_PERMISSION_DENIED : NO_GRPC_STATUS);
  }
}
