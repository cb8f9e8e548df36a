#!/usr/bin/env node
// The `sluice` command: the bundled CLI, dist/sluice.mjs, which `npm ci` / `npm install` write
// through the package's `prepare` script (and `npm run build:cli` rewrites).
import { existsSync } from "node:fs";

const bundle = new URL("../dist/sluice.mjs", import.meta.url);
if (!existsSync(bundle)) {
  process.stderr.write("sluice: the CLI is not bundled (dist/sluice.mjs is missing): run npm run build:cli\n");
  process.exit(2);
}
await import(bundle.href);
