// proxy_on_log, exported only by the modules whose streams act at access-log time
// (`export * from "../shared/access-log-dispatch"` next to dispatch.ts): without the export the
// host skips the callback (proxy-wasm-cpp-host ContextBase::onLog), which is all
// HttpContext.onLog's default would do, and the export costs the other modules its name and code.
import { streamOf } from "./context-registry";

export function proxy_on_log(contextId: u32): void {
  const stream = streamOf(contextId);
  if (stream !== null) stream.onLog();
}
