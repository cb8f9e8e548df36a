// host-sim public API.
export { Proxy, type ProxyOptions, type StreamOptions, type RequestOptions, type RequestOptions as RequestSpec, type RequestResult, type ForeignCall, type MetricValue } from "./proxy.js";
export { Plugin, checkModule, type PluginOptions, type FailurePolicy, type FailureRecord } from "./plugin.js";
export { Stream, type Decision, type LocalResponse, type StreamResult, type StreamEvent, type UpstreamResponse } from "./stream.js";
export { Vm, type LogEntry, type TraceEntry, type VmRole } from "./vm.js";
export { HttpCall, GrpcCall, type HttpCallResponse, type CallState } from "./callouts.js";
export { HeaderMap, type HeadersInput } from "./headers.js";
export { serializePairs, parsePairs, type Pairs } from "./codec.js";
export { encodeProperty, type PropertyInput, type PropertyValue } from "./properties.js";
export { Result, LOG_LEVELS, MapType, BufferType, MetricType, PROVIDED_IMPORTS, type LogLevelName } from "./abi/spec.js";
export type { SharedValue, Stat } from "./stores.js";
