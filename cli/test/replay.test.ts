// `sluice replay`: golden input/output files per filter (and the example chain), compared byte
// for byte. UPDATE_GOLDEN=1 rewrites the output files.
import { existsSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { resolve } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { bundleCli, ROOT, sluice, type Cli } from "./helpers.js";

const GOLDEN = resolve(import.meta.dirname, "golden");
let cli: Cli;
beforeAll(async () => {
  cli = await bundleCli();
});
afterAll(() => cli?.cleanup());

const rel = (p: string) => p.slice(ROOT.length + 1);

describe("sluice replay golden files", () => {
  it.each(readdirSync(GOLDEN).sort())("%s: output.jsonl is what replay prints for input.jsonl", async (name) => {
    const dir = resolve(GOLDEN, name);
    const chain = resolve(dir, "sluice.yaml");
    const args = existsSync(chain)
      ? ["replay", "--chain", rel(chain), "--input", rel(resolve(dir, "input.jsonl"))]
      : ["replay", "--filter", name, "--config", rel(resolve(dir, "config.json")), "--input", rel(resolve(dir, "input.jsonl"))];
    const r = await sluice(cli, args);
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    const golden = resolve(dir, "output.jsonl");
    if (process.env.UPDATE_GOLDEN === "1") writeFileSync(golden, r.stdout);
    expect(r.stdout).toBe(readFileSync(golden, "utf8"));
  });
});

describe("sluice replay --bundle", () => {
  it.each(readdirSync(GOLDEN).sort())("%s: the bundle (one module) prints the golden output.jsonl byte for byte", async (name) => {
    const dir = resolve(GOLDEN, name);
    const chain = resolve(dir, "sluice.yaml");
    const args = existsSync(chain)
      ? ["replay", "--chain", rel(chain), "--bundle", "--input", rel(resolve(dir, "input.jsonl"))]
      : ["replay", "--filter", name, "--config", rel(resolve(dir, "config.json")), "--bundle", "--input", rel(resolve(dir, "input.jsonl"))];
    const r = await sluice(cli, args);
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(readFileSync(resolve(dir, "output.jsonl"), "utf8"));
  });

  it("runs filters by id only", async () => {
    const r = await sluice(cli, ["replay", "--filter", "build/rate-limit.wasm", "--config", "cli/test/golden/rate-limit/config.json", "--bundle"], { input: "" });
    expect([r.code, r.stderr]).toEqual([2, "sluice: replay: --bundle runs filters by id (spiffe-rbac, rate-limit, traffic-colour, circuit-breaker), got \"build/rate-limit.wasm\"\n"]);
  });
});

describe("sluice replay", () => {
  const config = "cli/test/golden/rate-limit/config.json";
  const get = (user: string, at: number) =>
    JSON.stringify({ at_ms: at, request: { headers: { ":method": "GET", ":path": "/", ":authority": "a", "x-user-id": user } } });

  it("reads stdin without --input and ends with the metrics line", async () => {
    const r = await sluice(cli, ["replay", "--filter", "rate-limit", "--config", config], { input: [get("a", 0), get("a", 1), get("a", 2)].join("\n") + "\n" });
    const lines = r.stdout.trimEnd().split("\n").map((l) => JSON.parse(l));
    expect(lines.map((l) => [l.index, l.decision, l.status, l.details])).toEqual([
      [0, "continue", 200, null], [1, "continue", 200, null], [2, "local_response", 429, "rate_limited"], [undefined, undefined, undefined, undefined],
    ]);
    expect(lines[3].metrics["sluice.rate_limit.per-user.limited"]).toBe(1);
  });

  it("shares buckets across worker VMs", async () => {
    const lines = [0, 1, 0].map((w, i) => JSON.stringify({ worker: w, at_ms: i, request: { headers: { ":path": "/", "x-user-id": "a" } } }));
    const r = await sluice(cli, ["replay", "--filter", "rate-limit", "--config", config, "--workers", "2"], { input: lines.join("\n") });
    expect(r.stdout.split("\n").slice(0, 3).map((l) => JSON.parse(l).status)).toEqual([200, 200, 429]);
  });

  it("accepts a .wasm path as the filter", async () => {
    const r = await sluice(cli, ["replay", "--filter", "build/rate-limit.wasm", "--config", config], { input: get("a", 0) });
    expect(JSON.parse(r.stdout.split("\n")[0]!).status).toBe(200);
  });

  it("gives one clear line for bad input, a bad config or a missing option", async () => {
    const cases: [string[], string, string][] = [
      [["replay", "--filter", "rate-limit", "--config", config], "{\"request\": 1}\nnot json\n", "sluice: stdin:2: Unexpected token 'o', \"not json\" is not valid JSON\n"],
      [["replay", "--filter", "rate-limit", "--config", config], '{"at_ms": -1}', "sluice: stdin:1: at_ms must be a number >= 0\n"],
      [["replay", "--filter", "rate-limit", "--config", config], '{"request": {"headers": [[":path"]]}}', "sluice: stdin:1: request.headers must be [[name, value], ...] or {name: value} with string values\n"],
      [["replay", "--filter", "waf", "--config", config], "", 'sluice: replay: unknown filter "waf" (known: spiffe-rbac, rate-limit, traffic-colour, circuit-breaker, or a path to a .wasm)\n'],
      [["replay", "--filter", "rate-limit"], "", "sluice: replay: needs --filter <id|path.wasm> and --config <file>, or --chain <sluice.yaml>\n"],
      [["replay", "--filter", "circuit-breaker", "--config", config], "", "sluice: circuit-breaker: rules: unknown key, got [...]\nsluice: circuit-breaker: headers_mode: unknown key, got \"draft03\"\nsluice: circuit-breaker: reply: unknown key, got {...}\nsluice: circuit-breaker: circuits: is required, got nothing\n"],
    ];
    for (const [args, input, stderr] of cases) {
      const r = await sluice(cli, args, { input });
      expect({ args, stderr: r.stderr, nonZero: r.code !== 0 }).toEqual({ args, stderr, nonZero: true });
    }
  });
});
