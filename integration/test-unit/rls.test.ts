import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { bootstrapPath, filterConfig, loadBootstrap, type Json } from "../support/bootstrap.js";
import { globalRules, rlsDomainConfig, rlsSettings } from "../support/rls.js";

describe("rate limit service configuration from the filter's rules", () => {
  const config = filterConfig(loadBootstrap(bootstrapPath("rate-limit")), "rate-limit");

  it("reads the rls block and the global rules of envoy/rate-limit", () => {
    expect(rlsSettings(config)).toEqual({ cluster: "ratelimit", domain: "sluice", failureModeDeny: false });
    expect(globalRules(config)).toEqual(["global-api"]);
  });

  it("an unkeyed global rule: descriptor rule=<name>", () => {
    expect(parse(rlsDomainConfig(config, "sluice", { requests: 3, unit: "hour" }))).toEqual({
      domain: "sluice",
      descriptors: [{ key: "rule", value: "global-api", rate_limit: { unit: "hour", requests_per_unit: 3 } }],
    });
  });

  it("a keyed global rule: one nested level per key part, named like the filter names them", () => {
    const keyed: { [k: string]: Json } = {
      rules: [
        { name: "per-tenant", global: true, limits: [], key: [{ source: "header", name: "x-tenant" }, { source: "client_ip" }] },
        { name: "local", limits: [] },
      ],
      default_rule: { name: "everyone", global: true, limits: [] },
    };
    const rl = { unit: "minute", requests_per_unit: 10 };
    expect(parse(rlsDomainConfig(keyed, "d", { requests: 10, unit: "minute" }))).toEqual({
      domain: "d",
      descriptors: [
        { key: "rule", value: "per-tenant", rate_limit: rl, descriptors: [{ key: "x-tenant", rate_limit: rl, descriptors: [{ key: "client_ip", rate_limit: rl }] }] },
        { key: "rule", value: "everyone", rate_limit: rl },
      ],
    });
  });

  it("says what is missing", () => {
    expect(() => rlsDomainConfig({ rules: [{ name: "a", limits: [] }] }, "d", { requests: 1, unit: "second" })).toThrow("no rule with global: true");
    expect(() => rlsSettings({ rules: [] })).toThrow("no rls block");
  });
});
