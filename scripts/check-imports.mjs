// CLI: node scripts/check-imports.mjs [file.wasm | dir ...]   (default: build/)
import { checkModules } from "./import-check.mjs";

const targets = process.argv.slice(2);
const failures = checkModules(targets.length ? targets : ["build"]);
for (const f of failures) console.error(f);
if (failures.length) process.exit(1);
console.log(`import check: ${(targets.length ? targets : ["build"]).join(" ")} ok`);
