// The command router: help, versions, one-line errors, --debug stacks, and the build/bench/image routes.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { bundleCli, sluice, type Cli } from "./helpers.js";

let cli: Cli;
beforeAll(async () => {
  cli = await bundleCli();
});
afterAll(() => cli?.cleanup());

describe("sluice", () => {
  it("lists every command with --help", async () => {
    const r = await sluice(cli, ["--help"]);
    expect(r.code).toBe(0);
    const commands = r.stdout.split("Commands:\n")[1]!.split("\n\n")[0]!.split("\n").map((l) => l.trim().split(/\s+/)[0]);
    expect(commands).toEqual(["validate", "replay", "dev", "render", "import", "image", "build", "bench"]);
  });

  it("prints usage and exits 2 without a command", async () => {
    const r = await sluice(cli, []);
    expect(r.code).toBe(2);
    expect(r.stdout).toMatch(/^Usage: sluice <command> \[options\]\n/);
  });

  it.each(["validate", "replay", "dev", "render", "build", "bench"])("has --help for %s", async (name) => {
    const r = await sluice(cli, [name, "--help"]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(new RegExp(`^Usage: sluice ${name} `));
    expect(r.stderr).toBe("");
  });

  it("routes image to cli/image", async () => {
    const r = await sluice(cli, ["image", "--help"]);
    expect(r.stdout + r.stderr).toMatch(/image/);
    expect(r.stderr).not.toMatch(/unknown command/);
  });

  it("prints the version", async () => {
    expect(await sluice(cli, ["--version"])).toEqual({ code: 0, stdout: "sluice 0.1.0\n", stderr: "" });
  });

  it("reports an unknown command in one line", async () => {
    expect(await sluice(cli, ["deploy"])).toEqual({ code: 2, stdout: "", stderr: 'sluice: unknown command "deploy" (see sluice --help)\n' });
  });

  it("adds the stack trace only with --debug", async () => {
    const plain = await sluice(cli, ["validate", "missing.yaml"]);
    expect(plain.stderr).toBe("sluice: missing.yaml: no such file\n");
    const debug = await sluice(cli, ["validate", "missing.yaml", "--debug"]);
    expect(debug.code).toBe(2);
    expect(debug.stderr).toMatch(/^CliError: missing\.yaml: no such file\n\s+at /);
  });
});
