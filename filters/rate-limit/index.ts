export * from "../shared/dispatch";
export * from "../shared/callout-dispatch";
import { registerRoot, RootContext } from "../shared/context";
import { RateLimitRoot } from "./filter";

registerRoot("rate-limit", (id: u32, rootId: string): RootContext => new RateLimitRoot(id, rootId));
