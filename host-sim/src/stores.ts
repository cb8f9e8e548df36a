// Process-wide state shared by all VMs: shared data (§7.4), shared queues (§7.5), metrics (§7.3).

import { Result } from "./abi/spec.js";
import type { RootContext } from "./context.js";
import type { Vm } from "./vm.js";

export interface SharedValue {
  value: Uint8Array;
  cas: number;
}

export class SharedDataStore {
  private nextCas = 1;
  private readonly byVm = new Map<string, Map<string, SharedValue>>();
  private readonly faults: { op: "get" | "set"; status: number; remaining: number }[] = [];

  /**
   * Makes the next `times` proxy_get_shared_data (`op` "get") or proxy_set_shared_data ("set")
   * calls, from any VM, answer `status` without touching the store: for tests of a filter's
   * store-failure path (e.g. CasMismatch forever for a hot key, InternalFailure).
   */
  failNext(op: "get" | "set", status: number, times = 1): void {
    this.faults.push({ op, status, remaining: times });
  }

  /** Drops the injected statuses no call has consumed yet (a test's faults meant for one request
   *  that did not make that many calls). */
  clearFaults(): void {
    this.faults.length = 0;
  }

  /** The injected status for this call, if any (consumes one occurrence). */
  takeFault(op: "get" | "set"): number | undefined {
    const fault = this.faults.find((f) => f.op === op && f.remaining > 0);
    if (!fault) return undefined;
    fault.remaining--;
    return fault.status;
  }

  get(vmId: string, key: string): SharedValue | undefined {
    return this.byVm.get(vmId)?.get(key);
  }

  /** cas 0 ⇒ unconditional; an existing key with another cas ⇒ CasMismatch; absent key ignores cas. */
  set(vmId: string, key: string, value: Uint8Array, cas: number): number {
    let map = this.byVm.get(vmId);
    if (!map) this.byVm.set(vmId, (map = new Map()));
    const old = map.get(key);
    if (old && cas !== 0 && cas !== old.cas) return Result.CasMismatch;
    const stamp = this.nextCas++;
    if (this.nextCas > 0xffffffff) this.nextCas = 1;
    map.set(key, { value, cas: stamp });
    return Result.Ok;
  }

  view(vmId: string): Map<string, SharedValue> {
    return new Map(this.byVm.get(vmId) ?? []);
  }
}

export interface SharedQueue {
  token: number;
  vmId: string;
  name: string;
  items: Uint8Array[];
  owner: Vm;
  ownerRoot: RootContext;
}

export class QueueStore {
  private nextToken = 1;
  private readonly byName = new Map<string, SharedQueue>();
  readonly byToken = new Map<number, SharedQueue>();

  /** Same (vm_id, name) ⇒ same token; the last registrant becomes the owner. */
  register(vm: Vm, root: RootContext, name: string): number {
    const key = `${vm.plugin.vmId}\0${name}`;
    const q = this.byName.get(key);
    if (q) {
      q.owner = vm;
      q.ownerRoot = root;
      return q.token;
    }
    const created: SharedQueue = { token: this.nextToken++, vmId: vm.plugin.vmId, name, items: [], owner: vm, ownerRoot: root };
    this.byName.set(key, created);
    this.byToken.set(created.token, created);
    return created.token;
  }

  resolve(vmId: string, name: string): number | undefined {
    return this.byName.get(`${vmId}\0${name}`)?.token;
  }
}

export type MetricKind = 0 | 1 | 2;

export interface Stat {
  type: MetricKind;
  /** Full stat name, `wasmcustom.<name>`. */
  name: string;
  value: number;
  /** Recorded histogram samples. */
  samples: number[];
}

export class MetricStore {
  readonly stats = new Map<string, Stat>();

  define(type: MetricKind, name: string): string {
    const key = `${type}:wasmcustom.${name}`;
    if (!this.stats.has(key)) this.stats.set(key, { type, name: `wasmcustom.${name}`, value: 0, samples: [] });
    return key;
  }
}
