export * from "../shared/dispatch";
import { registerRoot, RootContext } from "../shared/context";
import { TrafficColourRoot } from "./filter";

registerRoot("traffic-colour", (id: u32, rootId: string): RootContext => new TrafficColourRoot(id, rootId));
