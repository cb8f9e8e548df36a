// The context registry behind the dispatch layer: root contexts and stream contexts by context id.
import { HttpContext, RootContext } from "./context";

export const roots = new Map<u32, RootContext>();
export const streams = new Map<u32, HttpContext>();

/** The stream context `contextId`, or null (one lookup site keeps the map code out of every export). */
export function streamOf(contextId: u32): HttpContext | null {
  return streams.has(contextId) ? streams.get(contextId) : null;
}

/** The root context `contextId`, or null. */
export function rootOf(contextId: u32): RootContext | null {
  return roots.has(contextId) ? roots.get(contextId) : null;
}
