// `sluice import` end to end through the bundle: every case of cli/test/golden-import/<case>/
// (`args`: the command line, files relative to the case; `sluice.yaml`: the expected output, or
// `errors.txt`: the expected stderr of a refused import), the help, and writing into an
// existing sluice.yaml. UPDATE_GOLDEN=1 rewrites the expected files.
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative, resolve } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { bundleCli, ROOT, sluice, type Cli } from "./helpers.js";

const GOLDEN = resolve(import.meta.dirname, "golden-import");
const CASES = readdirSync(GOLDEN).sort();
const update = process.env.UPDATE_GOLDEN === "1";

let cli: Cli;
beforeAll(async () => {
  cli = await bundleCli();
}, 60_000);
afterAll(() => cli?.cleanup());

/** The case's command line with its files made relative to the repository root (the CLI's cwd). */
function argsOf(dir: string): string[] {
  const words = readFileSync(join(dir, "args"), "utf8").trim().split(/\s+/);
  return ["import", ...words.map((w) => (existsSync(join(dir, w)) ? relative(ROOT, join(dir, w)) : w))];
}

describe("sluice import: golden cases", () => {
  it.each(CASES)("%s", async (name) => {
    const dir = join(GOLDEN, name);
    const r = await sluice(cli, argsOf(dir), { timeoutMs: 30_000 });
    const refused = r.code !== 0;
    const file = join(dir, refused ? "errors.txt" : "sluice.yaml");
    const got = refused ? r.stderr : r.stdout;
    if (update) writeFileSync(file, got);
    expect(existsSync(join(dir, refused ? "sluice.yaml" : "errors.txt")), "the case changed between refused and imported").toBe(false);
    expect(got).toBe(readFileSync(file, "utf8"));
    expect(r.code).toBe(refused ? 1 : 0);
    if (refused) {
      // one line per construct, each `sluice: <file>:<line>: <what>, <why>`
      for (const line of got.trimEnd().split("\n")) expect(line).toMatch(/^sluice: [\w.-]+:\d+: .+, .+$/);
    }
  });

  it("writes output that sluice validate accepts", async () => {
    const work = mkdtempSync(join(tmpdir(), "sluice-import-"));
    try {
      for (const name of CASES.filter((c) => existsSync(join(GOLDEN, c, "sluice.yaml")))) {
        const out = join(work, `${name}.yaml`);
        writeFileSync(out, readFileSync(join(GOLDEN, name, "sluice.yaml")));
        const r = await sluice(cli, ["validate", out]);
        expect(`${name}: ${r.stdout}${r.stderr}`).toMatch(new RegExp(`^${name}: ${name}\\.yaml: ok \\(`));
      }
    } finally {
      rmSync(work, { recursive: true, force: true });
    }
  });
});

describe("sluice import: command line", () => {
  it("lists every kind in its help", async () => {
    const r = await sluice(cli, ["import", "--help"]);
    expect(r.code).toBe(0);
    for (const kind of ["sentinel-flow", "sentinel-degrade", "hystrix", "istio-authz", "envoy-local-ratelimit", "gray"]) {
      expect(r.stdout).toMatch(new RegExp(`^  ${kind} +\\S`, "m"));
    }
  });

  it.each([
    [["import"], "sluice: import: expected a kind and at least one file (see sluice import --help)\n"],
    [["import", "nacos"], "sluice: import: unknown kind \"nacos\" (known: sentinel-flow, sentinel-degrade, hystrix, istio-authz, envoy-local-ratelimit, gray)\n"],
    [["import", "hystrix"], "sluice: import: expected at least one hystrix file\n"],
    [["import", "hystrix", "no-such-file.json"], "sluice: no-such-file.json: no such file\n"],
    [["import", "sentinel-flow", "x.json", "--param", "zero=header:x"], "sluice: import: --param index must be a whole number, got \"zero\"\n"],
    [["import", "sentinel-flow", "x.json", "--resource", "orders"], "sluice: import: --resource must be NAME=/path or NAME=METHOD:/path, got \"orders\"\n"],
  ])("sluice %j is a usage error", async (args, stderr) => {
    const r = await sluice(cli, args);
    expect(r.stderr).toBe(stderr);
    expect(r.code).toBe(2);
  });

  it("reports a source that is not YAML at its line", async () => {
    const work = mkdtempSync(join(tmpdir(), "sluice-import-"));
    try {
      writeFileSync(join(work, "rules.json"), '[\n  {"resource": "/a", "count": 1,\n');
      const r = await sluice(cli, ["import", "sentinel-degrade", join(work, "rules.json")]);
      expect(r.code).toBe(2);
      expect(r.stderr).toMatch(/^sluice: rules\.json:\d+: not valid YAML or JSON: /);
    } finally {
      rmSync(work, { recursive: true, force: true });
    }
  });

  it("--resource names the requests of a resource that is not a path", async () => {
    const r = await sluice(cli, ["import", "hystrix", relative(ROOT, join(GOLDEN, "hystrix-refused/hystrix.json"))]);
    expect(r.stderr).toContain("pass --resource \"get_orders\"=/path");
    const work = mkdtempSync(join(tmpdir(), "sluice-import-"));
    try {
      writeFileSync(join(work, "h.json"), JSON.stringify({ get_orders: { RequestVolumeThreshold: 20 }, charge_card: { SleepWindow: 1000 } }));
      const ok = await sluice(cli, ["import", "hystrix", join(work, "h.json"), "--lossy", "--resource", "get_orders=GET:/orders", "--resource", "charge_card=/charge"]);
      expect(ok.stderr).toBe("");
      expect(ok.stdout).toContain('"get_orders" covers GET:/orders (--resource)');
      expect(ok.stdout).toMatch(/methods:\n\s+- GET\n\s+paths:\n\s+- exact: \/orders/);
    } finally {
      rmSync(work, { recursive: true, force: true });
    }
  });
});

describe("sluice import -o: writing a sluice.yaml", () => {
  let work: string;
  beforeAll(() => {
    work = mkdtempSync(join(tmpdir(), "sluice-import-"));
  });
  afterAll(() => rmSync(work, { recursive: true, force: true }));
  const input = (name: string, file: string) => relative(ROOT, join(GOLDEN, name, file));

  it("writes a new file, then adds the next filters to it in chain order, keeping its comments", async () => {
    const out = join(work, "sluice.yaml");
    const first = await sluice(cli, ["import", "sentinel-degrade", input("sentinel-degrade-rt", "degrade-rules.json"), "-o", out]);
    expect(first.stdout).toBe(`${out}: circuit-breaker: 1 circuit from degrade-rules.json\n`);
    expect(readFileSync(out, "utf8")).toBe(readFileSync(join(GOLDEN, "sentinel-degrade-rt/sluice.yaml"), "utf8"));
    writeFileSync(out, `# ours: keep me\n${readFileSync(out, "utf8")}`);
    const second = await sluice(cli, ["import", "istio-authz", input("istio-allow-user", "authz.yaml"), "--output", out]);
    expect(second.code).toBe(0);
    const third = await sluice(cli, ["import", "gray", input("gray-file", "gray.yaml"), "-o", out]);
    expect(third.code).toBe(0);
    const text = readFileSync(out, "utf8");
    expect(text).toContain("# ours: keep me");
    expect([...text.matchAll(/^ {2}- id: ([a-z-]+)$/gm)].map((m) => m[1])).toEqual(["spiffe-rbac", "traffic-colour", "circuit-breaker"]);
    expect(text).toMatch(/^namespace: prod$/m);
    expect(text).toMatch(/^service: reviews$/m);
    expect(text).toContain("# degrade-rules.json:2: DegradeRule");
    const valid = await sluice(cli, ["validate", out]);
    expect(valid.stdout).toBe("sluice.yaml: ok (spiffe-rbac, traffic-colour, circuit-breaker)\n");
  });

  it("refuses to add a filter the file already configures, and leaves the file as it was", async () => {
    const out = join(work, "sluice.yaml");
    const before = readFileSync(out, "utf8");
    const r = await sluice(cli, ["import", "hystrix", input("hystrix-lossy", "hystrix.yaml"), "--lossy", "-o", out]);
    expect(r.stderr).toBe(`sluice: ${out}: already configures circuit-breaker: import into another file, or remove that entry first\n`);
    expect(r.code).toBe(2);
    expect(readFileSync(out, "utf8")).toBe(before);
  });

  it("writes nothing when the import is refused", async () => {
    const out = join(work, "refused.yaml");
    const r = await sluice(cli, ["import", "hystrix", input("hystrix-refused", "hystrix.json"), "-o", out]);
    expect(r.code).toBe(1);
    expect(existsSync(out)).toBe(false);
  });
});
