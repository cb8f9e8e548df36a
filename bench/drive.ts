// The program bench/instructions.ts runs under callgrind: for each scenario named, it starts the
// proxy, drives `warm` requests, then `n` more between two marks. A mark is a call of
// os.totalmem(), whose libuv function callgrind dumps its counts after (--dump-after) into
// `<out>.<number>`; after each mark the driver prints the newest dump's number (`begin <name> <k>`,
// `end <name> <k>`), so the dumps after the begin mark's up to the end mark's hold exactly the n
// measured requests. Usage: node --expose-gc drive.mjs <out> <warm> <n> <scenario-name>...
import { readdirSync } from "node:fs";
import { basename, dirname } from "node:path";
import { totalmem } from "node:os";
import { drive, findScenario, startProxy } from "./setup.js";

const [out, warm, n, ...names] = process.argv.slice(2);
const dumpName = new RegExp(`^${basename(out).replaceAll(".", "\\.")}\\.(\\d+)$`);

/** Sets a mark; returns the number of the dump it made. */
function mark(): number {
  totalmem();
  return Math.max(0, ...readdirSync(dirname(out)).map((f) => Number(dumpName.exec(f)?.[1] ?? 0)));
}

/** Drives scenario `name` between marks (its proxy is garbage afterwards). */
async function measure(name: string): Promise<void> {
  const scenario = findScenario(name);
  const proxy = await startProxy(scenario);
  let i = 0;
  for (; i < Number(warm); i++) drive(proxy, scenario, i);
  console.log(`begin ${name} ${mark()}`);
  for (const end = i + Number(n); i < end; i++) drive(proxy, scenario, i);
  console.log(`end ${name} ${mark()}`);
}

for (const name of names) {
  await measure(name);
  // each VM's memory holds a large address-space reservation: free them before the next proxy
  (globalThis as { gc?: () => void }).gc?.();
}
