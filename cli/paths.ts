// Where the repository's files are: the bundle (dist/sluice.mjs) and the sources (cli/*.ts) both
// sit one level below the repository root. SLUICE_ROOT overrides it.
import { existsSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";

export const FILTER_IDS = ["spiffe-rbac", "rate-limit", "traffic-colour", "circuit-breaker"] as const;
export type FilterId = (typeof FILTER_IDS)[number];

export function isFilterId(id: string): id is FilterId {
  return (FILTER_IDS as readonly string[]).includes(id);
}

let root: string | undefined;

export function repoRoot(): string {
  if (root) return root;
  if (process.env.SLUICE_ROOT) return (root = resolve(process.env.SLUICE_ROOT));
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 6; i++) {
    if (existsSync(resolve(dir, "filters")) && existsSync(resolve(dir, "package.json"))) return (root = dir);
    const up = dirname(dir);
    if (up === dir) break;
    dir = up;
  }
  return (root = process.cwd());
}

/** The release module of a filter: `build/<id>.wasm`. */
export function filterWasm(id: string): string {
  return resolve(repoRoot(), "build", `${id}.wasm`);
}
