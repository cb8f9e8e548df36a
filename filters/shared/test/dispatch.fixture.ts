// Two root ids in one module, for the dispatch-layer tests: "alpha" and "beta" each tag the
// request with their name; "alpha" rejects the configuration "reject" and logs each stream at
// debug level (so tests can see that the level is checked before the message is built); a root
// configured "abort" aborts in every stream (to test the module's abort). Each stream echoes its
// request's x-token in the response (x-token-echo) with the number of requests its context saw
// since its reset (x-requests-seen): streams must not mix up, and a reused context starts over.
// Every request allocates (strings), so the collector has work.
export * from "../dispatch";
export * from "../access-log-dispatch";
import { proxy_add_header_map_value } from "@gcoredev/proxy-wasm-sdk-as/assembly/imports";
import { readPluginConfiguration } from "../buffers";
import { stringToBuffer } from "../bytes";
import { HeadersStatus, HttpContext, registerRoot, RootContext } from "../context";
import { addHeader, getHeader, HeaderMap } from "../headers";
import { logEnabled, logMessage, LogLevel } from "../log";

class TaggingRoot extends RootContext {
  configuration: string = "";
  onConfigure(configSize: u32): bool {
    this.configuration = readPluginConfiguration(configSize);
    logMessage(LogLevel.Info, this.rootId + ": configured with \"" + this.configuration + "\"");
    return this.configuration != "reject";
  }
  onDone(): bool {
    logMessage(LogLevel.Info, this.rootId + ": done");
    return true;
  }
  onDelete(): void {
    logMessage(LogLevel.Info, this.rootId + ": deleted");
  }
  newHttpContext(id: u32): HttpContext | null {
    return new TaggingStream(id, this);
  }
}

class TaggingStream extends HttpContext {
  token: string = "";
  requests: i32 = 0;

  reset(): void {
    this.token = "";
    this.requests = 0;
  }

  onResponseHeaders(headerCount: u32, endOfStream: bool): u32 {
    addHeader(HeaderMap.ResponseHeaders, "x-token-echo", this.token);
    addHeader(HeaderMap.ResponseHeaders, "x-requests-seen", this.requests.toString());
    return HeadersStatus.Continue;
  }

  onRequestHeaders(headerCount: u32, endOfStream: bool): u32 {
    this.requests++;
    const token = getHeader(HeaderMap.RequestHeaders, "x-token");
    this.token = token === null ? "" : token;
    assert(changetype<TaggingRoot>(this.root).configuration != "abort", "stream asked to abort");
    if (logEnabled(LogLevel.Debug)) logMessage(LogLevel.Debug, this.root.rootId + ": stream " + this.id.toString());
    const key = stringToBuffer("x-root");
    const value = stringToBuffer(this.root.rootId);
    proxy_add_header_map_value(0, changetype<usize>(key), key.byteLength, changetype<usize>(value), value.byteLength);
    return HeadersStatus.Continue;
  }
}

registerRoot("alpha", (id: u32, rootId: string): RootContext => new TaggingRoot(id, rootId));
registerRoot("beta", (id: u32, rootId: string): RootContext => new TaggingRoot(id, rootId));
