// What proxy-wasm-cpp-host (Envoy's host library) links for a module exporting
// proxy_abi_version_0_2_1 (fact sheet ../shared/reference/proxy-wasm-abi.md §2.1).
// One list, used by the build's import check and by host-sim's loader.

/** The 39 env.proxy_* host functions of ABI 0.2.1 (36 common + 3 ABI-0.2.1-only). */
export const PROXY_HOST_FUNCTIONS = [
  "proxy_log", "proxy_get_status", "proxy_set_property", "proxy_get_property",
  "proxy_send_local_response", "proxy_get_shared_data", "proxy_set_shared_data",
  "proxy_register_shared_queue", "proxy_resolve_shared_queue", "proxy_dequeue_shared_queue",
  "proxy_enqueue_shared_queue", "proxy_get_header_map_value", "proxy_add_header_map_value",
  "proxy_replace_header_map_value", "proxy_remove_header_map_value", "proxy_get_header_map_pairs",
  "proxy_set_header_map_pairs", "proxy_get_header_map_size", "proxy_get_buffer_status",
  "proxy_get_buffer_bytes", "proxy_set_buffer_bytes", "proxy_http_call", "proxy_grpc_call",
  "proxy_grpc_stream", "proxy_grpc_close", "proxy_grpc_cancel", "proxy_grpc_send",
  "proxy_set_tick_period_milliseconds", "proxy_get_current_time_nanoseconds", "proxy_define_metric",
  "proxy_increment_metric", "proxy_record_metric", "proxy_get_metric", "proxy_set_effective_context",
  "proxy_done", "proxy_call_foreign_function",
  "proxy_continue_stream", "proxy_close_stream", "proxy_get_log_level",
];

/** Other env functions: cpp-host's emscripten helpers and Envoy's DNS callout. */
export const OTHER_ENV_FUNCTIONS = [
  "pthread_equal", "emscripten_notify_memory_growth", "envoy_resolve_dns",
];

/** WASI functions, provided under both wasi_snapshot_preview1 and wasi_unstable. */
export const WASI_FUNCTIONS = [
  "fd_write", "fd_read", "fd_seek", "fd_close", "fd_fdstat_get", "fd_fdstat_set_flags",
  "fd_fdstat_set_rights", "environ_get", "environ_sizes_get", "args_get", "args_sizes_get",
  "clock_time_get", "clock_res_get", "fd_advise", "fd_allocate", "fd_datasync",
  "fd_filestat_set_size", "fd_filestat_set_times", "fd_pread", "fd_pwrite", "fd_readdir",
  "fd_renumber", "fd_sync", "fd_tell", "path_create_directory", "path_filestat_set_times",
  "path_link", "path_readlink", "path_remove_directory", "path_rename", "path_symlink",
  "path_unlink_file", "sock_accept", "sock_recv", "sock_send", "sock_shutdown", "random_get",
  "sched_yield", "poll_oneoff", "proc_exit", "path_open", "fd_prestat_get", "fd_prestat_dir_name",
  "path_filestat_get", "fd_filestat_get",
];

export const WASI_MODULES = ["wasi_snapshot_preview1", "wasi_unstable"];

/**
 * True when Envoy links `module.name` for an ABI 0.2.1 module.
 * @param {string} module
 * @param {string} name
 * @returns {boolean}
 */
export function isProvidedImport(module, name) {
  if (module === "env") return PROXY_HOST_FUNCTIONS.includes(name) || OTHER_ENV_FUNCTIONS.includes(name);
  return WASI_MODULES.includes(module) && WASI_FUNCTIONS.includes(name);
}
