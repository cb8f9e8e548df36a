// proxy_send_local_response, proxy_continue_stream, proxy_close_stream. All act after the
// current VM call returns (Envoy defers them).

import { byteString, parsePairs } from "../codec.js";
import { Result } from "./spec.js";
import { asciiLower } from "./util.js";
import type { Vm } from "../vm.js";

const MAX_STREAM_TYPE = 3;

export function streamControlImports(vm: Vm) {
  const m = () => vm.memory;
  return {
    proxy_send_local_response(
      code: number,
      detailsPtr: number,
      detailsLen: number,
      bodyPtr: number,
      bodyLen: number,
      hdrPtr: number,
      hdrLen: number,
      grpcStatus: number,
    ): number {
      const details = m().readString(detailsPtr, detailsLen).replace(/[ \t\n\v\f\r]/g, "_");
      const body = m().read(bodyPtr, bodyLen);
      const headers = parsePairs(m().read(hdrPtr, hdrLen)).map(([k, v]) => [asciiLower(k), v] as [string, string]);
      const c = vm.ctx();
      if (c.kind !== "http") return Result.Ok;
      const grpc = grpcStatus | 0;
      c.fs.stopFlag = true;
      c.fs.queue({
        k: "reply",
        reply: { status: code >>> 0, details, body: byteString(body), headers, grpcStatus: grpc >= 0 && grpc <= 16 ? grpc : undefined },
      });
      return Result.Ok;
    },
    proxy_continue_stream(type: number): number {
      if (type >>> 0 > MAX_STREAM_TYPE) return Result.BadArgument;
      if (type === 3) return Result.Unimplemented;
      const c = vm.ctx();
      if (c.kind === "http" && type <= 1) {
        c.fs.win[type * 2] = false;
        c.fs.queue({ k: "continue", dir: type as 0 | 1 });
      }
      return Result.Ok;
    },
    proxy_close_stream(type: number): number {
      if (type >>> 0 > MAX_STREAM_TYPE) return Result.BadArgument;
      const c = vm.ctx();
      if (c.kind === "http" && type <= 1) c.fs.queue({ k: "close" });
      return Result.Ok;
    },
  };
}
