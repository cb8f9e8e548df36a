// Drives `warm + n` requests of one scenario through host-sim and exits: the program that
// bench/instructions.ts runs under callgrind. Usage: node drive.mjs <scenario-name> <n>
import { findScenario, startProxy } from "./setup.js";

const [name, count] = process.argv.slice(2);
const scenario = findScenario(name);
const proxy = await startProxy(scenario);
const WARM = 200;
const n = Number(count);
for (let i = 0; i < WARM + n; i++) proxy.request(scenario.request(i));
