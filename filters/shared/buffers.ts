// Reading host buffers (plugin/VM configuration, bodies, call responses) as byte strings.
import { proxy_get_buffer_bytes } from "@gcoredev/proxy-wasm-sdk-as/assembly/imports";
import { bytesToString } from "./bytes";
import { hostFree } from "./host-memory";

export namespace BufferType {
  export const RequestBody: u32 = 0;
  export const ResponseBody: u32 = 1;
  export const HttpCallResponseBody: u32 = 4;
  export const GrpcCallMessage: u32 = 5;
  export const VmConfiguration: u32 = 6;
  export const PluginConfiguration: u32 = 7;
}

const returnPtr = memory.data(4);
const returnLen = memory.data(4);

/** Up to `maxSize` bytes of buffer `type` from `start`, or null when the host has no such buffer. */
export function readBuffer(type: u32, start: u32, maxSize: u32): string | null {
  store<usize>(returnPtr, 0);
  store<usize>(returnLen, 0);
  if (proxy_get_buffer_bytes(type, start, maxSize, returnPtr, returnLen) != 0) return null;
  const ptr = load<usize>(returnPtr);
  const len = load<usize>(returnLen);
  if (len == 0) return "";
  const text = bytesToString(ptr, len);
  hostFree(ptr);
  return text;
}

/** What readPluginConfiguration returns instead of the host's buffer while set: the bundle
 *  (filters/sluice) hands each filter of its chain its own part of the bundle's configuration.
 *  Only the bundle's build (`--use SLUICE_BUNDLE=1`, scripts/build.mjs) has this code. */
let pluginConfigurationOverride: string | null = null;

/** Sets (or, with null, clears) the configuration readPluginConfiguration returns. */
export function overridePluginConfiguration(text: string | null): void {
  pluginConfigurationOverride = text;
}

/** The plugin configuration passed to proxy_on_configure ("" when there is none). */
export function readPluginConfiguration(size: u32): string {
  if (isDefined(SLUICE_BUNDLE)) {
    const replaced = pluginConfigurationOverride;
    if (replaced !== null) return replaced;
  }
  if (size == 0) return "";
  const text = readBuffer(BufferType.PluginConfiguration, 0, size);
  return text == null ? "" : text;
}
