// Test helpers over a Proxy: one plugin from a Guest, readers for guest memory and the host-call trace.

import { Proxy, type PluginOptions, type ProxyOptions, type TraceEntry, type Vm } from "../../src/index.js";
import { RET, RET2, type Guest } from "./guest.js";

export async function start(
  g: Guest,
  plugin: Partial<PluginOptions> = {},
  proxyOpts: ProxyOptions = {},
): Promise<{ proxy: Proxy; plugin: Awaited<ReturnType<Proxy["addPlugin"]>> }> {
  const proxy = new Proxy({ trace: true, ...proxyOpts });
  const p = await proxy.addPlugin({ name: "probe", rootId: "probe", wasm: await g.build(), ...plugin });
  return { proxy, plugin: p };
}

/** Results of every traced host call with this name, in order. */
export function results(trace: TraceEntry[], name: string): number[] {
  return trace.filter((e) => e.kind === "host" && e.name === name).map((e) => e.result!);
}

/** Names of traced guest callbacks, as "name(args)". */
export function callbacks(trace: TraceEntry[]): string[] {
  return trace.filter((e) => e.kind === "callback" && e.name !== "malloc").map((e) => `${e.name}(${e.args})`);
}

/** The (ptr, len) value a host call wrote at RET/RET2, read from guest memory. */
export function returned(vm: Vm): Uint8Array {
  return vm.memory.read(vm.memory.readU32(RET), vm.memory.readU32(RET2));
}

export function returnedText(vm: Vm): string {
  return Buffer.from(returned(vm)).toString("latin1");
}

export function worker(proxy: Proxy, i = 0): Vm {
  return proxy.plugins[0].workers[i];
}

export function hex(b: Uint8Array): string {
  return Buffer.from(b).toString("hex");
}
