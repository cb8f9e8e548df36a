export * from "../shared/dispatch";
import { registerRoot, RootContext } from "../shared/context";
import { SpiffeRbacRoot } from "./filter";

registerRoot("spiffe-rbac", (id: u32, rootId: string): RootContext => new SpiffeRbacRoot(id, rootId));
