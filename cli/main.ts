// sluice: the command-line entry. `sluice <command> [options]`; `sluice --help` lists commands.
// Errors are lines on stderr (`sluice: <what>`, one per problem) and a non-zero exit; `--debug`
// adds the stack.
import { CliError } from "./errors.js";
import type { Command } from "./command.js";
import { validate } from "./commands/validate.js";
import { replay } from "./commands/replay.js";
import { dev } from "./commands/dev.js";
import { render } from "./commands/render.js";
import { build, bench } from "./commands/run-script.js";
import { image } from "./commands/image.js";
import { sluiceVersion } from "./version.js";
import { importCommand } from "./commands/import.js";

export const COMMANDS: Command[] = [validate, replay, dev, render, importCommand, image, build, bench];

export function usage(): string {
  const width = Math.max(...COMMANDS.map((c) => c.name.length));
  return [
    "Usage: sluice <command> [options]",
    "",
    "Proxy-Wasm traffic governance filters (spiffe-rbac, rate-limit, traffic-colour, circuit-breaker)",
    "for Envoy and Istio, driven by one sluice.yaml.",
    "",
    "Commands:",
    ...COMMANDS.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`),
    "",
    "Options:",
    "  --help     show help (also after a command: sluice validate --help)",
    "  --version  print the version",
    "  --debug    print stack traces on errors",
    "",
  ].join("\n");
}

export async function main(argv: string[]): Promise<number> {
  const debug = argv.includes("--debug");
  const args = argv.filter((a) => a !== "--debug");
  try {
    const [name, ...rest] = args;
    if (name === undefined || name === "--help" || name === "-h" || name === "help") {
      if (name === "help" && rest[0]) return main([rest[0], "--help"]);
      process.stdout.write(usage());
      return name === undefined ? 2 : 0;
    }
    if (name === "--version" || name === "-v") {
      process.stdout.write(`sluice ${sluiceVersion()}\n`);
      return 0;
    }
    const command = COMMANDS.find((c) => c.name === name);
    if (!command) throw new CliError(`unknown command "${name}" (see sluice --help)`);
    if (command.name !== "image" && (rest.includes("--help") || rest.includes("-h"))) {
      process.stdout.write(command.help.endsWith("\n") ? command.help : `${command.help}\n`);
      return 0;
    }
    return await command.run(rest);
  } catch (e) {
    const err = e as Error;
    if (debug) process.stderr.write(`${err.stack ?? err.message}\n`);
    else process.stderr.write(message(err).split("\n").map((line) => `sluice: ${line}\n`).join(""));
    return err instanceof CliError ? err.exitCode : 1;
  }
}

/** A CliError's lines (a config can have several problems), or another error's first line. */
function message(e: Error): string {
  return e instanceof CliError ? e.message : `${(e.message || e.name).split("\n")[0]} (run with --debug for details)`;
}

/** Runs main and exits once stdout has drained. Servers (dev) keep the process alive themselves. */
export async function run(argv: string[]): Promise<void> {
  // a closed pipe (`sluice replay ... | head`) ends the command quietly
  process.stdout.on("error", (e: NodeJS.ErrnoException) => {
    if (e.code === "EPIPE") process.exit(process.exitCode ?? 0);
    throw e;
  });
  const code = await main(argv);
  if (code >= 0) process.exitCode = code;
}
