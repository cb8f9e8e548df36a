// npm start: builds the filters (scripts/build.mjs) and the CLI bundle (cli/bundle.mjs), then runs
// `sluice dev` in this same process. package.json starts it with `exec`, so the shell npm runs the
// script in is replaced by this process: the process npm started is the one that gets SIGINT /
// SIGTERM (npm forwards them to its child) and stops the proxy, printing
// `sluice dev: stopped (SIGTERM)`. Arguments after `npm start --` go to `sluice dev`.
import { spawnSync } from "node:child_process";
import { dirname, join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");

for (const step of ["scripts/build.mjs", "cli/bundle.mjs"]) {
  const run = spawnSync(process.execPath, [join(root, step)], { cwd: root, stdio: "inherit" });
  if (run.status !== 0) process.exit(run.status ?? 1);
}
process.argv.splice(2, 0, "dev");
await import(pathToFileURL(join(root, "dist/sluice.mjs")).href);
