// sluice: the whole chain in one module. One root context (root_id "sluice") runs the filters its
// configuration lists (sluice.yaml's `filters:`), in order, on each hook, in one VM.
export * from "../shared/dispatch";
export * from "../shared/access-log-dispatch";
export * from "../shared/callout-dispatch";
import { registerRoot, RootContext } from "../shared/context";
import { reserveHookCache } from "../shared/hook-reads";
import { SluiceRoot } from "./bundle";

// The shared code's bundle-only parts (a filter's configuration handed over, paths prefixed, a
// resumed request deferred) are compiled in by this constant; scripts/build.mjs sets it.
if (!isDefined(SLUICE_BUNDLE)) ERROR("the bundle is compiled with --use SLUICE_BUNDLE=1 (scripts/build.mjs entryOptions)");

// the shared reads' memory, before any callback reads through it
reserveHookCache();
registerRoot("sluice", (id: u32, rootId: string): RootContext => new SluiceRoot(id, rootId));
