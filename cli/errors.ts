// One-line user errors: main prints `sluice: <message>` and exits non-zero, no stack (unless --debug).
export class CliError extends Error {
  constructor(message: string, readonly exitCode = 2) {
    super(message);
    this.name = "CliError";
  }
}
