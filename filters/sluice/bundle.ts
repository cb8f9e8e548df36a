// SluiceRoot (the bundle's one root context: its chain's member roots, their ticks and call
// callbacks) and SluiceStream (one per stream: the members' stream contexts, run in chain order
// on each hook, as Envoy runs a chain of separate modules).
import { proxy_set_tick_period_milliseconds } from "@gcoredev/proxy-wasm-sdk-as/assembly/imports";
import { overridePluginConfiguration, readPluginConfiguration } from "../shared/buffers";
import { ConfigErrors, setConfigPathPrefix } from "../shared/config-error";
import { HeadersStatus, HttpContext, RootContext } from "../shared/context";
import { streamOf } from "../shared/context-registry";
import { beginHook, endHook } from "../shared/hook-reads";
import { decimal } from "../shared/number-text";
import { continueRequest, deferContinue, takeDeferredContinue } from "../shared/stream-control";
import { parseChain } from "./chain-config";
import { Hook, memberHooks, MEMBER_IDS, memberTickMs, newMemberRoot } from "./members";

export const FILTER = "sluice";

/** One filter of the chain: its root, the hooks it implements and its own tick period. */
export class Member {
  /** Bundle ticks since this member's last tick; tickEvery: the member's period in bundle ticks (in ms until configured). */
  ticks: u32 = 0;
  constructor(readonly root: RootContext, readonly hooks: u32, public tickEvery: u32) {}
}

/** The configured chain, immutable once configured (a stream keeps the chain it started with). */
export class Chain {
  constructor(readonly members: Member[], readonly hooks: u32) {}
}

function gcd(a: u32, b: u32): u32 {
  while (b != 0) {
    const t = a % b;
    a = b;
    b = t;
  }
  return a;
}

export class SluiceRoot extends RootContext {
  chain: Chain | null = null;
  /** Member roots by kind, kept across configurations (as a separate module keeps its root). */
  private roots: StaticArray<RootContext | null> = new StaticArray<RootContext | null>(MEMBER_IDS.length);

  onConfigure(configSize: u32): bool {
    const errors = new ConfigErrors(FILTER);
    const entries = parseChain(readPluginConfiguration(configSize), errors);
    if (entries === null) {
      errors.log();
      return false;
    }
    const members: Member[] = [];
    let hooks: u32 = 0;
    let tickMs: u32 = 0;
    let ok = true;
    for (let i = 0; i < entries.length; i++) {
      const entry = entries[i];
      let root = this.roots[entry.kind];
      if (root === null) {
        root = newMemberRoot(entry.kind, this.id);
        this.roots[entry.kind] = root;
      }
      overridePluginConfiguration(entry.configText);
      setConfigPathPrefix("filters[" + decimal(i) + "].config");
      const configured = root.onConfigure(<u32>entry.configText.length);
      setConfigPathPrefix("");
      overridePluginConfiguration(null);
      if (!configured) {
        ok = false;
        continue;
      }
      const period = memberTickMs(entry.kind);
      tickMs = tickMs == 0 ? period : gcd(tickMs, period);
      members.push(new Member(root, memberHooks(entry.kind), period));
      hooks |= memberHooks(entry.kind);
    }
    if (!ok) return false;
    for (let i = 0; i < members.length; i++) members[i].tickEvery = members[i].tickEvery / tickMs;
    this.chain = new Chain(members, hooks);
    // the members set their own periods while configured; one timer serves them all
    proxy_set_tick_period_milliseconds(tickMs);
    return true;
  }

  onTick(): void {
    const chain = this.chain;
    if (chain === null) return;
    const members = chain.members;
    for (let i = 0, n = members.length; i < n; i++) {
      const m = unchecked(members[i]);
      if (++m.ticks < m.tickEvery) continue;
      m.ticks = 0;
      m.root.onTick();
    }
  }

  onDone(): bool {
    const chain = this.chain;
    if (chain === null) return true;
    let done = true;
    const members = chain.members;
    for (let i = 0, n = members.length; i < n; i++) if (!unchecked(members[i]).root.onDone()) done = false;
    return done;
  }

  onDelete(): void {
    const chain = this.chain;
    if (chain === null) return;
    const members = chain.members;
    for (let i = 0, n = members.length; i < n; i++) unchecked(members[i]).root.onDelete();
  }

  newHttpContext(id: u32): HttpContext | null {
    return this.chain === null ? null : new SluiceStream(id, this);
  }

  // Call callbacks go to the members that make calls (rate-limit: its rate limit service); a
  // member that resumes its paused stream meanwhile has the rest of the chain run first.

  onGrpcReceive(token: u32, messageSize: u32): void {
    const m = this.deferringCallouts();
    if (m !== null) { m.onGrpcReceive(token, messageSize); this.resumeDeferred(); }
  }

  onGrpcClose(token: u32, statusCode: u32): void {
    const m = this.deferringCallouts();
    if (m !== null) { m.onGrpcClose(token, statusCode); this.resumeDeferred(); }
  }

  /** The root of the chain's member that makes calls (at most one: rate-limit), or null. Its
   *  tokens are the only ones this VM's calls have, so every call callback is its; the callback
   *  the caller gives it defers a resume (see resumeDeferred). */
  private deferringCallouts(): RootContext | null {
    const chain = this.chain;
    if (chain === null || (chain.hooks & Hook.Callouts) == 0) return null;
    const members = chain.members;
    for (let i = 0, n = members.length; i < n; i++) {
      const m = unchecked(members[i]);
      if ((m.hooks & Hook.Callouts) != 0) {
        deferContinue();
        return m.root;
      }
    }
    return null;
  }

  private resumeDeferred(): void {
    const id = takeDeferredContinue();
    if (id == 0) return;
    const stream = streamOf(id);
    if (stream !== null) changetype<SluiceStream>(stream).resume();
  }
}

// @ts-ignore: decorator
@inline const NOT_PAUSED: i32 = -1;

export class SluiceStream extends HttpContext {
  private chain: Chain;
  /** The members' stream contexts, in chain order (null: not created yet, or passing through). */
  private contexts: StaticArray<HttpContext | null>;
  /** Members whose request headers ran: the ones whose context exists (Envoy creates a Wasm
   *  filter's context in decodeHeaders; encode callbacks skip a filter without one). */
  private reached: i32 = 0;
  /** The member that stopped the request headers and may resume them, or NOT_PAUSED. */
  private pausedAt: i32 = NOT_PAUSED;
  private headerCount: u32 = 0;
  private endOfStream: bool = false;

  constructor(id: u32, readonly bundle: SluiceRoot) {
    super(id, bundle);
    const chain = changetype<Chain>(bundle.chain); // set: newHttpContext checked it
    this.chain = chain;
    this.contexts = new StaticArray<HttpContext | null>(chain.members.length);
  }

  reset(): void {
    this.reached = 0;
    this.pausedAt = NOT_PAUSED;
    const chain = changetype<Chain>(this.bundle.chain);
    if (chain !== this.chain) {
      this.chain = chain;
      this.contexts = new StaticArray<HttpContext | null>(chain.members.length);
    }
  }

  onRequestHeaders(headerCount: u32, endOfStream: bool): u32 {
    this.headerCount = headerCount;
    this.endOfStream = endOfStream;
    return this.runRequestHeaders(0);
  }

  /** Runs the members from `from` on the request headers until one stops them (a local reply
   *  ends the chain there for this request; a paused member may resume it, see resume()). */
  private runRequestHeaders(from: i32): u32 {
    const members = this.chain.members;
    const contexts = this.contexts;
    let status = HeadersStatus.Continue;
    this.pausedAt = NOT_PAUSED;
    beginHook();
    for (let i = from, n = members.length; i < n; i++) {
      const ctx = unchecked(members[i]).root.streamContext(this.id);
      unchecked(contexts[i] = ctx);
      this.reached = i + 1;
      if (ctx === null) continue;
      status = ctx.onRequestHeaders(this.headerCount, this.endOfStream);
      if (status != HeadersStatus.Continue) {
        this.pausedAt = i;
        break;
      }
    }
    endHook();
    return status;
  }

  /** The member that paused the request asked to resume it (as proxy_continue_stream would):
   *  the members after it see the request, then the host resumes it unless one stopped it. */
  resume(): void {
    const at = this.pausedAt;
    if (at == NOT_PAUSED) return;
    if (this.runRequestHeaders(at + 1) == HeadersStatus.Continue) continueRequest(this.id);
  }

  onResponseHeaders(headerCount: u32, endOfStream: bool): u32 {
    if ((this.chain.hooks & Hook.ResponseHeaders) == 0) return HeadersStatus.Continue;
    const members = this.chain.members;
    const contexts = this.contexts;
    let status = HeadersStatus.Continue;
    beginHook();
    // encoders run in reverse chain order
    for (let i = this.reached - 1; i >= 0; i--) {
      const ctx = unchecked(contexts[i]);
      if (ctx === null || (unchecked(members[i]).hooks & Hook.ResponseHeaders) == 0) continue;
      status = ctx.onResponseHeaders(headerCount, endOfStream);
      if (status != HeadersStatus.Continue) break;
    }
    endHook();
    return status;
  }

  onLog(): void {
    if ((this.chain.hooks & Hook.Log) == 0) return;
    const members = this.chain.members;
    const contexts = this.contexts;
    beginHook();
    for (let i = 0, n = this.reached; i < n; i++) {
      const ctx = unchecked(contexts[i]);
      if (ctx !== null && (unchecked(members[i]).hooks & Hook.Log) != 0) ctx.onLog();
    }
    endHook();
  }

  onDone(): void {
    if ((this.chain.hooks & Hook.Done) == 0) return;
    const members = this.chain.members;
    const contexts = this.contexts;
    for (let i = 0, n = this.reached; i < n; i++) {
      const ctx = unchecked(contexts[i]);
      if (ctx !== null && (unchecked(members[i]).hooks & Hook.Done) != 0) ctx.onDone();
    }
  }

  /** Every member context goes back to its root for the next stream. */
  onDelete(): void {
    const members = this.chain.members;
    const contexts = this.contexts;
    for (let i = 0, n = this.reached; i < n; i++) {
      const ctx = unchecked(contexts[i]);
      if (ctx === null) continue;
      unchecked(contexts[i] = null);
      if ((unchecked(members[i]).hooks & Hook.Delete) != 0) ctx.onDelete();
      ctx.root.keepSpare(ctx);
    }
    this.reached = 0;
  }
}
