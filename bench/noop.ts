// The no-op filter: the dispatch layer with a root that creates a stream context doing nothing.
// Benchmarks compare every filter's per-request cost with this module's.
export * from "../filters/shared/dispatch";
import { HttpContext, registerRoot, RootContext } from "../filters/shared/context";

class NoopRoot extends RootContext {
  newHttpContext(id: u32): HttpContext | null {
    return new HttpContext(id, this);
  }
}

registerRoot("noop", (id: u32, rootId: string): RootContext => new NoopRoot(id, rootId));
