// Helpers shared by the host-function areas.

import type { HttpContext, RootContext } from "../context.js";
import type { Vm } from "../vm.js";

/** ASCII-only lowercasing, like Envoy's LowerCaseString. */
export function asciiLower(s: string): string {
  return s.replace(/[A-Z]+/g, (m) => m.toLowerCase());
}

/** The root context of the acting context (root of a stream context, or the root itself). */
export function actingRoot(vm: Vm): RootContext | null {
  const c = vm.ctx();
  return c.kind === "root" ? c : c.kind === "http" ? c.root : null;
}

export function actingHttp(vm: Vm): HttpContext | null {
  const c = vm.ctx();
  return c.kind === "http" ? c : null;
}
