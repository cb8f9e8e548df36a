// What a key gets when every slot it may take holds another key's live bucket: the rule's
// overflow policy, counted in sluice.rate_limit.<rule>.overflow, never another key's tokens.
import { describe, expect, it } from "vitest";
import { headersNamed, outcome, start } from "./harness.js";

const ONE_SLOT = { name: "per-user", limits: [{ requests: 2, per: "1s" }], key: [{ source: "header", name: "x-user" }], max_keys: 1 };
const user = (name: string) => ({ "x-user": name });

describe("overflow policies (max_keys 1: alice holds the one slot)", () => {
  it.each([
    ["allow (the default) lets other keys through", {}, ["allow", "allow", "allow"], ["allow", "allow", "429"]],
    ["deny answers 429 without retry-after", { overflow: "deny" }, ["429", "429", "429"], ["allow", "allow", "429"]],
    ["shared_bucket draws every overflowing key from one bucket with its own limits",
      { overflow: "shared_bucket", overflow_limits: [{ requests: 2, per: "1s" }] }, ["allow", "allow", "429"], ["allow", "allow", "429"]],
  ])("%s; alice keeps exactly her limit", async (_name, policy, others, alice) => {
    const { proxy, send } = await start({ rules: [{ ...ONE_SLOT, ...policy }] }, 2);
    const got = { others: [] as string[], alice: [] as string[] };
    got.alice.push(outcome(send(user("alice"))));
    for (const name of ["bob", "carol", "dave"]) got.others.push(outcome(send(user(name))));
    got.alice.push(outcome(send(user("alice"))), outcome(send(user("alice"))));
    expect(got).toEqual({ others, alice });
    proxy.advance(1000);
    expect(proxy.metric("sluice.rate_limit.per-user.overflow")).toBe(3);
    expect(proxy.metric("sluice.rate_limit.per-user.evicted")).toBe(0);
  });

  it("reports the shared bucket's limit in the rate-limit headers of an overflowing key", async () => {
    const { send } = await start({
      rules: [{ ...ONE_SLOT, overflow: "shared_bucket", overflow_limits: [{ requests: 1, per: "1s", burst: 3 }] }], headers_mode: "draft03",
    });
    send(user("alice"));
    expect(headersNamed(send(user("bob")), "x-ratelimit")).toEqual([
      ["x-ratelimit-limit", "3, 3;w=3"], ["x-ratelimit-remaining", "2"], ["x-ratelimit-reset", "1"],
    ]);
  });

  it("sends no rate-limit headers with a request let through without a bucket", async () => {
    const { send } = await start({ rules: [ONE_SLOT], headers_mode: "draft03" });
    send(user("alice"));
    expect(headersNamed(send(user("bob")), "x-ratelimit")).toEqual([]);
  });

  it("answers an overflowing key with 429 and details rate_limited under deny, without retry-after", async () => {
    const { send } = await start({ rules: [{ ...ONE_SLOT, overflow: "deny" }] });
    send(user("alice"));
    const r = send(user("bob"));
    expect(r.localResponse).toMatchObject({ status: 429, details: "rate_limited" });
    expect(headersNamed(r, "retry-after")).toEqual([]);
  });

  it("gives the slot to a new key once alice's bucket is full again (nothing lost), counted as evicted", async () => {
    const { proxy, send } = await start({ rules: [{ ...ONE_SLOT, overflow: "deny" }] });
    send(user("alice"));
    expect(outcome(send(user("bob")))).toBe("429");
    proxy.advance(1000);
    expect([outcome(send(user("bob"))), outcome(send(user("bob"))), outcome(send(user("bob")))]).toEqual(["allow", "allow", "429"]);
    expect(outcome(send(user("alice")))).toBe("429");
    proxy.advance(1000);
    expect(proxy.metric("sluice.rate_limit.per-user.evicted")).toBe(1);
  });
});
