// sluice: the whole chain in one module. One root context (root_id "sluice") runs the filters its
// configuration lists (sluice.yaml's `filters:`), in order, on each hook, in one VM.
export * from "../shared/dispatch";
export * from "../shared/callout-dispatch";
import { registerRoot, RootContext } from "../shared/context";
import { SluiceRoot } from "./bundle";

registerRoot("sluice", (id: u32, rootId: string): RootContext => new SluiceRoot(id, rootId));
