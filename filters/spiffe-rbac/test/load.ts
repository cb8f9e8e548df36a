// This filter's compiled pure-logic test entries (build/test/spiffe-rbac/<name>.wasm).
import { loadEntryFrom } from "../../shared/test/load.js";

export function loadEntry<T>(name: string): Promise<T> {
  return loadEntryFrom<T>("test/spiffe-rbac", name);
}
