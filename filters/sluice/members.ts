// The filters the bundle can run: their ids, root classes, the hooks they implement and their
// tick periods. Each member is the separate module's own root class, configured the same way.
import { RootContext } from "../shared/context";
import { SpiffeRbacRoot } from "../spiffe-rbac/filter";
import { FLUSH_PERIOD_MS as RBAC_TICK_MS } from "../spiffe-rbac/metrics";
import { RateLimitRoot } from "../rate-limit/filter";
import { TICK_MS as RATE_LIMIT_TICK_MS } from "../rate-limit/metrics";
import { TrafficColourRoot, FLUSH_PERIOD_MS as COLOUR_TICK_MS } from "../traffic-colour/filter";
import { CircuitBreakerRoot, TICK_MS as BREAKER_TICK_MS } from "../circuit-breaker/filter";

/** Stream hooks a member implements beyond request headers (which every member does): the
 *  bundle skips the others, and returns at once from a hook no member of its chain needs. */
export namespace Hook {
  export const ResponseHeaders: u32 = 1;
  export const Log: u32 = 2;
  export const Done: u32 = 4;
  export const Delete: u32 = 8;
  /** The root makes gRPC or HTTP calls: call callbacks go to it. */
  export const Callouts: u32 = 16;
}

/** Member kinds, indexes of MEMBER_IDS (in the order of the `id` enum of schema.json). */
export const MEMBER_IDS: string[] = ["spiffe-rbac", "rate-limit", "traffic-colour", "circuit-breaker"];

/** A new root of kind `kind` for the bundle's root context `id`. */
export function newMemberRoot(kind: i32, id: u32): RootContext {
  const rootId = unchecked(MEMBER_IDS[kind]);
  if (kind == 0) return new SpiffeRbacRoot(id, rootId);
  if (kind == 1) return new RateLimitRoot(id, rootId);
  if (kind == 2) return new TrafficColourRoot(id, rootId);
  return new CircuitBreakerRoot(id, rootId);
}

/** The hooks of kind `kind` (see Hook). */
export function memberHooks(kind: i32): u32 {
  if (kind == 1) return Hook.ResponseHeaders | Hook.Delete | Hook.Callouts;
  if (kind == 2) return Hook.ResponseHeaders;
  if (kind == 3) return Hook.Log | Hook.Done;
  return 0;
}

/** The tick period kind `kind` sets when configured, in ms. */
export function memberTickMs(kind: i32): u32 {
  if (kind == 0) return RBAC_TICK_MS;
  if (kind == 1) return RATE_LIMIT_TICK_MS;
  if (kind == 2) return COLOUR_TICK_MS;
  return BREAKER_TICK_MS;
}
