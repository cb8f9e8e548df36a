// The callbacks of the gRPC calls a root context makes (ABI 0.2.1): a message and the end of a
// call, all a caller (rate-limit: its rate limit service) answers. Exported only by the modules
// that make such calls (`export * from "../shared/callout-dispatch"` next to dispatch.ts): each
// export the host finds is one it may call, and the others cost every module their names and
// code. The call callbacks no filter answers (initial and trailing gRPC metadata, HTTP call
// responses, queues, foreign functions) are not exported at all: the host skips a missing one
// (proxy-wasm-cpp-host ContextBase::onGrpcReceiveInitialMetadata, ...).
import { rootOf } from "./context-registry";

export function proxy_on_grpc_receive(rootId: u32, token: u32, messageSize: u32): void {
  const root = rootOf(rootId);
  if (root !== null) root.onGrpcReceive(token, messageSize);
}

export function proxy_on_grpc_close(rootId: u32, token: u32, statusCode: u32): void {
  const root = rootOf(rootId);
  if (root !== null) root.onGrpcClose(token, statusCode);
}
