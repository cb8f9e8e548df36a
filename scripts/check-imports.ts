// CLI: node --import tsx scripts/check-imports.ts [file.wasm | dir ...]   (default: build/)
import { checkModules } from "./import-check.js";

const targets = process.argv.length > 2 ? process.argv.slice(2) : ["build"];
const failures = checkModules(targets);
for (const f of failures) console.error(f);
if (failures.length) process.exit(1);
console.log(`import check: ${targets.join(" ")}: every module loads in Envoy (ABI 0.2.1 imports only, wabt validate ok)`);
