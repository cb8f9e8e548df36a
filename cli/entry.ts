// Bundle entry (dist/sluice.mjs): runs the CLI with the process arguments.
import { run } from "./main.js";

await run(process.argv.slice(2));
