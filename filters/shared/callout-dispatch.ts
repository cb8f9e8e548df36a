// The callbacks of calls a root context makes (ABI 0.2.1): HTTP and gRPC call responses, shared
// queues and foreign functions. Exported only by the modules that make such calls
// (`export * from "../shared/callout-dispatch"` next to dispatch.ts): each export the host finds is
// one it may call, and the others cost every module their names and code.
import { rootOf } from "./context-registry";

export function proxy_on_queue_ready(rootId: u32, token: u32): void {
  const root = rootOf(rootId);
  if (root !== null) root.onQueueReady(token);
}

export function proxy_on_foreign_function(rootId: u32, functionId: u32, argumentsSize: u32): void {
  const root = rootOf(rootId);
  if (root !== null) root.onForeignFunction(functionId, argumentsSize);
}

export function proxy_on_http_call_response(rootId: u32, token: u32, headerCount: u32, bodySize: u32, trailerCount: u32): void {
  const root = rootOf(rootId);
  if (root !== null) root.onHttpCallResponse(token, headerCount, bodySize, trailerCount);
}

export function proxy_on_grpc_receive_initial_metadata(rootId: u32, token: u32, headerCount: u32): void {
  const root = rootOf(rootId);
  if (root !== null) root.onGrpcReceiveInitialMetadata(token, headerCount);
}

export function proxy_on_grpc_receive(rootId: u32, token: u32, messageSize: u32): void {
  const root = rootOf(rootId);
  if (root !== null) root.onGrpcReceive(token, messageSize);
}

export function proxy_on_grpc_receive_trailing_metadata(rootId: u32, token: u32, trailerCount: u32): void {
  const root = rootOf(rootId);
  if (root !== null) root.onGrpcReceiveTrailingMetadata(token, trailerCount);
}

export function proxy_on_grpc_close(rootId: u32, token: u32, statusCode: u32): void {
  const root = rootOf(rootId);
  if (root !== null) root.onGrpcClose(token, statusCode);
}
