// proxy_http_call, proxy_grpc_*, proxy_get_status. Callouts are issued on the root context.

import { parsePairs, stringBytes, toText } from "../codec.js";
import { GrpcCall, HttpCall } from "../callouts.js";
import { Result } from "./spec.js";
import { actingRoot, asciiLower } from "./util.js";
import type { Vm } from "../vm.js";

const text = (pairs: [string, string][]): [string, string][] => pairs.map(([k, v]) => [toText(asciiLower(k)), toText(v)]);

export function calloutImports(vm: Vm) {
  const proxy = vm.proxy;
  const m = () => vm.memory;
  const grpcByToken = (token: number) => proxy.grpcCalls.find((c) => c.vm === vm && c.token === token && c.state === "pending");

  function startGrpc(kind: "call" | "stream", args: number[], msg: Uint8Array, timeoutMs: number, tokenPtr: number): number {
    const [sPtr, sLen, svcPtr, svcLen, mPtr, mLen, mdPtr, mdLen] = args;
    const cluster = m().readString(sPtr, sLen);
    const service = m().readString(svcPtr, svcLen);
    const method = m().readString(mPtr, mLen);
    const md = parsePairs(m().read(mdPtr, mdLen));
    const root = actingRoot(vm);
    if (!root) return Result.InternalFailure;
    if (!root.plugin.knowsCluster(cluster)) return Result.ParseFailure;
    const token = vm.nextCalloutToken(kind === "call" ? "grpcCall" : "grpcStream");
    m().writeU32(tokenPtr, token);
    const call = new GrpcCall(vm, root, kind, token, toText(cluster), toText(service), toText(method), text(md), msg, timeoutMs);
    proxy.grpcCalls.push(call);
    if (timeoutMs > 0) call.timer = proxy.clock.schedule(timeoutMs, () => call.timeout());
    proxy.grpcHandler?.(call);
    return Result.Ok;
  }

  return {
    proxy_http_call(
      upPtr: number,
      upLen: number,
      hPtr: number,
      hLen: number,
      bPtr: number,
      bLen: number,
      tPtr: number,
      tLen: number,
      timeoutMs: number,
      tokenPtr: number,
    ): number {
      m().writeU32(tokenPtr, 0);
      const cluster = m().readString(upPtr, upLen);
      const headers = parsePairs(m().read(hPtr, hLen)).map(([k, v]) => [asciiLower(k), v] as [string, string]);
      const body = m().read(bPtr, bLen);
      const trailers = parsePairs(m().read(tPtr, tLen));
      const root = actingRoot(vm);
      if (!root) return Result.InternalFailure;
      if (!root.plugin.knowsCluster(cluster)) return Result.BadArgument;
      const has = (k: string) => headers.some(([n]) => n === k);
      if (!has(":path") || !has(":method") || !has(":authority")) return Result.BadArgument;
      if ((timeoutMs | 0) < 0) return Result.BadArgument;
      if (body.length > 0) headers.push(["content-length", String(body.length)]);
      const token = vm.nextCalloutToken("http");
      m().writeU32(tokenPtr, token);
      const call = new HttpCall(vm, root, token, toText(cluster), text(headers), body, text(trailers), timeoutMs >>> 0);
      proxy.httpCalls.push(call);
      if (call.timeoutMs > 0) call.timer = proxy.clock.schedule(call.timeoutMs, () => call.timeout());
      proxy.httpHandler?.(call);
      return Result.Ok;
    },
    proxy_grpc_call(...args: number[]): number {
      return startGrpc("call", args.slice(0, 8), m().read(args[8], args[9]), args[10] >>> 0, args[11]);
    },
    proxy_grpc_stream(...args: number[]): number {
      return startGrpc("stream", args.slice(0, 8), new Uint8Array(0), 0, args[8]);
    },
    proxy_grpc_send(token: number, mPtr: number, mLen: number, endStream: number): number {
      const msg = m().read(mPtr, mLen);
      if ((token & 3) !== 2) return Result.BadArgument;
      const call = grpcByToken(token);
      if (!call) return Result.NotFound;
      call.sent.push(msg);
      if (endStream) call.localClosed = true;
      return Result.Ok;
    },
    proxy_grpc_cancel(token: number): number {
      const kind = token & 3;
      if (kind !== 1 && kind !== 2) return Result.BadArgument;
      const call = grpcByToken(token);
      if (!call) return Result.NotFound;
      call.state = "cancelled";
      proxy.clock.cancel(call.timer);
      return Result.Ok;
    },
    proxy_grpc_close(token: number): number {
      const kind = token & 3;
      if (kind !== 1 && kind !== 2) return Result.BadArgument;
      const call = grpcByToken(token);
      if (!call) return Result.NotFound;
      if (kind === 1) {
        call.state = "cancelled";
        proxy.clock.cancel(call.timer);
      } else call.localClosed = true;
      return Result.Ok;
    },
    proxy_get_status(codePtr: number, msgPtr: number, msgLen: number): number {
      const root = actingRoot(vm);
      const status = root?.status ?? { code: 0, message: "" };
      m().writeU32(codePtr, status.code);
      vm.writeValue(msgPtr, msgLen, stringBytes(status.message));
      return Result.Ok;
    },
  };
}
