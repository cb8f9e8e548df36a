// A small, strict argument parser: `--name value`, `--name=value`, boolean flags, positionals.
import { CliError } from "./errors.js";

export interface OptionSpec {
  /** Takes a value (`--x value`); otherwise a boolean flag. */
  value?: boolean;
  /** May be given several times (values collected in order). */
  repeat?: boolean;
}

export interface Parsed {
  positionals: string[];
  options: Record<string, string | boolean | string[] | undefined>;
}

export function parseArgs(command: string, args: string[], spec: Record<string, OptionSpec>): Parsed {
  const positionals: string[] = [];
  const options: Parsed["options"] = {};
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    if (arg === "--") {
      positionals.push(...args.slice(i + 1));
      break;
    }
    if (!arg.startsWith("--") || arg === "-") {
      if (arg.startsWith("-") && arg !== "-") throw new CliError(`${command}: unknown option ${arg} (see sluice ${command} --help)`);
      positionals.push(arg);
      continue;
    }
    const eq = arg.indexOf("=");
    const name = eq >= 0 ? arg.slice(2, eq) : arg.slice(2);
    const s = spec[name];
    if (!s) throw new CliError(`${command}: unknown option --${name} (see sluice ${command} --help)`);
    let value: string | boolean = true;
    if (s.value) {
      if (eq >= 0) value = arg.slice(eq + 1);
      else {
        const next = args[i + 1];
        if (next === undefined) throw new CliError(`${command}: --${name} needs a value`);
        value = next;
        i++;
      }
    } else if (eq >= 0) {
      throw new CliError(`${command}: --${name} takes no value`);
    }
    if (s.repeat) {
      const list = (options[name] as string[] | undefined) ?? [];
      list.push(String(value));
      options[name] = list;
    } else {
      options[name] = value;
    }
  }
  return { positionals, options };
}

export function str(p: Parsed, name: string): string | undefined {
  const v = p.options[name];
  return typeof v === "string" ? v : undefined;
}

export function flag(p: Parsed, name: string): boolean {
  return p.options[name] === true;
}

export function int(p: Parsed, command: string, name: string, fallback: number, min: number, max: number): number {
  const v = str(p, name);
  if (v === undefined) return fallback;
  if (!/^\d+$/.test(v) || Number(v) < min || Number(v) > max) {
    throw new CliError(`${command}: --${name} must be an integer from ${min} to ${max}, got ${JSON.stringify(v)}`);
  }
  return Number(v);
}
