export interface Command {
  name: string;
  /** One line for `sluice --help`. */
  summary: string;
  /** The whole `sluice <name> --help` text. */
  help: string;
  run(args: string[]): Promise<number>;
}

/** stdout writes that finish before the process exits (pipes are asynchronous). */
export function out(text: string): Promise<void> {
  return new Promise((resolve, reject) => process.stdout.write(text, (e) => (e ? reject(e) : resolve())));
}
