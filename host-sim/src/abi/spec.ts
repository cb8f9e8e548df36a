// ABI v0.2.1 constants and the exact import/export signatures cpp-host checks (fact sheet §1–§3).

export const Result = {
  Ok: 0,
  NotFound: 1,
  BadArgument: 2,
  SerializationFailure: 3,
  ParseFailure: 4,
  BadExpression: 5,
  InvalidMemoryAccess: 6,
  Empty: 7,
  CasMismatch: 8,
  ResultMismatch: 9,
  InternalFailure: 10,
  BrokenConnection: 11,
  Unimplemented: 12,
} as const;

export const LOG_LEVELS = ["trace", "debug", "info", "warn", "error", "critical"] as const;
export type LogLevelName = (typeof LOG_LEVELS)[number];

export const MapType = {
  RequestHeaders: 0,
  RequestTrailers: 1,
  ResponseHeaders: 2,
  ResponseTrailers: 3,
  GrpcInitialMetadata: 4,
  GrpcTrailingMetadata: 5,
  HttpCallResponseHeaders: 6,
  HttpCallResponseTrailers: 7,
} as const;

export const BufferType = {
  HttpRequestBody: 0,
  HttpResponseBody: 1,
  DownstreamData: 2,
  UpstreamData: 3,
  HttpCallResponseBody: 4,
  GrpcCallMessage: 5,
  VmConfiguration: 6,
  PluginConfiguration: 7,
  CallData: 8,
} as const;

export const MetricType = { Counter: 0, Gauge: 1, Histogram: 2 } as const;

/** env.proxy_* imports registered for ABI 0.2.1 (39), "params:results". */
const PROXY_IMPORTS: Record<string, string> = {
  proxy_log: "iii:i",
  proxy_get_log_level: "i:i",
  proxy_get_status: "iii:i",
  proxy_set_property: "iiii:i",
  proxy_get_property: "iiii:i",
  proxy_send_local_response: "iiiiiiii:i",
  proxy_get_shared_data: "iiiii:i",
  proxy_set_shared_data: "iiiii:i",
  proxy_register_shared_queue: "iii:i",
  proxy_resolve_shared_queue: "iiiii:i",
  proxy_dequeue_shared_queue: "iii:i",
  proxy_enqueue_shared_queue: "iii:i",
  proxy_get_header_map_value: "iiiii:i",
  proxy_add_header_map_value: "iiiii:i",
  proxy_replace_header_map_value: "iiiii:i",
  proxy_remove_header_map_value: "iii:i",
  proxy_get_header_map_pairs: "iii:i",
  proxy_set_header_map_pairs: "iii:i",
  proxy_get_header_map_size: "ii:i",
  proxy_get_buffer_status: "iii:i",
  proxy_get_buffer_bytes: "iiiii:i",
  proxy_set_buffer_bytes: "iiiii:i",
  proxy_http_call: "iiiiiiiiii:i",
  proxy_grpc_call: "iiiiiiiiiiii:i",
  proxy_grpc_stream: "iiiiiiiii:i",
  proxy_grpc_close: "i:i",
  proxy_grpc_cancel: "i:i",
  proxy_grpc_send: "iiii:i",
  proxy_set_tick_period_milliseconds: "i:i",
  proxy_get_current_time_nanoseconds: "i:i",
  proxy_define_metric: "iiii:i",
  proxy_increment_metric: "iI:i",
  proxy_record_metric: "iI:i",
  proxy_get_metric: "ii:i",
  proxy_set_effective_context: "i:i",
  proxy_done: ":i",
  proxy_call_foreign_function: "iiiiii:i",
  proxy_continue_stream: "i:i",
  proxy_close_stream: "i:i",
};

const OTHER_ENV_IMPORTS: Record<string, string> = {
  pthread_equal: "ii:i",
  emscripten_notify_memory_growth: "i:",
  envoy_resolve_dns: "iii:i",
};

/** The 45 WASI functions cpp-host provides under wasi_snapshot_preview1 and wasi_unstable. */
export const WASI_IMPORTS: Record<string, string> = {
  fd_write: "iiii:i",
  fd_read: "iiii:i",
  fd_seek: "iIii:i",
  fd_close: "i:i",
  fd_fdstat_get: "ii:i",
  fd_fdstat_set_flags: "ii:i",
  fd_fdstat_set_rights: "iII:i",
  environ_get: "ii:i",
  environ_sizes_get: "ii:i",
  args_get: "ii:i",
  args_sizes_get: "ii:i",
  clock_time_get: "iIi:i",
  clock_res_get: "ii:i",
  fd_advise: "iIIi:i",
  fd_allocate: "iII:i",
  fd_datasync: "i:i",
  fd_filestat_set_size: "iI:i",
  fd_filestat_set_times: "iIIi:i",
  fd_pread: "iiiIi:i",
  fd_pwrite: "iiiIi:i",
  fd_readdir: "iiiIi:i",
  fd_renumber: "ii:i",
  fd_sync: "i:i",
  fd_tell: "ii:i",
  path_create_directory: "iii:i",
  path_filestat_set_times: "iiiiIIi:i",
  path_link: "iiiiiii:i",
  path_readlink: "iiiiii:i",
  path_remove_directory: "iii:i",
  path_rename: "iiiiii:i",
  path_symlink: "iiiii:i",
  path_unlink_file: "iii:i",
  sock_accept: "iii:i",
  sock_recv: "iiiiii:i",
  sock_send: "iiiii:i",
  sock_shutdown: "ii:i",
  random_get: "ii:i",
  sched_yield: ":i",
  poll_oneoff: "iiii:i",
  proc_exit: "i:",
  path_open: "iiiiiIIii:i",
  fd_prestat_get: "ii:i",
  fd_prestat_dir_name: "iii:i",
  path_filestat_get: "iiiii:i",
  fd_filestat_get: "ii:i",
};

export const WASI_MODULES = ["wasi_snapshot_preview1", "wasi_unstable"] as const;

/** Every import the host provides, keyed "module.name" → signature. */
export const PROVIDED_IMPORTS: Map<string, string> = new Map([
  ...Object.entries(PROXY_IMPORTS).map(([n, s]) => [`env.${n}`, s] as [string, string]),
  ...Object.entries(OTHER_ENV_IMPORTS).map(([n, s]) => [`env.${n}`, s] as [string, string]),
  ...WASI_MODULES.flatMap((m) => Object.entries(WASI_IMPORTS).map(([n, s]) => [`${m}.${n}`, s] as [string, string])),
]);

export const ENV_IMPORT_NAMES = [...Object.keys(PROXY_IMPORTS), ...Object.keys(OTHER_ENV_IMPORTS)];

/** Export signatures cpp-host checks for ABI 0.2.x, in its lookup order. */
export const EXPORT_SIGNATURES: [string, string][] = [
  ["_initialize", ":"],
  ["_start", ":"],
  ["__main_void", ":i"],
  ["main", "ii:i"],
  ["malloc", "i:i"],
  ["proxy_on_memory_allocate", "i:i"],
  ["proxy_on_context_create", "ii:"],
  ["proxy_on_vm_start", "ii:i"],
  ["proxy_validate_configuration", "ii:i"],
  ["proxy_on_configure", "ii:i"],
  ["proxy_on_tick", "i:"],
  ["proxy_on_queue_ready", "ii:"],
  ["proxy_on_foreign_function", "iii:"],
  ["proxy_on_new_connection", "i:i"],
  ["proxy_on_downstream_data", "iii:i"],
  ["proxy_on_upstream_data", "iii:i"],
  ["proxy_on_downstream_connection_close", "ii:"],
  ["proxy_on_upstream_connection_close", "ii:"],
  ["proxy_on_request_headers", "iii:i"],
  ["proxy_on_request_body", "iii:i"],
  ["proxy_on_request_trailers", "ii:i"],
  ["proxy_on_request_metadata", "ii:i"],
  ["proxy_on_response_headers", "iii:i"],
  ["proxy_on_response_body", "iii:i"],
  ["proxy_on_response_trailers", "ii:i"],
  ["proxy_on_response_metadata", "ii:i"],
  ["proxy_on_http_call_response", "iiiii:"],
  ["proxy_on_grpc_receive_initial_metadata", "iii:"],
  ["proxy_on_grpc_receive_trailing_metadata", "iii:"],
  ["proxy_on_grpc_receive", "iii:"],
  ["proxy_on_grpc_close", "iii:"],
  ["proxy_on_done", "i:i"],
  ["proxy_on_log", "i:"],
  ["proxy_on_delete", "i:"],
];

export const ABI_VERSION_EXPORTS = ["proxy_abi_version_0_1_0", "proxy_abi_version_0_2_0", "proxy_abi_version_0_2_1"];

/** Imports callable while `_initialize`/`_start`/`main` run (cpp-host `startVm`). */
export const START_ALLOWED: ReadonlySet<string> = new Set([
  "proxy_log",
  "emscripten_notify_memory_growth",
  ...Object.keys(WASI_IMPORTS),
]);

/** Imports callable while the host runs the guest allocator (cpp-host `allocMemory`). */
export const MALLOC_ALLOWED: ReadonlySet<string> = new Set([
  "proxy_log",
  "emscripten_notify_memory_growth",
  "fd_write",
  "clock_time_get",
  "poll_oneoff",
]);
