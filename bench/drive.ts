// The program bench/instructions.ts runs under callgrind: for each scenario named, it starts the
// proxy, drives `warm` requests, then `n` more between two marks, printing `begin <name>` and
// `end <name>` after the marks. A mark is a call of os.totalmem(), whose libuv function callgrind
// dumps its counts after (--dump-after), so the dumps between a begin and its end hold exactly the
// n measured requests. Usage: node drive.mjs <warm> <n> <scenario-name>...
import { totalmem } from "node:os";
import { drive, findScenario, startProxy } from "./setup.js";

const [warm, n, ...names] = process.argv.slice(2);
for (const name of names) {
  const scenario = findScenario(name);
  const proxy = await startProxy(scenario);
  let i = 0;
  for (; i < Number(warm); i++) drive(proxy, scenario, i);
  totalmem();
  console.log(`begin ${name}`);
  for (const end = i + Number(n); i < end; i++) drive(proxy, scenario, i);
  totalmem();
  console.log(`end ${name}`);
}
