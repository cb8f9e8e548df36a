// Contexts inside one VM: the VM context (id 0), root contexts (one per plugin per VM) and
// HTTP stream contexts (one per stream per plugin).

import type { Timer } from "./clock.js";
import type { HeaderMap } from "./headers.js";
import type { Plugin } from "./plugin.js";
import type { FilterState } from "./stream.js";
import type { Vm } from "./vm.js";

export interface VmContext {
  readonly kind: "vm";
  readonly id: 0;
}

export const VM_CONTEXT: VmContext = { kind: "vm", id: 0 };

/** What a root callback may read while it runs (callout responses, gRPC messages, call data). */
export interface CalloutView {
  headers?: HeaderMap;
  trailers?: HeaderMap;
  body?: Uint8Array;
  /** Which map types the headers/trailers fields serve (6/7 for HTTP, 4/5 for gRPC). */
  headersType?: number;
  trailersType?: number;
  /** Which buffer type `body` serves (4 HTTP call body, 5 gRPC message, 8 call data). */
  bodyType?: number;
}

export class RootContext {
  readonly kind = "root";
  tickPeriod = 0;
  tickTimer: Timer | undefined;
  status = { code: 0, message: "" };
  pendingDone = false;
  configuring = false;
  view: CalloutView | null = null;
  constructor(
    readonly id: number,
    readonly vm: Vm,
    /** The plugin this root context serves (a VM may host several plugins). */
    readonly plugin: Plugin,
  ) {}
}

export class HttpContext {
  readonly kind = "http";
  constructor(
    readonly id: number,
    readonly vm: Vm,
    readonly root: RootContext,
    readonly fs: FilterState,
  ) {}
}

export type Context = VmContext | RootContext | HttpContext;

/** The plugin a context belongs to (undefined for the VM context). */
export function pluginOf(ctx: Context): Plugin | undefined {
  return ctx.kind === "root" ? ctx.plugin : ctx.kind === "http" ? ctx.root.plugin : undefined;
}
