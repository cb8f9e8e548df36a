// Logging through proxy_log, with the level checked before any message is built:
//   if (logEnabled(LogLevel.Debug)) logMessage(LogLevel.Debug, "rate-limit: " + detail);
// The host's level is read once when a plugin is configured and again every LEVEL_REFRESH
// streams, so a request never pays a host call just to learn that debug logging is off.
import { proxy_get_log_level, proxy_log } from "@gcoredev/proxy-wasm-sdk-as/assembly/imports";
import { stringToBuffer } from "./bytes";

export namespace LogLevel {
  export const Trace: u32 = 0;
  export const Debug: u32 = 1;
  export const Info: u32 = 2;
  export const Warn: u32 = 3;
  export const Error: u32 = 4;
  export const Critical: u32 = 5;
}

// @ts-ignore: decorator
@inline const LEVEL_REFRESH: u32 = 4096;

let hostLevel: u32 = LogLevel.Info;
let streamsSinceRefresh: u32 = 0;
const levelScratch = memory.data(4);

/** Re-reads the host's log level (one host call). */
export function refreshLogLevel(): void {
  if (proxy_get_log_level(levelScratch) == 0) {
    hostLevel = load<u32>(levelScratch); // spdlog levels: 0 trace .. 5 critical, 6 off
  }
  streamsSinceRefresh = 0;
}

/** Called by the dispatch layer once per stream; refreshes the level every LEVEL_REFRESH streams. */
export function countStreamForLogLevel(): void {
  if (++streamsSinceRefresh >= LEVEL_REFRESH) refreshLogLevel();
}

/** True when a message at `level` would be emitted by the host. */
// @ts-ignore: decorator
@inline
export function logEnabled(level: u32): bool {
  return level >= hostLevel;
}

/** Sends `message` (a byte string) to the host log at `level`; callers check logEnabled first
 *  for anything that costs work to build. */
export function logMessage(level: u32, message: string): void {
  logEncoded(level, stringToBuffer(message));
}

/** Sends a message encoded once (e.g. at configure time) to the host log at `level`. */
export function logEncoded(level: u32, message: ArrayBuffer): void {
  proxy_log(level, changetype<usize>(message), message.byteLength);
}
